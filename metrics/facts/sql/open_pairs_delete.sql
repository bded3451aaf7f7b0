DELETE FROM open_pairs WHERE time_ns >= $since AND pkey IN (SELECT pkey FROM changed)
