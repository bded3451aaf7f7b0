-- Spans $lo <= j < $hi: three delivery attempts per event i = j * $events // $spans.
-- k = 0: erp, attempt 1 (fails for one event in ten); k = 1: commerce, attempt 1
-- (erp attempt 2 for inventory.moved, routed to erp only); k = 2: erp attempt 2
-- after a failure, else a replay the target reports as a duplicate.
-- One attempt in fifty carries neither SKU nor order (found through its event).
INSERT INTO spans BY NAME
SELECT trace_id, span_id, NULL AS parent_span_id, 'deliver ' || target AS name, 3 AS kind,
       start_ns, start_ns + 50000000 + (hash(j) % 750000000)::BIGINT AS end_ns,
       CASE WHEN failed THEN 2 ELSE 1 END AS status_code,
       CASE WHEN failed THEN 'upstream timeout' END AS status_message,
       'sync-middleware' AS service_name, 'synclens.middleware' AS scope_name,
       event_id, event_source,
       CASE WHEN unlabelled THEN NULL ELSE sku END AS sku, location,
       CASE WHEN unlabelled THEN NULL ELSE order_id END AS order_id,
       target, attempt, replay, false AS dead_lettered, replay AS duplicate,
       CASE WHEN failed THEN 'timeout' END AS error_type,
       CASE WHEN failed THEN 504 ELSE 200 END AS http_status,
       -- the special attributes are in their columns, as the decoders store them
       '{"messaging.system":"kafka"}' AS attributes,
       '{"service.name":"sync-middleware"}' AS resource,
       CASE WHEN j % 2 = 0
            THEN '[{"trace_id":"' || trace_id || '","span_id":"' || substr(trace_id, 1, 16)
                 || '","attributes":{}}]' END AS links,
       NULL AS span_events,
       start_ns + 1000000000 AS received_ns,
       hash(event_source, event_id) AS pkey,
       CASE WHEN unlabelled THEN NULL ELSE hash(sku) END AS lkey,
       i // 1000 + 1 AS seq
FROM (
    SELECT j, i, md5('e' || i::VARCHAR) AS trace_id, lpad(printf('%x', j), 16, '0') AS span_id,
           'evt-' || i::VARCHAR AS event_id, ev_source(i) AS event_source, ev_sku(i) AS sku,
           ev_location(i) AS location, ev_order(i) AS order_id,
           CASE WHEN k = 1 AND ev_type(i) <> 'inventory.moved' THEN 'commerce' ELSE 'erp' END
               AS target,
           CASE WHEN k = 0 OR (k = 1 AND ev_type(i) <> 'inventory.moved')
                     OR (k = 2 AND NOT ev_first_fails(i)) THEN 1 ELSE 2 END AS attempt,
           k = 2 AND NOT ev_first_fails(i) AS replay,
           k = 0 AND ev_first_fails(i) AS failed,
           j % 50 = 7 AS unlabelled,
           ev_time(i, $t0::BIGINT, $step::BIGINT) + (k + 1) * 1500000000
               + (hash(j) % 1000000000)::BIGINT AS start_ns
    FROM (SELECT j, j * $events::BIGINT // $spans::BIGINT AS i, j % 3 AS k
          FROM range($lo::BIGINT, $hi::BIGINT) AS r(j))
)
