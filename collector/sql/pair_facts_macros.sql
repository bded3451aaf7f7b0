-- SPEC 2's per-pair facts, defined once, as DuckDB macros the store
-- (re)creates at every start.  An attempt is a span with an event id and a
-- target; the aggregate macros run over the attempts of one (event, target)
-- pair.  The derived pair facts (metrics/facts/sql/pair_facts_insert.sql)
-- and the lineage view (collector/sql/lineage_pair_facts.sql) both use them.

-- SPEC 1.1: an attempt succeeded unless its status is ERROR or it was dead-lettered.
CREATE OR REPLACE MACRO attempt_failed(status_code, dead_lettered) AS
    (coalesce(status_code = 2, false) OR dead_lettered);

-- applied_at: end of the earliest successful attempt.
CREATE OR REPLACE MACRO pair_applied_ns(end_ns, failed) AS
    min(end_ns) FILTER (WHERE NOT failed);

-- first-pass success: the attempt numbered 1 succeeded and was not a replay.
CREATE OR REPLACE MACRO pair_first_pass(attempt, failed, replay) AS
    coalesce(bool_or(attempt = 1 AND NOT failed AND NOT replay), false);

-- dead-lettered: some attempt was dead-lettered and no later attempt succeeded.
CREATE OR REPLACE MACRO pair_dead_lettered(start_ns, failed, dead_lettered) AS
    coalesce(max(start_ns) FILTER (WHERE dead_lettered) >= coalesce(
        max(start_ns) FILTER (WHERE NOT failed), -9223372036854775808), false);

-- applies: successful attempts not marked sync.duplicate (double apply: >= 2).
CREATE OR REPLACE MACRO pair_applies(failed, duplicate) AS
    count(*) FILTER (WHERE NOT failed AND NOT duplicate);
