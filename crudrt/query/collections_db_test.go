package query

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// collectionRow is a row of qc_rows: a list and a map of strings stored
// as JSON, with values that differ only in case, trailing spaces,
// normalization, quotes and metacharacters.
type collectionRow struct {
	id   int64
	tags []string
	meta map[string]string
}

var collectionRows = []collectionRow{
	{1, []string{"a", "b"}, map[string]string{"lang": "en", "k.dot": "v"}},
	{2, []string{"A"}, map[string]string{"lang": "EN"}},
	{3, []string{"a "}, map[string]string{"lang": "en "}},
	{4, []string{"é"}, map[string]string{"é": "e\u0301"}},
	{5, []string{"e\u0301", "𝄞"}, map[string]string{`q"uote`: `back\slash`}},
	{6, []string{}, map[string]string{}},
	{7, []string{`O'Brien "x"`, "%_*"}, map[string]string{"": "empty key", "lang": ""}},
	{8, []string{"1", "[1]"}, map[string]string{"n": "1", "lang": "en\tx"}},
}

func collectionIDs(keep func(r collectionRow) bool) []int64 {
	ids := []int64{}
	for _, r := range collectionRows {
		if keep(r) {
			ids = append(ids, r.id)
		}
	}
	return ids
}

// TestDBCollections runs the has operator and map-value comparisons on
// lists and maps of strings stored as JSON, on every database: a value
// matches only the same string, byte for byte.
func TestDBCollections(t *testing.T) {
	has := func(v string) func(r collectionRow) bool {
		return func(r collectionRow) bool { return slices.Contains(r.tags, v) }
	}
	key := func(k string) func(r collectionRow) bool {
		return func(r collectionRow) bool { _, ok := r.meta[k]; return ok }
	}
	value := func(k, v string) func(r collectionRow) bool {
		return func(r collectionRow) bool { got, ok := r.meta[k]; return ok && got == v }
	}
	not := func(f func(r collectionRow) bool) func(r collectionRow) bool {
		return func(r collectionRow) bool { return !f(r) }
	}
	cases := []struct {
		filter string
		keep   func(r collectionRow) bool
	}{
		{`tags:"a"`, has("a")},
		{`tags:"A"`, has("A")},
		{`tags:"a "`, has("a ")},
		{`tags:"é"`, has("é")},
		{"tags:\"e\u0301\"", has("e\u0301")},
		{`tags:"𝄞"`, has("𝄞")},
		{`tags:"O'Brien \"x\""`, has(`O'Brien "x"`)},
		{`tags:"%_\*"`, has("%_*")},
		{`tags:"1"`, has("1")},
		{`tags:"[1]"`, has("[1]")},
		{`tags:"c"`, has("c")},
		{`tags:*`, func(r collectionRow) bool { return len(r.tags) > 0 }},
		{`NOT tags:"a"`, not(has("a"))},
		{`-tags:"A"`, not(has("A"))},
		{`metadata:"lang"`, key("lang")},
		{`metadata:"k.dot"`, key("k.dot")},
		{`metadata:"q\"uote"`, key(`q"uote`)},
		{`metadata:""`, key("")},
		{`metadata:"LANG"`, key("LANG")},
		{`metadata:*`, func(r collectionRow) bool { return len(r.meta) > 0 }},
		{`metadata.lang = "en"`, value("lang", "en")},
		{`metadata.lang = "EN"`, value("lang", "EN")},
		{`metadata.lang = "en "`, value("lang", "en ")},
		{`metadata.lang = ""`, value("lang", "")},
		{`metadata.lang = "en\tx"`, value("lang", "en\tx")},
		{`metadata.lang != "en"`, not(value("lang", "en"))},
		{`metadata.lang:"en"`, value("lang", "en")},
		{`metadata.lang:*`, key("lang")},
		{`metadata.n = "1"`, value("n", "1")},
		{"metadata.é = \"e\u0301\"", value("é", "e\u0301")},
		{`tags:"a" AND metadata.lang = "en"`, func(r collectionRow) bool { return has("a")(r) && value("lang", "en")(r) }},
		{`tags:"A" OR metadata.lang = "en "`, func(r collectionRow) bool { return has("A")(r) || value("lang", "en ")(r) }},
	}
	for _, d := range testdb.All {
		t.Run(string(d), func(t *testing.T) {
			db := testdb.Open(t, d)
			typ := ormrt.JSONColumn(d)
			if err := db.Exec("CREATE TABLE qc_rows (id BIGINT PRIMARY KEY, tags " + typ + " NOT NULL, metadata " + typ + " NOT NULL)").Error; err != nil {
				t.Fatal(err)
			}
			for _, r := range collectionRows {
				tags, _ := json.Marshal(r.tags)
				meta, _ := json.Marshal(r.meta)
				if err := db.Exec("INSERT INTO qc_rows (id, tags, metadata) VALUES (?, ?, ?)", r.id, string(tags), string(meta)).Error; err != nil {
					t.Fatal(err)
				}
			}
			tb := &Table{Dialect: d, From: ormrt.QuoteIdent(d, "qc_rows"), Key: []string{"id"}, Columns: []Column{
				{Path: "id", Name: "id", Kind: KindInt},
				{Path: "tags", Name: "tags", Kind: KindStringList},
				{Path: "metadata", Name: "metadata", Kind: KindStringMap},
			}}
			for _, c := range cases {
				cond, err := ParseFilter(tb, c.filter)
				if err != nil {
					t.Errorf("%s: %v", c.filter, err)
					continue
				}
				var ids []int64
				if err := db.Table("qc_rows").Where(cond.SQL, cond.Args...).Order("id").Pluck("id", &ids).Error; err != nil {
					t.Errorf("%s: %s: %v", c.filter, cond.SQL, err)
					continue
				}
				if ids == nil {
					ids = []int64{}
				}
				if want := collectionIDs(c.keep); !slices.Equal(ids, want) {
					t.Errorf("%s: ids %v, want %v (%s %v)", c.filter, ids, want, cond.SQL, cond.Args)
				}
			}
		})
	}
}

