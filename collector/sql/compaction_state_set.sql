UPDATE compaction_state SET upto_seq = $seq
