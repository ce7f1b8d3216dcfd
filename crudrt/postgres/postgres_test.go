package postgres

import "testing"

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                             `SELECT 1`,
		`"a" = ? AND "b" > ?`:                  `"a" = $1 AND "b" > $2`,
		`"a?" = ? AND 'it''s ?' <> ? AND ?`:    `"a?" = $1 AND 'it''s ?' <> $2 AND $3`,
		`("a", "b") > (?, ?) ORDER BY "a" ASC`: `("a", "b") > ($1, $2) ORDER BY "a" ASC`,
	} {
		if got := Rebind(in); got != want {
			t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkRebind(b *testing.B) {
	q := `INSERT INTO "books" ("title", "author_id", "state", "isbn", "tags", "metadata", "create_time", "update_time", "delete_time", "etag") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`
	for b.Loop() {
		_ = Rebind(q)
	}
}
