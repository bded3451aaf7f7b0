INSERT INTO open_pairs
SELECT pkey, target, warehouse, time_ns, deadline_ns, applied_ns IS NOT NULL, dead_lettered
FROM pair_facts
WHERE time_ns >= $since AND pkey IN (SELECT pkey FROM changed) AND (applied_ns IS NULL OR dead_lettered)
