-- CloudEvents received again with a known (source, id), by the event's time.
SELECT count(*) FROM event_duplicates WHERE time_ns >= $from AND time_ns < $to
