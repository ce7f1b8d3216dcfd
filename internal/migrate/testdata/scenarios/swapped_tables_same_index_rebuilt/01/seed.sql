INSERT INTO xs (id, n) VALUES (1, 'book')
INSERT INTO ys (id, n) VALUES (1, 'pen')
