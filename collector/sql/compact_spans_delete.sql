DELETE FROM spans WHERE seq > $lo AND seq <= $hi
