-- The key references Writer's table, under the name it takes.
INSERT INTO books (id, author_id) VALUES (2, 1)
DELETE FROM books WHERE id = 2
-- No reference to the writers the down leaves out of the table it restores.
UPDATE books SET author_id = NULL
