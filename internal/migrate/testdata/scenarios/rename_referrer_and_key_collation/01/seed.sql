INSERT INTO publishers (code) VALUES ('p1')
INSERT INTO books (id, publisher_code) VALUES (1, 'p1')
