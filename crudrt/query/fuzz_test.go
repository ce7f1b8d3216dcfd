package query

import (
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/protoforge/protoforge/ormrt"
)

// filterSeeds are filters of every construct, for the fuzz corpus.
var filterSeeds = []string{
	``,
	`count = 5`,
	`count >= -9223372036854775808 AND count != 9223372036854775807`,
	`serial > 9223372036854775807 AND serial <= 18446744073709551615 OR serial = 0x10`,
	`title = "Dune*"`,
	`title != "*100%_off!"`,
	`title = "a\*b?[c]*" OR title = 'x\*'`,
	`title < "M*" AND title = 'it\'s "so"'`,
	`create_time >= "2024-01-01T01:00:00.1234567+01:00"`,
	`expire_time < timestamp("9999-12-31T23:59:59.999999999Z")`,
	`rank != 3 OR rank:* OR NOT expire_time:*`,
	`state = BOOK_STATE_DRAFT OR state_name != BOOK_STATE_ARCHIVED`,
	`active AND NOT (score > 1.5 OR score < -2)`,
	`expire_time:* -active = false`,
	`count = 1 AND active = true OR score = 2`,
	`(((count = (-5))))`,
	`count = (--5)`,
	`title = "\x41\u00e9\U0001F600\101\n\t\\"`,
	`a.b.c = 1`,
	`fn(1, "x") = 2`,
	`count = 99999999999999999999`,
	"title = \"\x00\"",
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range filterSeeds {
		f.Add(s)
	}
	for _, s := range injectionCorpus {
		f.Add(s)
		f.Add(`title = "` + s + `"`)
		f.Add(`title = ` + filterLiteral(s))
	}
	for _, s := range []string{`tags:"a"`, `tags:*`, `metadata:"k"`, `metadata.k = "v"`, `metadata.k != "v"`, `metadata.k:*`, `-tags:"x" OR metadata.a:"b"`, `metadata.k.x = "v"`,
		"tags:\"p\u2029\"", "metadata:\"\u2028\"", "metadata.k != \"<&>\x1f\x7f\""} {
		f.Add(s)
	}
	for _, s := range []string{`name = "publishers/p/books/b"`, `name != "publishers/*/books/b*"`, `name = "publishers/\*/books/**"`, `name > "x"`, `name:*`} {
		f.Add(s)
	}
	for _, s := range []string{`levels:42`, `levels:*`, `sums:18446744073709551615`, `flags:true`, `phases:BOOK_STATE_DRAFT`, `events.attribute:"a"`,
		`events.count:1 AND events.count:2`, `events.where.codes:-7`, `events.where:*`, `counts:"hits"`, `counts.hits > 5`, `counts.hits != 5`,
		`names:-5`, `names.05 = "five"`, `by_flag.true`, `sizes:1`, `by_source.gcs.marks.x:*`, `by_source.gcs.count <= 2`, `spec.items.size:7`,
		`events.attribute = "a"`, `levels = 1`, `counts.x.y = 1`, "counts:\"\u2028\"", `NOT (levels:1 OR -by_source:"a")`} {
		f.Add(s)
	}
	tables := []*Table{traversalTable(Postgres), traversalTable(MySQL), traversalTable(SQLite), nameTable(Postgres), nameTable(MySQL), nameTable(SQLite)}
	f.Fuzz(func(t *testing.T, filter string) {
		for _, tb := range tables {
			c, err := ParseFilter(tb, filter)
			if err != nil {
				asError(t, err, "filter")
				continue
			}
			// The SQL is column names, keywords and placeholders only:
			// no character of the filter's values reaches it.
			checkOnlyPlaceholders(t, tb, c)
			for _, a := range c.Args {
				switch v := a.(type) {
				case int64, uint64, bool, string, time.Time:
				case float64:
					if math.IsNaN(v) || math.IsInf(v, 0) {
						t.Fatalf("%q binds %v", filter, v)
					}
				default:
					t.Fatalf("%q binds a %T", filter, a)
				}
			}
		}
	})
}

func FuzzParseOrderBy(f *testing.F) {
	for _, s := range []string{"", "title desc, create_time", "id", "rank", "title,,", "a b c"} {
		f.Add(s)
	}
	for _, s := range injectionCorpus {
		f.Add(s)
	}
	tb := testTable(MySQL)
	f.Fuzz(func(t *testing.T, orderBy string) {
		terms, err := ParseOrderBy(tb, orderBy)
		if err != nil {
			asError(t, err, "order_by")
			return
		}
		seen := map[string]bool{}
		for _, term := range terms {
			if term.Column.Kind.collection() || seen[term.Column.Path] {
				t.Fatalf("%q gives %s", orderBy, spell(terms))
			}
			seen[term.Column.Path] = true
		}
		if !seen["id"] {
			t.Fatalf("%q gives %s, without the key", orderBy, spell(terms))
		}
	})
}

func FuzzDecodeToken(f *testing.F) {
	tb := testTable(SQLite)
	terms, _ := ParseOrderBy(tb, "title, serial desc, create_time")
	// Tokens of one position differ (each has a random salt and nonce), and every
	// fuzzing process runs this setup: the one token accepted is fixed.
	// EncodeToken made it with testKey.
	const good = "AwvrBtC9tnoEw2BO_djSCHsWUXTLTiAP3-pVVwHqjwwK5CfWVT48qWGTy-Pfqufz019qC4AL767YSWIQz6SXBE3YWw"
	want := []any{"x", ormrt.Uint64(math.MaxUint64), time.Unix(0, 0).UTC(), int64(1)}
	if got, err := DecodeToken(testKey, "q", terms, good); err != nil || !reflect.DeepEqual(got, want) {
		f.Fatalf("the seed token reads %v, %v; want %v", got, err, want)
	}
	f.Add(good)
	f.Add("")
	f.Add(good[:len(good)-1])
	f.Fuzz(func(t *testing.T, token string) {
		values, err := DecodeToken(testKey, "q", terms, token)
		if err != nil {
			asError(t, err, "page_token")
			return
		}
		if token != good {
			t.Fatalf("accepted %q: %v", token, values)
		}
	})
}
