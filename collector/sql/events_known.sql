-- Which of the listed event identities (registered as `wanted(source, id)`) are stored.
SELECT e.source, e.id, e.time_ns, e.type, e.system
FROM (SELECT source, id, time_ns, type, system FROM events
      WHERE ekey IN (SELECT hash(source, id) FROM wanted)) AS e
SEMI JOIN wanted AS w ON e.source = w.source AND e.id = w.id
