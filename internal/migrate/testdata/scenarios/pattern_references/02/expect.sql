SELECT COUNT(*) FROM holders WHERE holder = 'h1' AND pinned_location = '' ||| 1
SELECT COUNT(*) FROM holders WHERE holder = 'h2' AND pinned_location IS NULL ||| 1
