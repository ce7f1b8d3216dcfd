INSERT INTO titles (id, headline, author_id, rank, isbn, place, place_store, place_shelf) VALUES (2, 'h', 1, 0, '00000000000000000002', 'stores/s1/shelves/x', 's1', 'x')
DELETE FROM shelves WHERE store = 's1' AND shelf = 'a'
