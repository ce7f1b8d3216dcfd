SELECT a FROM books WHERE id = 1 ||| two
SELECT b FROM books WHERE id = 1 ||| three
SELECT c FROM books WHERE id = 1 ||| four
SELECT x FROM books WHERE id = 1 ||| five
SELECT y FROM books WHERE id = 1 ||| six
