package query

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/testdb"
)

// TestDBFilterControlCharacters stores a string with each control
// character (U+0001–U+001F, U+007F), and with characters outside the BMP,
// and finds each by a filter that writes the character raw inside the
// quotes and by each escape AIP-160 allows, on every database: literals
// round-trip exactly (a raw carriage return stays one, it is not read as
// a line feed).
func TestDBFilterControlCharacters(t *testing.T) {
	type row struct {
		id    int64
		value string
	}
	var rows []row
	for c := rune(1); c < 0x20; c++ {
		rows = append(rows, row{int64(c), "a" + string(c) + "b"})
	}
	rows = append(rows, row{0x7f, "a\x7fb"}, row{0x80, "a\r\nb"},
		row{0x82, "😀 𝄞 \U0010FFFD"}, row{0x83, "a\\b"}, row{0x84, `a"b`})
	spellings := func(s string) []string {
		raw := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
		var hex, uni strings.Builder
		for _, r := range s {
			switch {
			case r < 0x80 && r >= 0x20 && r != '\\' && r != '"':
				hex.WriteRune(r)
				uni.WriteRune(r)
			case r < 0x80:
				fmt.Fprintf(&hex, `\x%02x`, r)
				fmt.Fprintf(&uni, `\u%04x`, r)
			case r <= 0xffff:
				hex.WriteRune(r)
				fmt.Fprintf(&uni, `\u%04x`, r)
			default:
				hex.WriteRune(r)
				fmt.Fprintf(&uni, `\U%08x`, r)
			}
		}
		return []string{`"` + raw + `"`, `"` + hex.String() + `"`, `"` + uni.String() + `"`}
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		d := createStringTable(t, db, "qt_ctl", "utf8mb4_bin")
		for _, r := range rows {
			if err := db.Exec("INSERT INTO qt_ctl (id, title) VALUES (?, ?)", r.id, r.value).Error; err != nil {
				t.Fatalf("insert %q: %v", r.value, err)
			}
		}
		tb := &Table{Dialect: d, Columns: []Column{{Path: "title", Name: "title", Kind: KindString}}, Key: []string{"title"}}
		for _, r := range rows {
			for _, lit := range spellings(r.value) {
				for _, f := range []string{"title = " + lit, "title = " + lit[:len(lit)-1] + `*"`} {
					c, err := ParseFilter(tb, f)
					if err != nil {
						t.Errorf("ParseFilter(%q): %v", f, err)
						continue
					}
					var ids []int64
					if err := db.Table("qt_ctl").Where(c.SQL, c.Args...).Order("id").Pluck("id", &ids).Error; err != nil {
						t.Errorf("%q: %v", f, err)
						continue
					}
					want := []int64{r.id}
					if strings.HasSuffix(f, `*"`) {
						// A prefix also finds the values that start with it.
						want = nil
						for _, o := range rows {
							if strings.HasPrefix(o.value, r.value) {
								want = append(want, o.id)
							}
						}
					}
					if !slices.Equal(ids, want) {
						t.Errorf("%q → %s %q: ids %v, want %v", f, c.SQL, c.Args, ids, want)
					}
				}
			}
		}
	})
}
