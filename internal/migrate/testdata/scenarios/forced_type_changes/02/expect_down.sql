SELECT s FROM books WHERE id = 1 ||| hello
SELECT c FROM books WHERE id = 1 ||| 1
SELECT e FROM books WHERE id = 1 ||| 1
