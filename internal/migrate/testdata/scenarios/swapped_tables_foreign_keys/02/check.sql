INSERT INTO xs (id, book_id, n) VALUES (7, 1, 'p7')
DELETE FROM xs WHERE id = 7
