-- 0003: once the reconciliation tables; they moved to the package that owns
-- them (metrics/reconciliation/migrations/0001_reconciliation.sql, which
-- adopts them in a store that already has them). Kept so that the numbers
-- of the collector's migrations stay as every store recorded them.
SELECT 1
