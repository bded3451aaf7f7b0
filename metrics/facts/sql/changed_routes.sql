-- The (type, system) combinations among the changed events, to resolve routes.
SELECT DISTINCT type, system FROM changed_events
