-- Events $lo <= i < $hi of the generated store (see bench/dataset.py).
INSERT INTO events BY NAME
SELECT source, id, split_part(source, '/', 1) AS system, split_part(source, '/', 2) AS instance,
       type, time_ns, sku, location,
       CASE WHEN type = 'inventory.moved' THEN split_part(location, '/', 1) || '/R-00-01' END
           AS to_location,
       (hash(i) % 250)::DOUBLE - 50 AS quantity,
       'on_hand' AS stock_status, 'EA' AS uom, order_id,
       CASE WHEN order_id IS NOT NULL THEN ['web', 'store', 'marketplace'][(i // 15) % 3 + 1] END
           AS channel,
       i AS sequence,
       CASE WHEN type = 'inventory.adjusted' AND i % 7 = 0 THEN 'cycle count' END AS reason,
       md5('e' || i::VARCHAR) AS trace_id,
       '{"sku":"' || sku || '","location":"' || location || '","quantity":'
           || ((hash(i) % 250)::BIGINT - 50)::VARCHAR || '}' AS data,
       time_ns + 40000000 AS received_ns,
       hash(source, id) AS ekey, hash(sku) AS lkey,
       i // 1000 + 1 AS seq
FROM (
    SELECT i, ev_source(i) AS source, 'evt-' || i::VARCHAR AS id, ev_type(i) AS type,
           ev_time(i, $t0::BIGINT, $step::BIGINT) AS time_ns, ev_sku(i) AS sku,
           ev_location(i) AS location, ev_order(i) AS order_id
    FROM range($lo::BIGINT, $hi::BIGINT) AS r(i)
)
