-- Pair facts already in the lake (event time <= $lo, the watermark) derived
-- again after the last export ($restated): a late attempt changed them.
SELECT source, id, target, type, system, time_ns, sku, location, warehouse,
       channel, order_id, deadline_ns, objective_ns, attempts, failed, replays,
       applied_ns, first_pass, dead_lettered, applies
FROM pair_facts
WHERE time_ns <= $lo AND derived_seq > $restated
