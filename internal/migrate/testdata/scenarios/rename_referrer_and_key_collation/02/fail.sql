INSERT INTO books (id, imprint_code) VALUES (9, 'zz')
