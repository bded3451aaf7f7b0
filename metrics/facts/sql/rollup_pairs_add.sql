-- The pairs selected below (pair_facts rows) counted by minute into the deltas,
-- times $sign (-1: their old facts, +1: their new ones); $hi: this refresh.
INSERT INTO pair_minutes_delta
SELECT time_ns // 60000000000 * 60000000000, target, warehouse, coalesce(channel, '(none)'),
       type, deadline_ns, objective_ns,
       $sign * count(*),
       $sign * count(*) FILTER (WHERE applied_ns IS NOT NULL),
       $sign * count(*) FILTER (WHERE applied_ns - time_ns <= objective_ns),
       $sign * count(*) FILTER (WHERE first_pass IS NOT NULL),
       $sign * count(*) FILTER (WHERE first_pass),
       $sign * count(*) FILTER (WHERE applied_ns IS NULL),
       $sign * count(*) FILTER (WHERE dead_lettered),
       $sign * count(*) FILTER (WHERE applies >= 2),
       $hi
FROM ({pairs}) AS p
GROUP BY 1, 2, 3, 4, 5, 6, 7
