SELECT a FROM ys WHERE id = 1 ||| book
SELECT b FROM xs WHERE id = 1 ||| pen
SELECT i FROM caps WHERE id = 1 ||| ink
