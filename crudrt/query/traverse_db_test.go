package query

import (
	"slices"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// traversalRows are rows of the columns of traversalColumns as JSON
// text: as protojson writes them (64-bit integers as strings), and in
// spellings other writers use (numbers for 64-bit integers within the
// range of int64, keys and strings with \u escapes), with values that only a whole list, another
// key or another element holds.
var traversalRows = []struct {
	id   int64
	cols map[string]string
}{
	{1, map[string]string{
		"levels": `[12,3]`, "sums": `["18446744073709551615"]`, "flags": `[true]`, "phases": `["BOOK_STATE_DRAFT"]`,
		"events": `[{"attribute":"x","count":"5"},{"count":1}]`, "counts": `{"hits":"5"}`, "names": `{"-5":"neg"}`,
		"by_flag": `{"true":false}`, "sizes": `{"18446744073709551615":"1"}`, "by_source": `{"gcs":{"count":2,"marks":{"x":1}}}`,
		"spec": `{"items":[{"size":"7"}]}`,
	}},
	{2, map[string]string{
		"levels": `[1]`, "sums": `["0","9223372036854775808"]`, "events": `[{"attribute":"\u0074ype","where":{"codes":["7",-9223372036854775808]}}]`,
		"counts": `{"h\u0069ts":7,"x":0}`, "names": `{"5":"\u0066ive"}`, "by_flag": `{"false":true}`, "by_source": `{"g\u0063s":{}}`,
	}},
	{3, map[string]string{"sums": `[5]`, "flags": `[false,true]`, "phases": `["BOOK_STATE_PUBLISHED"]`, "spec": `{}`}},
	{4, map[string]string{"events": `[{"attribute":"type","phase":"BOOK_STATE_DRAFT"},{}]`, "counts": `{"hits ":5,"HITS":5}`}},
	{5, map[string]string{"events": `[{"value":"type","where":{}}]`, "levels": `[21]`, "by_source": `{"gcs ":{"count":2}}`}},
}

// TestDBTraversal runs filters through lists and maps on every database,
// on rows written in several spellings: each finds the rows with an
// element or entry that matches, and no row where only a whole list,
// another key or another element holds the value.
func TestDBTraversal(t *testing.T) {
	cases := map[string][]int64{
		`levels:1`:                                {2},
		`levels:12`:                               {1},
		`levels:3`:                                {1},
		`levels:*`:                                {1, 2, 5},
		`NOT levels:*`:                            {3, 4},
		`sums:18446744073709551615`:               {1},
		`sums:9223372036854775808`:                {2},
		`sums:0`:                                  {2},
		`sums:5`:                                  {3},
		`flags:true`:                              {1, 3},
		`flags:false`:                             {3},
		`phases:BOOK_STATE_DRAFT`:                 {1},
		`phases:BOOK_STATE_UNSPECIFIED`:           {},
		`events.attribute:"type"`:                 {2, 4},
		`events.attribute:"x"`:                    {1},
		`events.attribute:""`:                     {1, 4, 5},
		`events.count:5`:                          {1},
		`events.count:1 AND events.count:5`:       {1},
		`events.count:0`:                          {2, 4, 5},
		`events.phase:BOOK_STATE_DRAFT`:           {4},
		`events.phase:BOOK_STATE_UNSPECIFIED`:     {1, 2, 4, 5},
		`events.where.codes:7`:                    {2},
		`events.where.codes:-9223372036854775808`: {2},
		`events.where:*`:                          {2, 5},
		`events:*`:                                {1, 2, 4, 5},
		`counts.hits = 5`:                         {1},
		`counts.hits = 7`:                         {2},
		`counts.hits > 5`:                         {2},
		`counts.hits != 5`:                        {2, 3, 4, 5},
		`counts:"hits"`:                           {1, 2},
		`counts.x = 0`:                            {2},
		`counts:*`:                                {1, 2, 4},
		`names:-5`:                                {1},
		`names.5 = "five"`:                        {2},
		`by_flag.true = false`:                    {1},
		`by_flag:false`:                           {2},
		`by_flag.false`:                           {2},
		`sizes.18446744073709551615 = 1`:          {1},
		`sizes:18446744073709551615`:              {1},
		`by_source:"gcs"`:                         {1, 2},
		`by_source.gcs.count = 2`:                 {1},
		`by_source.gcs.count = 0`:                 {2},
		`by_source.gcs.marks.x:*`:                 {1},
		`by_source.gcs.marks:"x"`:                 {1},
		`by_source.gcs.marks.x = 1`:               {1},
		`spec.items.size:7`:                       {1},
		`spec.items:*`:                            {1},
		`NOT spec.items:*`:                        {2, 3, 4, 5},
		`levels:1 OR by_source.gcs.count > 1`:     {1, 2},
		`-events.attribute:"type" AND counts:*`:   {1},
	}
	cols := traversalColumns()
	for _, d := range testdb.All {
		t.Run(string(d), func(t *testing.T) {
			db := testdb.Open(t, d)
			typ := ormrt.JSONColumn(d)
			names := []string{}
			for _, c := range cols {
				if !slices.Contains(names, c.Name) {
					names = append(names, c.Name)
				}
			}
			ddl := "CREATE TABLE qtr_rows (id BIGINT PRIMARY KEY"
			for _, n := range names {
				ddl += ", " + n + " " + typ + " NULL"
			}
			if err := db.Exec(ddl + ")").Error; err != nil {
				t.Fatal(err)
			}
			for _, r := range traversalRows {
				args := []any{r.id}
				for _, n := range names {
					v, ok := r.cols[n]
					switch {
					case ok:
						args = append(args, v)
					case n == "spec":
						args = append(args, nil)
					case n == "counts" || n == "names" || n == "by_flag" || n == "sizes" || n == "by_source":
						args = append(args, "{}")
					default:
						args = append(args, "[]")
					}
				}
				if err := db.Exec("INSERT INTO qtr_rows VALUES (?"+strings.Repeat(", ?", len(names))+")", args...).Error; err != nil {
					t.Fatal(err)
				}
			}
			tb := &Table{Dialect: d, From: ormrt.QuoteIdent(d, "qtr_rows"), Key: []string{"id"}, Columns: append([]Column{{Path: "id", Name: "id", Kind: KindInt}}, cols...)}
			// As many paths through lists and maps as a filter holds: each
			// is a subquery of its own, nested as deep as its path.
			cases[strings.TrimSpace(strings.Repeat("by_source.gcs.marks.x:1 ", MaxFilterLength/24))] = []int64{1}
			cases[strings.TrimSuffix(strings.Repeat("events.where.codes:7 OR ", MaxFilterLength/24), " OR ")] = []int64{2}
			cases[strings.TrimSpace(strings.Repeat("levels:12 ", MaxFilterLength/10))] = []int64{1}
			for filter, want := range cases {
				c, err := ParseFilter(tb, filter)
				if err != nil {
					t.Errorf("%s: %v", filter, err)
					continue
				}
				checkOnlyPlaceholders(t, tb, c)
				ids := []int64{}
				if err := db.Table("qtr_rows").Where(c.SQL, c.Args...).Order("id").Pluck("id", &ids).Error; err != nil {
					t.Errorf("%s: %s: %v", filter, c.SQL, err)
					continue
				}
				if !slices.Equal(ids, want) {
					t.Errorf("%s: ids %v, want %v (%s %v)", filter, ids, want, c.SQL, c.Args)
				}
			}
		})
	}
}
