-- Traces with a span that links into trace $trace_id (consumer -> producer links).
SELECT DISTINCT trace_id
FROM spans
WHERE links IS NOT NULL AND contains(links, $trace_id) AND trace_id <> $trace_id
