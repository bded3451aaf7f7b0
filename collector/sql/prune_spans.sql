DELETE FROM spans WHERE end_ns < $before
