-- 0001: spans, events and the duplicates ledger.
-- Times are integer nanoseconds since the Unix epoch (UTC).
CREATE TABLE spans (
    trace_id        VARCHAR NOT NULL,
    span_id         VARCHAR NOT NULL,
    parent_span_id  VARCHAR,
    name            VARCHAR,
    kind            INTEGER,
    start_ns        BIGINT NOT NULL,
    end_ns          BIGINT NOT NULL,
    status_code     INTEGER,
    status_message  VARCHAR,
    service_name    VARCHAR,
    scope_name      VARCHAR,
    event_id        VARCHAR,
    event_source    VARCHAR,
    sku             VARCHAR,
    location        VARCHAR,
    order_id        VARCHAR,
    target          VARCHAR,
    attempt         BIGINT,
    replay          BOOLEAN NOT NULL DEFAULT false,
    dead_lettered   BOOLEAN NOT NULL DEFAULT false,
    duplicate       BOOLEAN NOT NULL DEFAULT false,
    error_type      VARCHAR,
    http_status     BIGINT,
    attributes      VARCHAR,
    resource        VARCHAR,
    links           VARCHAR,
    span_events     VARCHAR,
    received_ns     BIGINT NOT NULL,
    -- hash(event_source, event_id), equal to events.ekey of the event the
    -- span works on: an integer join key for attempts and their events.
    pkey            UBIGINT NOT NULL,
    seq             BIGINT NOT NULL      -- group commit that stored the row
);

CREATE TABLE events (
    source          VARCHAR NOT NULL,
    id              VARCHAR NOT NULL,
    system          VARCHAR NOT NULL,
    instance        VARCHAR NOT NULL,
    type            VARCHAR NOT NULL,
    time_ns         BIGINT NOT NULL,
    sku             VARCHAR NOT NULL,
    location        VARCHAR NOT NULL,
    to_location     VARCHAR,
    quantity        DOUBLE NOT NULL,
    stock_status    VARCHAR NOT NULL,
    uom             VARCHAR NOT NULL,
    order_id        VARCHAR,
    channel         VARCHAR,
    sequence        BIGINT,
    lot             VARCHAR,
    serial          VARCHAR,
    reason          VARCHAR,
    trace_id        VARCHAR,
    parent_span_id  VARCHAR,
    data            VARCHAR,
    extensions      VARCHAR,
    received_ns     BIGINT NOT NULL,
    -- hash(source, id): a narrow column the duplicate check scans instead of
    -- the two strings; candidates are then compared exactly.
    ekey            UBIGINT NOT NULL,
    seq             BIGINT NOT NULL
);

-- CloudEvents received again with a known (source, id): the `duplicates` SLI.
CREATE TABLE event_duplicates (
    source          VARCHAR NOT NULL,
    id              VARCHAR NOT NULL,
    system          VARCHAR NOT NULL,
    time_ns         BIGINT NOT NULL,     -- the repeated event's own time
    received_ns     BIGINT NOT NULL,
    seq             BIGINT NOT NULL
);
