-- Events past retention; with a lake, only those it holds (seq <= $upto_seq).
DELETE FROM events WHERE time_ns < $before AND seq <= $upto_seq
