INSERT INTO stores (store) VALUES ('s')
INSERT INTO shelves (store, shelf, label) VALUES ('s', 'a', 'a')
INSERT INTO shelves (store, shelf, label) VALUES ('s', 'B', 'B')
INSERT INTO titles (id, shelf, shelf_store, shelf_shelf) VALUES (1, 'stores/s/shelves/a', 's', 'a')
