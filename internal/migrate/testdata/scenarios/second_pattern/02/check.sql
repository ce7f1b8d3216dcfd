INSERT INTO secrets (project, location, secret, label) VALUES ('p', 'l', 's', 'located')
INSERT INTO versions (project, location, secret, version) VALUES ('p', 'l', 's', 'v')
DELETE FROM versions WHERE location = 'l'
DELETE FROM secrets WHERE location = 'l'
