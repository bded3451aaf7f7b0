-- Take the changed pairs' old contribution out of the running totals.
-- bucket = how many histogram bounds ($bounds, ns) lie below the latency.
INSERT INTO pair_totals
SELECT target, type, first_pass,
       CASE WHEN applied_ns IS NULL THEN NULL
            ELSE len(list_filter($bounds::BIGINT[], lambda b: b < applied_ns - time_ns))
       END AS bucket,
       -count(*), -coalesce(sum(applied_ns - time_ns), 0)
FROM pair_facts WHERE time_ns >= $since AND pkey IN (SELECT pkey FROM changed)
GROUP BY ALL
