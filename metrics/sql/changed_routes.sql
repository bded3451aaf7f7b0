-- The (type, system) combinations among the changed events, to resolve routes.
SELECT DISTINCT type, system FROM events WHERE ekey IN (SELECT pkey FROM changed)
