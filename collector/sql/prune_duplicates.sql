DELETE FROM event_duplicates WHERE time_ns < $before
