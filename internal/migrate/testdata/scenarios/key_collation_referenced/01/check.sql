INSERT INTO publishers (code, name) VALUES ('A', 'x')
INSERT INTO publishers (code, name) VALUES ('a ', 'x')
DELETE FROM publishers WHERE code IN ('A', 'a ')
