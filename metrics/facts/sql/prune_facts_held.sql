-- With a lake: facts of pairs past the hot horizon that the lake holds
-- (time_ns <= $exported, its pair_facts watermark) and whose event the hot
-- store no longer holds (an event held for export keeps its facts).
DELETE FROM pair_facts AS p
WHERE p.time_ns < $before AND p.time_ns <= $exported
  AND NOT EXISTS (
      SELECT 1 FROM events AS e WHERE e.ekey = p.pkey AND e.source = p.source AND e.id = p.id
  );
