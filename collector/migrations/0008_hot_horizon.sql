-- 0008: how far hot retention has pruned each table (with a lake): rows of the
-- lake older than before_ns may be missing from the hot store, rows at or
-- after it never are.  Two-tier reads (collector/lake/tiers.py) take the lake's
-- rows before it that the hot store no longer holds.
CREATE TABLE hot_horizon (
    name       VARCHAR PRIMARY KEY,   -- events | spans | pair_facts
    before_ns  BIGINT NOT NULL
);
