-- The facts of the pairs whose event time is in [$from, $to).
SELECT * FROM pair_facts WHERE time_ns >= $from AND time_ns < $to
