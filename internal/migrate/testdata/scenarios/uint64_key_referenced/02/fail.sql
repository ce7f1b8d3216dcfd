INSERT INTO uses (id, part_id) VALUES (9, 12345)
INSERT INTO parts (id, weight, serial, lot, parent_id) VALUES (5, NULL, 4294967295, 8, NULL)
INSERT INTO parts (id, weight, serial, lot, parent_id) VALUES (6, NULL, 9, 8, 12345)
