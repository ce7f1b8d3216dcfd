INSERT INTO notes (id, profile_code) VALUES (2, 'zz')
