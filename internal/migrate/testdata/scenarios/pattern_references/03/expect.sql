SELECT COUNT(*) FROM holders WHERE holder = 'h1' AND secret_project = 'p' AND secret_location = '' AND secret_secret = 's' ||| 1
SELECT COUNT(*) FROM holders WHERE holder = 'h3' AND secret_project = 'p' AND secret_location = 'l' AND secret_secret = 't' ||| 1
SELECT COUNT(*) FROM holders WHERE holder IN ('h2', 'h4', 'h5') AND secret_project IS NULL AND secret_location IS NULL AND secret_secret IS NULL ||| 3
