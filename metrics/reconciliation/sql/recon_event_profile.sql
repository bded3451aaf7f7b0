-- Which source system instances emit which stock statuses in which warehouse
-- (owner ranking), and which (type, system) pairs occur (route lookup).
SELECT e.system, e.instance, e.type, e.stock_status,
       coalesce(lm.warehouse, split_part(e.location, '/', 1)) AS warehouse,
       count(*) AS n
FROM events e
LEFT JOIN location_map lm ON lm.location = e.location
WHERE e.time_ns > $since_ns
GROUP BY ALL
