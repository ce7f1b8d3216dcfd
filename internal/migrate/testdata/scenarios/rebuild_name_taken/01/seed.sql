INSERT INTO books (id, a) VALUES (1, 'five')
INSERT INTO new_books (id) VALUES (7)
