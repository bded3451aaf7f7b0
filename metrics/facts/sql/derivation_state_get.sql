SELECT seq, fingerprint FROM derivation_state WHERE name = $name
