-- The (type, source system) combinations among stored events, to resolve routes.
SELECT DISTINCT type, system FROM events
