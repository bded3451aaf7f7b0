-- Keys of the incoming batch that are already stored.  A re-sent span carries
-- the same start time, so the start_ns range lets DuckDB's zone maps skip
-- every row group outside the batch's time span.
SELECT b.trace_id, b.span_id
FROM incoming AS b
WHERE EXISTS (
    SELECT 1 FROM spans AS s
    WHERE s.start_ns BETWEEN $lo AND $hi
      AND s.trace_id = b.trace_id
      AND s.span_id = b.span_id
)
