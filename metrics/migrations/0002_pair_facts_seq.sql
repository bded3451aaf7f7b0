-- 0002: the group commit up to which a pair's facts were last derived, so that
-- the lake export restates the facts of pairs that changed after it exported
-- them (collector/lake/restate.py).  0: derived before this column existed.
ALTER TABLE pair_facts ADD COLUMN derived_seq BIGINT DEFAULT 0;
