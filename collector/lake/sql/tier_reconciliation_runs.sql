-- Reconciliation runs of both tiers: every hot run, and the lake's runs older
-- than the oldest the hot store keeps (reconciliation.keep_runs prunes the
-- oldest first). {before} is not used: runs leave by count, not by time.
CREATE OR REPLACE TEMP VIEW reconciliation_runs AS
SELECT * FROM {hot}
UNION ALL BY NAME
SELECT * EXCLUDE (ts) FROM {lake} AS l
WHERE l.run_id < (SELECT coalesce(min(run_id), 9223372036854775807) FROM {hot})
