SELECT id FROM new_books ||| 7
