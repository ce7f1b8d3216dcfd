INSERT INTO publishers (code, name) VALUES ('a', 'x')
INSERT INTO publishers (code, name) VALUES ('b', 'x')
INSERT INTO books (id, title, publisher_code, rank) VALUES (1, 't1', 'a', 1)
INSERT INTO books (id, title, publisher_code, rank) VALUES (2, 't2', 'b', 1)
