INSERT INTO authors (id, name) VALUES (1, 'Ursula')
INSERT INTO stores (store) VALUES ('s1')
INSERT INTO shelves (store, shelf) VALUES ('s1', 'a')
INSERT INTO titles (id, headline, author_id, rank, isbn, shelf, shelf_store, shelf_shelf) VALUES (1, 'h', 1, 0, '00000000000000000001', 'stores/s1/shelves/a', 's1', 'a')
