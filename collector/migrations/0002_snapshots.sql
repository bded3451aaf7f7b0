-- 0002: stock snapshots (SPEC 1.3). A snapshot is one system instance's full
-- state at taken_ns; its rows are stored whole or not at all.
CREATE SEQUENCE snapshot_ids START 1;

CREATE TABLE snapshots (
    snapshot_id     BIGINT PRIMARY KEY,
    system          VARCHAR NOT NULL,
    instance        VARCHAR NOT NULL,   -- '' when absent
    channel         VARCHAR,
    taken_ns        BIGINT NOT NULL,
    received_ns     BIGINT NOT NULL,
    row_count       BIGINT NOT NULL,
    format          VARCHAR NOT NULL    -- json | csv | parquet
);

CREATE TABLE snapshot_rows (
    snapshot_id     BIGINT NOT NULL,
    sku             VARCHAR NOT NULL,
    location        VARCHAR NOT NULL,
    stock_status    VARCHAR NOT NULL,
    quantity        DOUBLE NOT NULL
);
