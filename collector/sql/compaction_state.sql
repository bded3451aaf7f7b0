SELECT upto_seq FROM compaction_state
