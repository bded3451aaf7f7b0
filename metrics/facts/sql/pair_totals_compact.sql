-- Fold the signed deltas into one row per group.
CREATE OR REPLACE TEMP TABLE pair_totals_folded AS
SELECT target, type, first_pass, bucket, sum(n)::BIGINT AS n, sum(latency_sum_ns) AS latency_sum_ns
FROM pair_totals GROUP BY ALL HAVING sum(n) <> 0;
DELETE FROM pair_totals;
INSERT INTO pair_totals SELECT * FROM pair_totals_folded;
DROP TABLE pair_totals_folded;
