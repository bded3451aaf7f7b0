-- Attempts by target and outcome over the Parquet files pyiceberg planned
-- for a 28-day window of the lake's spans table.
SELECT target, count(*) FILTER (WHERE status_code = 2) AS failed, count(*) AS n
FROM read_parquet($files)
GROUP BY target
ORDER BY target
