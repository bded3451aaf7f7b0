-- 0002: a result's key names its lot and serial ('' when compared without).
ALTER TABLE reconciliation_results ADD COLUMN lot VARCHAR DEFAULT '';
ALTER TABLE reconciliation_results ADD COLUMN serial VARCHAR DEFAULT '';
