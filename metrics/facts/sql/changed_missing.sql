-- How many changed keys have no event among changed_events yet.
SELECT count(*) FROM changed WHERE pkey NOT IN (SELECT ekey FROM changed_events)
