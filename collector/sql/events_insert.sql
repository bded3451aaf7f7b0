INSERT INTO events SELECT *, hash(source, id), $seq FROM fresh
