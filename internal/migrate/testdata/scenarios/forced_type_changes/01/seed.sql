INSERT INTO books (id, s, c, e) VALUES (1, 'hello', 1, 1)
