INSERT INTO secrets (project, location, secret) VALUES ('p', 'l', 't')
INSERT INTO holders (holder, pinned, pinned_project, pinned_location, pinned_secret, secret) VALUES ('h3', 'projects/p/locations/l/secrets/t', 'p', 'l', 't', 'projects/p/locations/l/secrets/t')
INSERT INTO holders (holder, pinned, secret) VALUES ('h4', '', 'projects/p/locations/m/secrets/t')
INSERT INTO holders (holder, pinned, secret) VALUES ('h5', '', 'projects/p/secrets/s/x')
