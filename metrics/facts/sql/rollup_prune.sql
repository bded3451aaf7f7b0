-- Rollup rows of minutes that start before $pairs (pair rollups) or $attempts
-- (attempt rollups), and orphan attempts that ended before $orphans: their
-- raw rows are gone.
DELETE FROM pair_minutes WHERE minute_ns < $pairs;
DELETE FROM latency_minutes WHERE minute_ns < $pairs;
DELETE FROM attempt_minutes WHERE minute_ns < $attempts;
DELETE FROM attempt_orphans WHERE end_ns < $orphans;
