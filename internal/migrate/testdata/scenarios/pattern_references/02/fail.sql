DELETE FROM secrets WHERE project = 'p' AND location = '' AND secret = 's'
INSERT INTO holders (holder, pinned, pinned_project, pinned_location, pinned_secret) VALUES ('bad', 'projects/p/locations/m/secrets/s', 'p', 'm', 's')
