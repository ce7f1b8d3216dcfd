INSERT INTO xs (id, a) VALUES (1, 'book')
INSERT INTO ys (id, b) VALUES (1, 'pen')
INSERT INTO caps (id, c) VALUES (1, 'cap')
INSERT INTO inks (id, i) VALUES (1, 'ink')
