CREATE OR REPLACE TEMP TABLE attempt_totals_folded AS
SELECT target, outcome, kind, sum(n)::BIGINT AS n FROM attempt_totals GROUP BY ALL;
DELETE FROM attempt_totals;
INSERT INTO attempt_totals SELECT * FROM attempt_totals_folded;
DROP TABLE attempt_totals_folded;
