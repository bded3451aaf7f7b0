-- The lake's rows a restatement deletes (restate_lake) that the hot store does
-- not replace (restate_fresh): they are appended again, unchanged.
SELECT l.* FROM restate_lake AS l
WHERE NOT EXISTS (
    SELECT 1 FROM restate_fresh AS f
    WHERE f.source = l.source AND f.id = l.id AND f.target = l.target
)
