package postgres

import (
	"testing"
	"time"
)

func TestRebind(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT 1`:                             `SELECT 1`,
		`"a" = ? AND "b" > ?`:                  `"a" = $1 AND "b" > $2`,
		`"a?" = ? AND 'it''s ?' <> ? AND ?`:    `"a?" = $1 AND 'it''s ?' <> $2 AND $3`,
		`("a", "b") > (?, ?) ORDER BY "a" ASC`: `("a", "b") > ($1, $2) ORDER BY "a" ASC`,
	} {
		// The second answer is the one kept.
		for range 2 {
			if got := Rebind(in); got != want {
				t.Errorf("Rebind(%q) = %q, want %q", in, got, want)
			}
		}
		if got := rebind(in); got != want {
			t.Errorf("rebind(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkRebind(b *testing.B) {
	q := `INSERT INTO "books" ("title", "author_id", "state", "isbn", "tags", "metadata", "create_time", "update_time", "delete_time", "etag") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING "id"`
	for b.Loop() {
		_ = Rebind(q)
	}
}

// TestIsList: lists are slices and arrays of anything but bytes, whether
// or not their type is one Read knows.
func TestIsList(t *testing.T) {
	type ids []int64
	for _, c := range []struct {
		a    any
		list bool
	}{
		{nil, false}, {"a", false}, {int64(1), false}, {1, false}, {time.Time{}, false}, {[]byte("a"), false}, {[16]byte{}, false},
		{[]string{"a"}, true}, {[]int64{}, true}, {ids{1}, true}, {[2]int{}, true}, {[]any{1}, true},
	} {
		if got := isList(c.a); got != c.list {
			t.Errorf("isList(%#v) = %v, want %v", c.a, got, c.list)
		}
	}
}
