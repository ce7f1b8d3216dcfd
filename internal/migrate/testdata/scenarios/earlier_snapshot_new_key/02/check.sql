UPDATE books SET publisher_code = 'p1' WHERE id = 1
