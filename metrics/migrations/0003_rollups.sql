-- 0003: per-minute rollups of the pair facts and of delivery attempts, kept
-- by the same refresh (metrics/facts/rollups.py), so that long windows read
-- them instead of raw rows (metrics/slis/rollups.py).  A minute's rows always
-- sum to what its raw rows say; a row may hold zeros after a late change.

-- Pairs by the minute of their event time and the columns SLIs group by.
CREATE TABLE pair_minutes (
    minute_ns        BIGINT  NOT NULL,   -- start of the minute of the event time
    target           VARCHAR NOT NULL,
    warehouse        VARCHAR NOT NULL,
    channel          VARCHAR NOT NULL,   -- '(none)': the event has no channel
    type             VARCHAR NOT NULL,
    deadline_ns      BIGINT  NOT NULL,
    objective_ns     BIGINT  NOT NULL,
    pairs            BIGINT  NOT NULL,
    applied          BIGINT  NOT NULL,
    latency_good     BIGINT  NOT NULL,   -- applied within objective_ns
    first_pass_total BIGINT  NOT NULL,
    first_pass_good  BIGINT  NOT NULL,
    not_applied      BIGINT  NOT NULL,   -- undelivered once the deadline has passed
    dead_lettered    BIGINT  NOT NULL,
    double_applies   BIGINT  NOT NULL,
    derived_seq      BIGINT  NOT NULL    -- the refresh that last changed the row
);

-- Applied pairs' latencies: a log-bucketed histogram (relative error <= 1 %).
CREATE TABLE latency_minutes (
    minute_ns   BIGINT  NOT NULL,
    target      VARCHAR NOT NULL,
    warehouse   VARCHAR NOT NULL,
    channel     VARCHAR NOT NULL,
    type        VARCHAR NOT NULL,
    deadline_ns BIGINT  NOT NULL,
    bucket      INTEGER NOT NULL,        -- sign(x) * (1 + ceil(log_gamma |x|)); 0: x = 0
    n           BIGINT  NOT NULL,
    derived_seq BIGINT  NOT NULL
);

-- Delivery attempts by the minute they ended, target, warehouse (of the span's
-- location) and their event's channel and type ('(unknown)': no event yet).
CREATE TABLE attempt_minutes (
    minute_ns   BIGINT  NOT NULL,
    target      VARCHAR NOT NULL,
    warehouse   VARCHAR NOT NULL,
    channel     VARCHAR NOT NULL,
    type        VARCHAR NOT NULL,
    attempts    BIGINT  NOT NULL,
    failed      BIGINT  NOT NULL,
    replays     BIGINT  NOT NULL,
    derived_seq BIGINT  NOT NULL
);

-- Attempts counted under '(unknown)' (no event yet): when their event comes
-- they move to its channel and type, found here rather than among all spans.
CREATE TABLE attempt_orphans (
    pkey         UBIGINT NOT NULL,
    event_source VARCHAR,
    event_id     VARCHAR NOT NULL,
    end_ns       BIGINT  NOT NULL,
    target       VARCHAR NOT NULL,
    warehouse    VARCHAR NOT NULL,
    failed       BOOLEAN,
    replay       BOOLEAN
);

-- Derive everything again once, so that the rollups cover what the store holds.
DELETE FROM derivation_state WHERE name = 'pair_facts';
