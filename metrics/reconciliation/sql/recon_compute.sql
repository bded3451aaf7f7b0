-- One reconciliation (SPEC 2) into the temporary table rc_result.
-- Registered inputs: rc_snaps (latest snapshots), rc_scope (per compared
-- system Y: status, warehouse, component status and sign, owner snapshot and
-- its taken_ns), location_map, rc_targets (route targets per event type and
-- source system), rc_appliers (who applies a target's deliveries), rc_classes (item class patterns), rc_tol (tolerance rules).
-- Keys carry lot and serial where both Y and its owner report them (lv),
-- else '' (summed over them): docs/reconciliation.md, "Lots and serials".
CREATE OR REPLACE TEMP TABLE rc_result AS
WITH
snap_rows AS (
    SELECT r.snapshot_id, r.sku, r.location, r.stock_status, r.quantity,
           coalesce(r.lot, '') AS lot, coalesce(r.serial, '') AS serial,
           coalesce(lm.warehouse, split_part(r.location, '/', 1)) AS warehouse
    FROM snapshot_rows r
    JOIN rc_snaps s USING (snapshot_id)
    LEFT JOIN location_map lm ON lm.location = r.location
),
lv AS (
    -- per (Y, status, warehouse): compared by lot / serial when Y and every owner report them
    SELECT sc.y_id, sc.stock_status, sc.warehouse,
           bool_and(ys.lots AND coalesce(os.lots, false)) AS by_lot,
           bool_and(ys.serials AND coalesce(os.serials, false)) AS by_serial
    FROM rc_scope sc
    JOIN rc_snaps ys ON ys.snapshot_id = sc.y_id
    LEFT JOIN rc_snaps os ON os.snapshot_id = sc.owner_id
    GROUP BY ALL
),
y_rows AS (
    SELECT lv.y_id, r.sku, r.location AS loc_key, r.stock_status, r.warehouse,
           CASE WHEN lv.by_lot THEN r.lot ELSE '' END AS lot,
           CASE WHEN lv.by_serial THEN r.serial ELSE '' END AS serial,
           sum(r.quantity) AS quantity
    FROM snap_rows r
    JOIN lv
      ON lv.y_id = r.snapshot_id AND lv.stock_status = r.stock_status
     AND lv.warehouse = r.warehouse
    GROUP BY ALL
),
x_rows AS (
    SELECT sc.y_id, r.sku,
           CASE WHEN ys.wh_level THEN r.warehouse ELSE r.location END AS loc_key,
           sc.stock_status, r.warehouse,
           CASE WHEN lv.by_lot THEN r.lot ELSE '' END AS lot,
           CASE WHEN lv.by_serial THEN r.serial ELSE '' END AS serial,
           sum(r.quantity * sc.sign) AS quantity
    FROM rc_scope sc
    JOIN lv
      ON lv.y_id = sc.y_id AND lv.stock_status = sc.stock_status AND lv.warehouse = sc.warehouse
    JOIN rc_snaps ys ON ys.snapshot_id = sc.y_id
    JOIN snap_rows r
      ON r.snapshot_id = sc.owner_id AND r.stock_status = sc.component
     AND r.warehouse = sc.warehouse
    GROUP BY ALL
),
keys AS (
    SELECT coalesce(y.y_id, x.y_id) AS y_id,
           coalesce(y.sku, x.sku) AS sku,
           coalesce(y.loc_key, x.loc_key) AS loc_key,
           coalesce(y.stock_status, x.stock_status) AS stock_status,
           coalesce(y.warehouse, x.warehouse) AS warehouse,
           coalesce(y.lot, x.lot) AS lot,
           coalesce(y.serial, x.serial) AS serial,
           coalesce(y.quantity, 0) AS y_qty,
           coalesce(x.quantity, 0) AS x_qty
    FROM y_rows y
    FULL OUTER JOIN x_rows x
      ON y.y_id = x.y_id AND y.sku = x.sku AND y.loc_key = x.loc_key
     AND y.stock_status = x.stock_status AND y.lot = x.lot AND y.serial = x.serial
    WHERE y.y_id IS NOT NULL OR x.quantity <> 0
),
ev AS (
    SELECT e.source, e.id, e.system, e.type, e.time_ns, e.sku, e.location, e.to_location,
           e.stock_status, e.quantity,
           coalesce(e.lot, '') AS lot, coalesce(e.serial, '') AS serial,
           coalesce(lm.warehouse, split_part(e.location, '/', 1)) AS warehouse
    FROM events e
    LEFT JOIN location_map lm ON lm.location = e.location
    WHERE e.time_ns > $since_ns
),
deltas AS (
    SELECT source, id, sku, location, stock_status, lot, serial,
           CASE WHEN type = 'inventory.moved' THEN -quantity ELSE quantity END AS qty
    FROM ev
    UNION ALL
    SELECT source, id, sku, to_location, stock_status, lot, serial, quantity
    FROM ev
    WHERE type = 'inventory.moved' AND to_location IS NOT NULL
),
deltas_wh AS (
    SELECT d.*, coalesce(lm.warehouse, split_part(d.location, '/', 1)) AS warehouse
    FROM deltas d
    LEFT JOIN location_map lm ON lm.location = d.location
),
applied AS (
    SELECT s.event_source AS source, s.event_id AS id, s.target, min(s.end_ns) AS applied_ns
    FROM spans s
    WHERE s.event_id IS NOT NULL AND s.target IS NOT NULL
      AND coalesce(s.status_code, 0) <> 2 AND NOT s.dead_lettered
      AND s.end_ns > $since_ns
    GROUP BY ALL
),
ev_y AS (
    -- (event, Y) where Y applies the event: as its source, at the event's time,
    -- or as a route target, at its earliest successful attempt (NULL: not yet);
    -- rc_appliers(target, warehouse, y_id) says which instance plays a target.
    SELECT ys.snapshot_id AS y_id, e.source, e.id, e.time_ns, e.time_ns AS applied_ns
    FROM ev e
    JOIN rc_snaps ys ON ys.source = e.source
    UNION ALL
    SELECT ys.snapshot_id, e.source, e.id, e.time_ns, a.applied_ns
    FROM ev e
    JOIN rc_targets t ON t.type = e.type AND t.system = e.system
    JOIN rc_appliers ap ON ap.target = t.target AND ap.warehouse = e.warehouse
    JOIN rc_snaps ys ON ys.snapshot_id = ap.y_id AND ys.source <> e.source
    LEFT JOIN applied a ON a.source = e.source AND a.id = e.id AND a.target = t.target
),
corr AS (
    SELECT ey.y_id, d.sku,
           CASE WHEN ys.wh_level THEN d.warehouse ELSE d.location END AS loc_key,
           sc.stock_status,
           CASE WHEN lv.by_lot THEN d.lot ELSE '' END AS lot,
           CASE WHEN lv.by_serial THEN d.serial ELSE '' END AS serial,
           sum(CASE
                 WHEN ey.time_ns <= sc.owner_taken_ns
                      AND (ey.applied_ns IS NULL OR ey.applied_ns > ys.taken_ns)
                   THEN d.qty * sc.sign
                 WHEN ey.applied_ns <= ys.taken_ns AND ey.time_ns > sc.owner_taken_ns
                   THEN -d.qty * sc.sign
                 ELSE 0
               END) AS corr
    FROM ev_y ey
    JOIN deltas_wh d ON d.source = ey.source AND d.id = ey.id
    JOIN rc_snaps ys ON ys.snapshot_id = ey.y_id
    JOIN rc_scope sc
      ON sc.y_id = ey.y_id AND sc.component = d.stock_status AND sc.warehouse = d.warehouse
    JOIN lv
      ON lv.y_id = sc.y_id AND lv.stock_status = sc.stock_status AND lv.warehouse = sc.warehouse
    GROUP BY ALL
),
res AS (
    SELECT k.*, coalesce(c.corr, 0) AS corr
    FROM keys k
    LEFT JOIN corr c
      ON c.y_id = k.y_id AND c.sku = k.sku AND c.loc_key = k.loc_key
     AND c.stock_status = k.stock_status AND c.lot = k.lot AND c.serial = k.serial
),
cls AS (
    SELECT u.sku, arg_min(c.item_class, c.ord) AS item_class
    FROM (SELECT DISTINCT sku FROM res) u
    JOIN rc_classes c ON u.sku GLOB c.pattern
    GROUP BY u.sku
),
classed AS (
    SELECT r.*, cls.item_class, ys.channel
    FROM res r
    JOIN rc_snaps ys ON ys.snapshot_id = r.y_id
    LEFT JOIN cls ON cls.sku = r.sku
),
tol AS (
    SELECT r.y_id, r.sku, r.loc_key, r.stock_status, r.lot, r.serial,
           arg_max(greatest(t.absolute, t.percent / 100.0 * abs(r.x_qty)),
                   t.spec * 1000000 - t.ord) AS tolerance
    FROM classed r
    JOIN rc_tol t
      ON (t.item_class IS NULL OR t.item_class = r.item_class)
     AND (t.warehouse IS NULL OR t.warehouse = r.warehouse)
     AND (t.channel IS NULL OR t.channel = r.channel)
    GROUP BY ALL
)
SELECT r.y_id, ys.system, ys.instance, coalesce(ys.channel, '') AS channel,
       coalesce(os.source, 'derived') AS owner, r.sku, r.loc_key AS location, r.stock_status, r.warehouse,
       r.item_class, r.y_qty AS quantity, r.x_qty AS owner_quantity,
       r.y_qty - r.x_qty AS raw, r.y_qty - r.x_qty + r.corr AS corrected,
       coalesce(t.tolerance, 0.0) AS tolerance,
       CASE
         WHEN abs(r.y_qty - r.x_qty) <= coalesce(t.tolerance, 0.0) + 1e-9 THEN 'match'
         WHEN abs(r.y_qty - r.x_qty + r.corr) <= coalesce(t.tolerance, 0.0) + 1e-9
           THEN 'transient'
         ELSE 'mismatch'
       END AS result,
       r.lot, r.serial
FROM classed r
JOIN rc_snaps ys ON ys.snapshot_id = r.y_id
LEFT JOIN tol t
  ON t.y_id = r.y_id AND t.sku = r.sku AND t.loc_key = r.loc_key
 AND t.stock_status = r.stock_status AND t.lot = r.lot AND t.serial = r.serial
LEFT JOIN (SELECT DISTINCT y_id, stock_status, warehouse, owner_source AS source
           FROM rc_scope WHERE component = stock_status) os
  ON os.y_id = r.y_id AND os.stock_status = r.stock_status AND os.warehouse = r.warehouse
