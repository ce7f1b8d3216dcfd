SELECT string_agg(label, ',' ORDER BY label) FROM shelves ||| B,a
SELECT string_agg(shelf, ',' ORDER BY shelf) FROM shelves ||| B,a
