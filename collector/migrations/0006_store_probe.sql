-- 0006: one row that the store's writer rewrites while commits fail
-- (collector/store.py), to notice by itself when the disk takes writes again.
CREATE TABLE store_probe (id INTEGER PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO store_probe VALUES (1, 0);
