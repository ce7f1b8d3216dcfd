SELECT COUNT(*) FROM titles t JOIN configs c ON c.store = t.config_store JOIN stores s ON s.store = t.store_store ||| 1
SELECT COUNT(*) FROM books b JOIN publishers p ON p.code = b.publisher_code AND p.code = b.publisher2 ||| 1
