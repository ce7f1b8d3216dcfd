SELECT place_shelf FROM titles WHERE id = 1 ||| a
SELECT place FROM titles WHERE id = 1 ||| stores/s1/shelves/a
