INSERT INTO books (id, publisher_code) VALUES (9, 'zz')
INSERT INTO shelves (store, shelf) VALUES ('zz', 'h1')
