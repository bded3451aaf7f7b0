-- A configuration change (routes, locations): derive everything again.
DELETE FROM pair_facts;
DELETE FROM open_pairs;
DELETE FROM pair_totals;
DELETE FROM attempt_totals;
DELETE FROM pair_minutes;
DELETE FROM latency_minutes;
DELETE FROM attempt_minutes;
DELETE FROM attempt_orphans;
