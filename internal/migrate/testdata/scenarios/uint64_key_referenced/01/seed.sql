INSERT INTO parts (id, weight, serial, lot, parent_id) VALUES (1, NULL, 4294967295, 7, NULL)
INSERT INTO parts (id, weight, serial, lot, parent_id) VALUES (4294967295, 5, 3, 7, 1)
INSERT INTO uses (id, part_id) VALUES (1, 4294967295)
INSERT INTO uses (id, part_id) VALUES (2, 1)
