-- Mismatched and compared keys of the runs in [$from, $to) (the overview's
-- monthly mismatch rate; with the lake, runs of both tiers).
SELECT coalesce(sum(mismatched), 0), coalesce(sum(compared), 0)
FROM reconciliation_runs
WHERE now_ns >= $from AND now_ns < $to
