DELETE FROM open_pairs WHERE time_ns < $before;
