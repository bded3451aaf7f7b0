-- Pairs with at least one attempt, by target and first-pass outcome.
SELECT target, first_pass, sum(n)::BIGINT AS n
FROM pair_totals WHERE first_pass IS NOT NULL
GROUP BY ALL ORDER BY ALL
