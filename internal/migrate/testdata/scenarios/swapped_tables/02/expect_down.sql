SELECT a FROM xs WHERE id = 1 ||| book
SELECT b FROM ys WHERE id = 1 ||| pen
SELECT i FROM inks WHERE id = 1 ||| ink
SELECT COUNT(*) FROM caps ||| 0
