-- Derived tables of the metrics layer, maintained incrementally from the
-- group-commit sequence numbers of spans and events (see metrics/facts.py).

-- One row per (event, expected target) pair: the facts of SPEC 2.
CREATE TABLE pair_facts (
    pkey          UBIGINT NOT NULL,   -- hash(source, id) = events.ekey
    source        VARCHAR NOT NULL,
    id            VARCHAR NOT NULL,
    target        VARCHAR NOT NULL,
    type          VARCHAR NOT NULL,
    system        VARCHAR NOT NULL,
    time_ns       BIGINT  NOT NULL,
    sku           VARCHAR NOT NULL,
    location      VARCHAR NOT NULL,
    warehouse     VARCHAR NOT NULL,
    channel       VARCHAR,
    order_id      VARCHAR,
    deadline_ns   BIGINT  NOT NULL,
    objective_ns  BIGINT  NOT NULL,
    attempts      INTEGER NOT NULL,
    failed        INTEGER NOT NULL,
    replays       INTEGER NOT NULL,
    applied_ns    BIGINT,             -- end of the earliest successful attempt
    first_pass    BOOLEAN,            -- null: no attempt seen
    dead_lettered BOOLEAN NOT NULL,   -- a dead letter and no later success
    applies       INTEGER NOT NULL    -- successful attempts not marked duplicate
);

-- Pairs not applied (or dead-lettered): small, read by gauges at scrape time.
CREATE TABLE open_pairs (
    pkey          UBIGINT NOT NULL,
    target        VARCHAR NOT NULL,
    warehouse     VARCHAR NOT NULL,
    time_ns       BIGINT  NOT NULL,
    deadline_ns   BIGINT  NOT NULL,
    applied       BOOLEAN NOT NULL,
    dead_lettered BOOLEAN NOT NULL
);

-- Running totals behind the counters and the latency histogram; rows are
-- signed deltas, compacted after each refresh.
CREATE TABLE pair_totals (
    target        VARCHAR NOT NULL,
    type          VARCHAR NOT NULL,
    first_pass    BOOLEAN,
    bucket        INTEGER,            -- index into the histogram bounds; null: not applied
    n             BIGINT  NOT NULL,
    latency_sum_ns HUGEINT NOT NULL
);

CREATE TABLE attempt_totals (
    target        VARCHAR NOT NULL,
    outcome       VARCHAR NOT NULL,   -- success | failure
    kind          VARCHAR NOT NULL,   -- first | retry | replay
    n             BIGINT  NOT NULL
);

-- How far each derivation has read (group-commit seq) and with which config.
CREATE TABLE derivation_state (
    name          VARCHAR PRIMARY KEY,
    seq           BIGINT  NOT NULL,
    fingerprint   VARCHAR NOT NULL
);
