SELECT label FROM secrets WHERE project = 'p' AND location = '' AND secret = 's' ||| kept
SELECT COUNT(*) FROM versions WHERE project = 'p' AND location = '' AND secret = 's' AND version = 'v' ||| 1
