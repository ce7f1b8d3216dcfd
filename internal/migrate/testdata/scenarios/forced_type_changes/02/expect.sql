SELECT length(s) FROM books WHERE id = 1 ||| 5
SELECT c FROM books WHERE id = 1 ||| 1
SELECT e FROM books WHERE id = 1 ||| 1
