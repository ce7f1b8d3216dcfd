INSERT INTO ys (id, pen_id) VALUES (5, 99)
INSERT INTO xs (id, book_id) VALUES (5, 99)
INSERT INTO xs (id, zone_id) VALUES (6, 99)
DELETE FROM zs WHERE id = 1
