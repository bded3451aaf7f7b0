-- The newest refresh that changed a row of {table} (0: none).
SELECT coalesce(max(derived_seq), 0) FROM {table}
