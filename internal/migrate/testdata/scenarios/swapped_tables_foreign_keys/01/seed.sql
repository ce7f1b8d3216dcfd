INSERT INTO zs (id, n) VALUES (1, 'z')
INSERT INTO xs (id, zone_id, n) VALUES (1, 1, 'book')
INSERT INTO ys (id, zone_id, book_id, n) VALUES (1, 1, 1, 'pen')
UPDATE xs SET pen_id = 1 WHERE id = 1
