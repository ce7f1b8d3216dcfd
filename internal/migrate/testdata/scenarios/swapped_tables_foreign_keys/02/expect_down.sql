SELECT n FROM xs WHERE id = 1 ||| book
SELECT n FROM ys WHERE id = 1 ||| pen
