-- Settled pair facts: pairs whose event happened in (lo, hi] (nanoseconds),
-- hi far enough behind now that late attempts no longer change them; in the
-- lake's sort order (sku, then time: see tables.py).
SELECT source, id, target, type, system, time_ns, sku, location, warehouse,
       channel, order_id, deadline_ns, objective_ns, attempts, failed, replays,
       applied_ns, first_pass, dead_lettered, applies
FROM pair_facts
WHERE time_ns > $lo AND time_ns <= $hi
ORDER BY sku, time_ns
