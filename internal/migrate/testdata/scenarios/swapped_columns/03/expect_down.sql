SELECT c FROM books WHERE id = 1 ||| three
SELECT a FROM books WHERE id = 1 ||| four
SELECT COUNT(*) FROM books WHERE b = '' ||| 1
