-- The facts of SPEC 2 per (event, target) of the attempts a lineage page
-- shows (registered as lineage_attempts by collector/lineage.py), by the
-- same macros as the derived pair facts (pair_facts_macros.sql).
SELECT event_source, event_id, target,
       pair_applied_ns(end_ns, failed) AS applied_ns,
       pair_first_pass(attempt, failed, replay) AS first_pass,
       pair_dead_lettered(start_ns, failed, dead_lettered) AS dead_lettered,
       pair_applies(failed, duplicate) AS applies
FROM lineage_attempts
GROUP BY event_source, event_id, target
