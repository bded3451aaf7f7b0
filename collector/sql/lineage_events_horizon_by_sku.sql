-- The time of the $limit-th newest event of one SKU (optionally one location)
-- in [$since, $until), or no row when it has fewer: reading only the narrow
-- columns of every block, so that the page itself is read from the blocks
-- after it.
SELECT time_ns
FROM events
WHERE lkey = hash($sku) AND sku = $sku
  AND time_ns >= $since AND time_ns < $until
  AND ($location IS NULL OR location = $location OR to_location = $location)
ORDER BY time_ns DESC
LIMIT 1 OFFSET $limit - 1
