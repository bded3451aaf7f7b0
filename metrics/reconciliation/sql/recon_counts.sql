SELECT system, instance, warehouse, channel, result, count(*) AS keys
FROM rc_result
GROUP BY ALL
ORDER BY ALL
