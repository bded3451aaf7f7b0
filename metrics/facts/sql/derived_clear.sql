-- A configuration change (routes, locations): derive everything again.
DELETE FROM pair_facts;
DELETE FROM open_pairs;
DELETE FROM pair_totals;
DELETE FROM attempt_totals;
