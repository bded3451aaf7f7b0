-- Settled minutes of the rollup {table}: minutes starting in ($lo, $hi].
SELECT * EXCLUDE (derived_seq) FROM {table} WHERE minute_ns > $lo AND minute_ns <= $hi
