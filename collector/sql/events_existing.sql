-- Stored (source, id) among the incoming batch.  The semi-join on the narrow
-- ekey column finds candidates; the exact comparison removes hash collisions.
WITH candidates AS (
    SELECT e.source, e.id
    FROM events AS e
    WHERE e.ekey IN (SELECT hash(source, id) FROM incoming)
)
SELECT c.source, c.id
FROM candidates AS c
JOIN incoming AS b ON b.source = c.source AND b.id = c.id
