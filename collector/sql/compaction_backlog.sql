-- Rows per group commit not yet compacted, oldest first.
SELECT seq, count(*) AS n
FROM (SELECT seq FROM spans WHERE seq > $upto
      UNION ALL
      SELECT seq FROM events WHERE seq > $upto)
GROUP BY seq
ORDER BY seq
