package query

import (
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/testdb"
)

// TestDBWildcardNUL matches wildcard patterns against strings that hold
// NUL, which SQLite and MySQL store (PostgreSQL refuses them, and gets
// the rows without one): each pattern, with = and !=, selects on every
// database the rows it matches character by character, the characters
// after a NUL included, as a GLOB that stops at the NUL would not ("*lta"
// found no "dé\x00lta" and "*a" found "a\x00b" on SQLite).
func TestDBWildcardNUL(t *testing.T) {
	values := []string{
		"dé\x00lta", "delta", "a\x00b", "a", "\x00", "\x00x\x00", "x\x00", "\x00x",
		"ab\x00ab\x00ab", "abab", "q😀\x00z", "a*b\x00?[c]", "a\x00\x00b", "", "aXbYc", "a\x00Xb\x00Yc",
	}
	patterns := [][]string{
		{"", "lta"}, {"d", ""}, {"d", "lta"}, {"", "a"}, {"a", ""}, {"a", "b"}, {"", ""},
		{"", "x", ""}, {"x", ""}, {"", "x"}, {"ab", "ab", "ab"}, {"ab", "ab", ""}, {"", "ab", "ab", ""},
		{"a", "b", "c"}, {"a", "X", "Y", "c"}, {"", "Y", "X", ""}, {"q😀", ""}, {"", "😀", "z"},
		{"a*b", "?[c]"}, {"", "", "b"}, {"a", "", "", "b"}, {"", "é", ""},
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		// Binary, without padding, as protoc-gen-orm declares strings.
		d := createStringTable(t, db, "qt_nul", "utf8mb4_nopad_bin")
		var stored []int
		for i, v := range values {
			if d == Postgres && strings.Contains(v, "\x00") {
				continue
			}
			if err := db.Exec("INSERT INTO qt_nul (id, title) VALUES (?, ?)", i, v).Error; err != nil {
				t.Fatalf("insert %q: %v", v, err)
			}
			stored = append(stored, i)
		}
		tb := &Table{Dialect: d, Columns: []Column{{Path: "title", Name: "title", Kind: KindString}}, Key: []string{"title"}}
		for _, parts := range patterns {
			var lit strings.Builder
			for i, part := range parts {
				if i > 0 {
					lit.WriteByte('*')
				}
				lit.WriteString(strings.NewReplacer(`\`, `\\`, `"`, `\"`, `*`, `\*`).Replace(part))
			}
			for _, op := range []string{"=", "!="} {
				f := "title " + op + ` "` + lit.String() + `"`
				c, err := ParseFilter(tb, f)
				if err != nil {
					t.Fatalf("ParseFilter(%q): %v", f, err)
				}
				var got []int
				if err := db.Table("qt_nul").Where(c.SQL, c.Args...).Order("id").Pluck("id", &got).Error; err != nil {
					t.Fatalf("%q: %s: %v", f, c.SQL, err)
				}
				var want []int
				for _, i := range stored {
					if wildMatch(parts, values[i]) == (op == "=") {
						want = append(want, i)
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s selects %q, want %q", f, pick(values, got), pick(values, want))
				}
			}
		}
	})
}

func pick(values []string, ids []int) []string {
	out := []string{}
	for _, i := range ids {
		out = append(out, values[i])
	}
	return out
}
