DELETE FROM events WHERE seq > $lo AND seq <= $hi
