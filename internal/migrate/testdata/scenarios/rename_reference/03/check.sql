DELETE FROM shelves WHERE store = 's1' AND shelf = 'a'
