DELETE FROM pair_facts WHERE time_ns >= $since AND pkey IN (SELECT pkey FROM changed)
