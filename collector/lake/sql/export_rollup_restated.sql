-- Every row of the minutes of {table} already in the lake (minute <= $lo)
-- that a refresh changed after the last export ($restated): late attempts.
SELECT * EXCLUDE (derived_seq) FROM {table}
WHERE minute_ns <= $lo
  AND minute_ns IN (SELECT minute_ns FROM {table} WHERE minute_ns <= $lo AND derived_seq > $restated)
