INSERT INTO books (id, a, b, c, x, y) VALUES (1, 'two', 'three', 'four', 'five', 'six')
