INSERT INTO books (id, publisher_code) VALUES (1, 'p1')
INSERT INTO shelves (store, shelf) VALUES ('s1', 'h1')
