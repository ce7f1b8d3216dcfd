SELECT n FROM ys WHERE id = 1 ||| book
SELECT n FROM xs WHERE id = 1 ||| pen
SELECT pen_id FROM ys WHERE id = 1 ||| 1
SELECT book_id FROM xs WHERE id = 1 ||| 1
