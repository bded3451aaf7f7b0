-- Events per group commit after lo, oldest first: how export sizes a chunk.
SELECT seq, count(*) FROM events WHERE seq > $lo GROUP BY seq ORDER BY seq
