INSERT INTO authors (id, name) VALUES (1, 'a')
INSERT INTO writers (id, pen_name) VALUES (1, 'w')
INSERT INTO books (id, author_id) VALUES (1, 1)
