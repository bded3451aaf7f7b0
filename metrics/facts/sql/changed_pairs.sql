-- Event keys touched by group commits in ($lo, $hi]: new events, new attempts.
CREATE OR REPLACE TEMP TABLE changed AS
SELECT DISTINCT pkey FROM (
    SELECT ekey AS pkey FROM events WHERE seq > $lo AND seq <= $hi
    UNION ALL
    SELECT pkey FROM spans
    WHERE seq > $lo AND seq <= $hi AND event_id IS NOT NULL AND target IS NOT NULL
)
