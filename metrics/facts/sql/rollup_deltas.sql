-- Empty signed deltas of the three rollups, folded in by rollup_*_fold.sql.
CREATE OR REPLACE TEMP TABLE pair_minutes_delta AS FROM pair_minutes LIMIT 0;
CREATE OR REPLACE TEMP TABLE latency_minutes_delta AS FROM latency_minutes LIMIT 0;
CREATE OR REPLACE TEMP TABLE attempt_minutes_delta AS FROM attempt_minutes LIMIT 0;
