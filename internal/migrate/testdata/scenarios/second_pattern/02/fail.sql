INSERT INTO versions (project, location, secret, version) VALUES ('p', 'm', 's', 'v')
