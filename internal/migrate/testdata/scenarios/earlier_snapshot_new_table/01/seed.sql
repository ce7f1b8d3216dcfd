INSERT INTO publishers (code) VALUES ('p1')
INSERT INTO stores (store) VALUES ('s1')
