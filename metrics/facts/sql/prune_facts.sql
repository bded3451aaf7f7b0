-- Facts of pairs whose event is past retention (the event itself is gone).
DELETE FROM pair_facts WHERE time_ns < $before;
