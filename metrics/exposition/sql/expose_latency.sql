-- Applied pairs per latency bucket (not cumulative), with the latency sum.
SELECT target, type, bucket, sum(n)::BIGINT AS n, sum(latency_sum_ns)::DOUBLE AS sum_ns
FROM pair_totals WHERE bucket IS NOT NULL
GROUP BY ALL ORDER BY ALL
