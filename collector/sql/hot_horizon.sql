-- How far hot retention has pruned each table (see migration 0008).
SELECT name, before_ns FROM hot_horizon
