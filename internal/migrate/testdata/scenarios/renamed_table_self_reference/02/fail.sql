INSERT INTO imprints (code, parent_code) VALUES ('p9', 'zz')
