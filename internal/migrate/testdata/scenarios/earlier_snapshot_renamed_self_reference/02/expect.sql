SELECT COUNT(*) FROM titles t JOIN vols v ON v.store = t.vol_store AND v.shelf = t.vol_shelf AND v.vol = t.vol_vol JOIN configs c ON c.store = t.config_store ||| 1
SELECT COUNT(*) FROM books b JOIN imprints p ON p.code = b.publisher_code JOIN imprints q ON q.code = b.alt_publisher JOIN authors a ON a.id = b.author_id ||| 1
SELECT COUNT(*) FROM imprints WHERE label = 'l' ||| 1
