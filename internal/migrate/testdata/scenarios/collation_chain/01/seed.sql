INSERT INTO accounts (code) VALUES ('a')
INSERT INTO profiles (code) VALUES ('a')
INSERT INTO notes (id, profile_code) VALUES (1, 'a')
