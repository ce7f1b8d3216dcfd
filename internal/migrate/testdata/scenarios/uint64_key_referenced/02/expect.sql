SELECT COUNT(*) FROM uses u JOIN parts p ON p.id = u.part_id ||| 2
SELECT COUNT(*) FROM parts WHERE weight IS NULL ||| 1
SELECT COUNT(*) FROM parts c JOIN parts p ON p.id = c.parent_id ||| 1
