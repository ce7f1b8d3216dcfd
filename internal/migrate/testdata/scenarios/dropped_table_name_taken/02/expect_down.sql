SELECT COUNT(*) FROM authors ||| 0
SELECT pen_name FROM writers WHERE id = 1 ||| w
