SELECT target, outcome, kind, n FROM attempt_totals ORDER BY ALL
