INSERT INTO books (id, publisher_code) VALUES (9, 'zz')
INSERT INTO reviews (id, publisher_code) VALUES (9, 'zz')
