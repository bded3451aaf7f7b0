-- Keys that occur more than once in a staged snapshot (first $limit), and how many.
SELECT sku, location, stock_status, lot, serial, count(*) AS n, count(*) OVER () AS keys
FROM staged
GROUP BY sku, location, stock_status, lot, serial
HAVING count(*) > 1
ORDER BY sku, location, stock_status, lot, serial
LIMIT $limit
