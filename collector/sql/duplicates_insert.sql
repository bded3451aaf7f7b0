INSERT INTO event_duplicates SELECT source, id, system, time_ns, received_ns, $seq FROM repeated
