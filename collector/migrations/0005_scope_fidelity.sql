-- 0005: the instrumentation scope's version and attributes (JSON object), kept
-- beside its name and shown in the trace view.  Null in rows stored before.
ALTER TABLE spans ADD COLUMN scope_version VARCHAR;
ALTER TABLE spans ADD COLUMN scope_attributes VARCHAR;
