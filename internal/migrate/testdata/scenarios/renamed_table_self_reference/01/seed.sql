INSERT INTO publishers (code, parent_code) VALUES ('p1', NULL)
INSERT INTO publishers (code, parent_code) VALUES ('p2', 'p1')
