SELECT nextval('snapshot_ids')
