SELECT nextval('reconciliation_run_ids')
