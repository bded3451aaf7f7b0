-- Spans past retention; with a lake, only those it holds (seq <= $upto_seq).
DELETE FROM spans WHERE end_ns < $before AND seq <= $upto_seq
