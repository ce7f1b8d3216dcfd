INSERT INTO secrets (project, secret, label) VALUES ('p', 's', 'kept')
INSERT INTO versions (project, secret, version) VALUES ('p', 's', 'v')
