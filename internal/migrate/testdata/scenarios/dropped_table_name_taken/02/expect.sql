SELECT pen_name FROM authors WHERE id = 1 ||| w
