INSERT INTO secrets (project, secret) VALUES ('p', 's')
INSERT INTO holders (holder, pinned, pinned_project, pinned_secret, secret) VALUES ('h1', 'projects/p/secrets/s', 'p', 's', 'projects/p/secrets/s')
INSERT INTO holders (holder, pinned, secret) VALUES ('h2', '', 'projects/p/secrets/none')
