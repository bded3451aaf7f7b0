-- The attempts selected below counted by the minute they ended into the
-- deltas, times $sign; $hi: this refresh.
INSERT INTO attempt_minutes_delta
SELECT end_ns // 60000000000 * 60000000000, target, warehouse, channel, type,
       $sign * count(*),
       $sign * count(*) FILTER (WHERE failed),
       $sign * count(*) FILTER (WHERE replay),
       $hi
FROM ({attempts}) AS a
GROUP BY 1, 2, 3, 4, 5