// TestCollectionFilterErrors: lists and maps take the has operator, map
// values = and !=, and neither takes wildcards or orders.
func TestCollectionFilterErrors(t *testing.T) {
	tb := &Table{Dialect: SQLite, From: `"t"`, Key: []string{"id"}, Columns: []Column{
		{Path: "id", Name: "id", Kind: KindInt},
		{Path: "tags", Name: "tags", Kind: KindStringList},
		{Path: "metadata", Name: "metadata", Kind: KindStringMap},
	}}
	for filter, want := range map[string]string{
		`tags = "a"`:                `tags is a list: test for an element with tags:"…"`,
		`tags != "a"`:               `tags is a list`,
		`metadata = "a"`:            `metadata is a map`,
		`metadata.lang > "a"`:       `metadata.lang compares only with =, != and :`,
		`tags:"a*"`:                 `an element of tags takes no wildcards`,
		`metadata:"*x"`:             `a key of metadata takes no wildcards`,
		`metadata.lang = "e*"`:      `metadata.lang takes no wildcards`,
		`metadata.lang = *`:         `bare word "*"`,
		`tags`:                      `field "tags" is not a condition; test for an element`,
		`metadata`:                  `field "metadata" is not a condition; test for a key`,
		`metadata.lang`:             `"metadata.lang" is not a condition`,
		`metadata.a.b = "x"`:        `unknown field "metadata.a.b"`,
		`tags.x = "a"`:              `unknown field "tags.x"`,
		`tags:1`:                    `tags`,
		"metadata.lang = \"a\x00\"": `NUL`,
	} {
		_, err := ParseFilter(tb, filter)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error with %q", filter, err, want)
		}
	}
	if _, err := ParseOrderBy(tb, "tags"); err == nil || !strings.Contains(err.Error(), "is a list of strings, and cannot be ordered by") {
		t.Errorf("order_by tags: %v", err)
	}
	if err := (&Table{Dialect: SQLite, Columns: tb.Columns}).checkColumns(); err == nil || !strings.Contains(err.Error(), "needs Table.From") {
		t.Errorf("a list column without Table.From: %v", err)
	}
}
