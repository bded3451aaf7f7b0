-- 0007: lot and serial on snapshot rows (docs/reconciliation.md, "Lots and
-- serials"). '' = the system did not report one for the row.
ALTER TABLE snapshot_rows ADD COLUMN lot VARCHAR DEFAULT '';
ALTER TABLE snapshot_rows ADD COLUMN serial VARCHAR DEFAULT '';
