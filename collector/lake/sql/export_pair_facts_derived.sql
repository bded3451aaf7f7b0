-- The newest derivation of any pair's facts in the hot store (0: none).
SELECT coalesce(max(derived_seq), 0) FROM pair_facts
