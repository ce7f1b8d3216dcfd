SELECT b FROM books WHERE id = 1 ||| three
SELECT a FROM books WHERE id = 1 ||| four
SELECT y FROM books WHERE id = 1 ||| five
SELECT x FROM books WHERE id = 1 ||| six
