DELETE FROM secrets WHERE project = 'p' AND location = 'l' AND secret = 't'
DELETE FROM secrets WHERE project = 'p' AND location = '' AND secret = 's'
