INSERT INTO publishers (code) VALUES ('p1')
INSERT INTO books (id) VALUES (1)
