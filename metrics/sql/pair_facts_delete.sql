DELETE FROM pair_facts WHERE pkey IN (SELECT pkey FROM changed)
