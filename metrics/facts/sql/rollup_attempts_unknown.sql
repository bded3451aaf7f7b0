-- The attempts selected below as they were counted before their event arrived.
SELECT * REPLACE ('(unknown)' AS channel, '(unknown)' AS type) FROM ({attempts})
