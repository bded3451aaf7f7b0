-- 0001: reconciliation runs and their results (metrics/reconciliation writes
-- them). Per run: counts per (system instance, warehouse, channel, result)
-- and every key that did not match; matching keys are only counted.
-- These tables were created by collector 0003 before reconciliation owned
-- its migrations: IF NOT EXISTS adopts them in a store that has them.
CREATE SEQUENCE IF NOT EXISTS reconciliation_run_ids START 1;

CREATE TABLE IF NOT EXISTS reconciliation_runs (
    run_id          BIGINT PRIMARY KEY,
    now_ns          BIGINT NOT NULL,     -- the (injected) time of the run
    trigger         VARCHAR NOT NULL,    -- schedule | api | cli
    duration_s      DOUBLE NOT NULL,
    snapshots       VARCHAR NOT NULL,    -- JSON list of the snapshots compared
    compared        BIGINT NOT NULL,
    matched         BIGINT NOT NULL,
    transient       BIGINT NOT NULL,
    mismatched      BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS reconciliation_counts (
    run_id          BIGINT NOT NULL,
    system          VARCHAR NOT NULL,
    instance        VARCHAR NOT NULL,
    warehouse       VARCHAR NOT NULL,
    channel         VARCHAR NOT NULL,    -- '' when the snapshot has none
    result          VARCHAR NOT NULL,
    keys            BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS reconciliation_results (
    run_id          BIGINT NOT NULL,
    system          VARCHAR NOT NULL,
    instance        VARCHAR NOT NULL,
    channel         VARCHAR NOT NULL,
    owner           VARCHAR NOT NULL,    -- owner instance as system/instance
    sku             VARCHAR NOT NULL,
    location        VARCHAR NOT NULL,
    stock_status    VARCHAR NOT NULL,
    warehouse       VARCHAR NOT NULL,
    item_class      VARCHAR,
    quantity        DOUBLE NOT NULL,
    owner_quantity  DOUBLE NOT NULL,
    raw             DOUBLE NOT NULL,
    corrected       DOUBLE NOT NULL,
    tolerance       DOUBLE NOT NULL,
    result          VARCHAR NOT NULL
);
