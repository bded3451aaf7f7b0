-- Deterministic functions of an event number i, shared by the events and the
-- spans of the generated store (so a span finds its event without a join).
-- $t0: first event time (ns); $step: ns between consecutive events.
CREATE OR REPLACE TEMP MACRO ev_source(i) AS
    ['wms/dc-east', 'tpl/acme', 'returns/loop'][i % 3 + 1];
CREATE OR REPLACE TEMP MACRO ev_type(i) AS
    ['inventory.adjusted', 'inventory.received', 'shipment.confirmed', 'inventory.moved',
     'inventory.adjusted', 'return.received'][(i // 3) % 6 + 1];
CREATE OR REPLACE TEMP MACRO ev_sku(i) AS
    'SKU-' || lpad((hash(i) % 5000)::VARCHAR, 5, '0');
CREATE OR REPLACE TEMP MACRO ev_location(i) AS
    ['DC-EAST', 'DC-WEST', 'DC-NORTH'][i % 3 + 1] || '/R-'
    || lpad((hash(i) // 5000 % 40)::VARCHAR, 2, '0') || '-'
    || lpad((hash(i) // 200000 % 20)::VARCHAR, 2, '0');
CREATE OR REPLACE TEMP MACRO ev_order(i) AS
    CASE WHEN i % 5 = 0 THEN 'SO-' || lpad((i // 15)::VARCHAR, 8, '0') END;
CREATE OR REPLACE TEMP MACRO ev_time(i, t0, step) AS
    t0 + i * step + (hash(i) % step)::BIGINT;
-- first attempts of one event in ten fail and are retried
CREATE OR REPLACE TEMP MACRO ev_first_fails(i) AS (hash(i) // 7) % 10 = 0;
