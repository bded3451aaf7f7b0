INSERT OR REPLACE INTO derivation_state VALUES ($name, $seq, $fingerprint)
