DELETE FROM events WHERE time_ns < $before
