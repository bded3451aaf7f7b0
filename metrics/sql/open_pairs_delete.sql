DELETE FROM open_pairs WHERE pkey IN (SELECT pkey FROM changed)
