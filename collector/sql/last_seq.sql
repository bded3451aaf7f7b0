-- The newest group-commit sequence number in the store (0 when empty).
SELECT greatest(
    coalesce((SELECT max(seq) FROM spans), 0),
    coalesce((SELECT max(seq) FROM events), 0),
    coalesce((SELECT max(seq) FROM event_duplicates), 0)
)
