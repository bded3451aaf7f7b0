-- The applied pairs selected below by minute and latency bucket into the deltas,
-- times $sign.  bucket = sign(x) * (1 + ceil(ln |x| / $log_gamma)), x the
-- latency in ns (0: x = 0), as metrics/slis/sql/rollup_raw_latency.sql.
INSERT INTO latency_minutes_delta
SELECT time_ns // 60000000000 * 60000000000, target, warehouse, coalesce(channel, '(none)'),
       type, deadline_ns,
       CASE WHEN applied_ns = time_ns THEN 0
            ELSE sign(applied_ns - time_ns)
                 * (1 + ceil(ln(abs(applied_ns - time_ns)) / $log_gamma))::INTEGER
       END,
       $sign * count(*),
       $hi
FROM ({pairs}) AS p
WHERE applied_ns IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6, 7
