SELECT pen_name FROM authors WHERE id = 1 ||| w
-- No key of a kept table names the table dropped under a temporary name.
SELECT COUNT(*) FROM sqlite_master WHERE sql LIKE '%pf_tmp%' ||| 0
SELECT "table" FROM pragma_foreign_key_list('books') ||| authors
