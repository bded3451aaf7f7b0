-- 0004: SKU clustering (collector/compaction.py).
-- lkey = hash(sku): the integer a SKU lookup filters on.  Compaction rewrites
-- settled rows sorted by it, so DuckDB's per-row-group min/max of lkey skips
-- every row group that cannot hold the SKU.  On spans it is null for an
-- attempt without inventory.sku until compaction copies its event's lkey.
ALTER TABLE spans ADD COLUMN lkey UBIGINT;
ALTER TABLE events ADD COLUMN lkey UBIGINT;
UPDATE spans SET lkey = hash(sku) WHERE sku IS NOT NULL;
UPDATE events SET lkey = hash(sku);

-- Rows with seq <= upto_seq have been rewritten in lkey order (one row).
CREATE TABLE compaction_state (upto_seq BIGINT NOT NULL);
INSERT INTO compaction_state VALUES (0);
