-- The facts of the changed pairs (those rollup_pairs_add.sql counts).
SELECT * FROM pair_facts WHERE time_ns >= $since AND pkey IN (SELECT pkey FROM changed)
