SELECT COUNT(*) FROM titles ||| 1
