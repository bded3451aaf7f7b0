-- Recompute the facts of SPEC 2 for every expected pair of the changed events
-- from all their attempts, by the macros of collector/sql/pair_facts_macros.sql.  pair_routes(type, system, target, deadline_ns,
-- objective_ns) and location_map(location, warehouse) are registered by the
-- caller.  Attempts end after their event; one that ended more than $slack
-- before the oldest changed event (a clock a day wrong) is not read.  $hi:
-- the group commit the refresh reads up to.
INSERT INTO pair_facts
WITH ev AS (
    SELECT * FROM changed_events
), pairs AS (
    SELECT ev.*, r.target, r.deadline_ns, r.objective_ns
    FROM ev JOIN pair_routes AS r ON r.type = ev.type AND r.system = ev.system
), att AS (
    SELECT pkey, event_source, event_id, target, attempt, replay, start_ns, end_ns,
           duplicate, dead_lettered, attempt_failed(status_code, dead_lettered) AS failed
    FROM spans
    WHERE end_ns >= $since - $slack
      AND pkey IN (SELECT pkey FROM changed) AND event_id IS NOT NULL AND target IS NOT NULL
), agg AS (
    SELECT pkey, event_source, event_id, target,
           count(*) AS attempts,
           count(*) FILTER (WHERE failed) AS failed,
           count(*) FILTER (WHERE replay) AS replays,
           pair_applied_ns(end_ns, failed) AS applied_ns,
           pair_first_pass(attempt, failed, replay) AS first_pass,
           pair_dead_lettered(start_ns, failed, dead_lettered) AS dead_lettered,
           pair_applies(failed, duplicate) AS applies
    FROM att GROUP BY ALL
)
SELECT p.ekey, p.source, p.id, p.target, p.type, p.system, p.time_ns, p.sku, p.location,
       coalesce(m.warehouse, split_part(p.location, '/', 1)) AS warehouse,
       p.channel, p.order_id, p.deadline_ns, p.objective_ns,
       coalesce(a.attempts, 0), coalesce(a.failed, 0), coalesce(a.replays, 0),
       a.applied_ns,
       a.first_pass,  -- null: no attempt seen
       coalesce(a.dead_lettered, false),
       coalesce(a.applies, 0),
       $hi AS derived_seq  -- the group commit these facts are derived up to
FROM pairs AS p
LEFT JOIN agg AS a
       ON a.pkey = p.ekey AND a.event_source = p.source AND a.event_id = p.id AND a.target = p.target
LEFT JOIN location_map AS m ON m.location = p.location
ORDER BY p.time_ns  -- keeps pair_facts in time order, so time filters skip row groups
