INSERT INTO books (id, author_id) VALUES (3, 99)
