package query

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/protoforge/protoforge/ormrt"
)

// spell renders terms as "path[ desc], …".
func spell(terms []OrderTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = t.Column.Path
		if t.Desc {
			parts[i] += " desc"
		}
	}
	return strings.Join(parts, ", ")
}

func TestParseOrderBy(t *testing.T) {
	tb := testTable(Postgres)
	for in, want := range map[string]string{
		"":                             "id",
		"   ":                          "id",
		"title":                        "title, id",
		"title desc":                   "title desc, id",
		"  title   desc ,create_time ": "title desc, create_time, id",
		"title asc,serial desc":        "title, serial desc, id",
		"id desc":                      "id desc",
		"id, title":                    "id, title",
		"state_name,state desc,score":  "state_name, state desc, score, id",
	} {
		terms, err := ParseOrderBy(tb, in)
		if err != nil {
			t.Errorf("ParseOrderBy(%q): %v", in, err)
			continue
		}
		if got := spell(terms); got != want {
			t.Errorf("ParseOrderBy(%q) = %q, want %q", in, got, want)
		}
		for _, term := range terms {
			if term.Column != tb.column(term.Column.Path) {
				t.Errorf("ParseOrderBy(%q): term column is not the table's", in)
			}
		}
	}
}

func TestParseOrderByCompositeKey(t *testing.T) {
	tb := testTable(SQLite)
	tb.Key = []string{"state", "id"}
	for in, want := range map[string]string{
		"":           "state, id",
		"id desc":    "id desc, state",
		"title":      "title, state, id",
		"state desc": "state desc, id",
		// Nullable fields order too, their NULLs smallest.
		"rank":             "rank, state, id",
		"expire_time desc": "expire_time desc, state, id",
	} {
		terms, err := ParseOrderBy(tb, in)
		if err != nil || spell(terms) != want {
			t.Errorf("ParseOrderBy(%q) = %q, %v; want %q", in, spell(terms), err, want)
		}
	}
}

func TestParseOrderByErrors(t *testing.T) {
	for in, want := range map[string]string{
		"colour":            `order_by: unknown field "colour" (fields: active, count, create_time, expire_time, id, rank, score, serial, state, state_name, title)`,
		"title, colour":     `unknown field "colour"`,
		"book.title":        `unknown field "book.title"`,
		"title, title desc": `order_by: field "title" is named twice`,
		"title,":            `order_by: term 2 is empty`,
		",title":            `term 1 is empty`,
		"title,,id":         `term 2 is empty`,
		"title DESC":        `order_by: term 1, "title DESC": want a field name, optionally followed by desc`,
		"title desc desc":   `want a field name, optionally followed by desc`,
		"title descending":  `want a field name`,
		"title; DROP TABLE": `term 1, "title; DROP TABLE"`,
		"\xff":              `order_by: not valid UTF-8`,
	} {
		_, err := ParseOrderBy(testTable(MySQL), in)
		if err == nil {
			t.Errorf("ParseOrderBy(%q) succeeded, want %q", in, want)
			continue
		}
		if e := asError(t, err, "order_by"); !strings.Contains(e.Error(), want) {
			t.Errorf("ParseOrderBy(%q) error\n got %q\nwant it to contain %q", in, e.Error(), want)
		}
	}
	_, err := ParseOrderBy(testTable(MySQL), strings.Repeat("a", MaxOrderByLength+1))
	if e := asError(t, err, "order_by"); e.Msg != "longer than 1024 bytes" {
		t.Errorf("got %q", e.Msg)
	}
}

func TestParseOrderByBadKey(t *testing.T) {
	for name, key := range map[string][]string{
		"empty":     nil,
		"unknown":   {"nope"},
		"nullable":  {"rank"},
		"duplicate": {"id", "id"},
	} {
		tb := testTable(SQLite)
		tb.Key = key
		_, err := ParseOrderBy(tb, "")
		var e *Error
		if err == nil || errorsAs(err, &e) {
			t.Errorf("%s: got %v, want an error that is not *Error", name, err)
		}
	}
}

func TestOrderSQL(t *testing.T) {
	for d, want := range map[Dialect]string{
		Postgres: `"order" DESC, "create_time" ASC, "id" ASC`,
		SQLite:   `"order" DESC, "create_time" ASC, "id" ASC`,
		MySQL:    "`order` DESC, `create_time` ASC, `id` ASC",
	} {
		tb := testTable(d)
		terms, err := ParseOrderBy(tb, "title desc, create_time")
		if err != nil {
			t.Fatal(err)
		}
		if got := OrderSQL(tb, terms); got != want {
			t.Errorf("%s: OrderSQL = %q, want %q", d, got, want)
		}
	}
}

func TestAfter(t *testing.T) {
	when := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.FixedZone("x", 3600))
	whenUTC := time.Date(2024, 5, 6, 6, 8, 9, 123456000, time.UTC)
	cases := []struct {
		orderBy string
		last    []any
		want    map[Dialect]dialectSQL
	}{{
		orderBy: "",
		last:    []any{int64(7)},
		want: map[Dialect]dialectSQL{
			Postgres: {`(("id" > CAST(? AS BIGINT)))`, []any{int64(7)}},
			MySQL:    {"((`id` > ?))", []any{int64(7)}},
			SQLite:   {`(("id" > ?))`, []any{int64(7)}},
		},
	}, {
		orderBy: "title desc, create_time",
		last:    []any{"Dune", when, 42},
		want: map[Dialect]dialectSQL{
			Postgres: {`("order" <= ? AND (("order" < ?) OR ("order" = ? AND "create_time" > ?) OR ("order" = ? AND "create_time" = ? AND "id" > CAST(? AS BIGINT))))`,
				[]any{"Dune", "Dune", "Dune", whenUTC, "Dune", whenUTC, int64(42)}},
			MySQL: {"(`order` <= ? AND ((`order` < ?) OR (`order` = ? AND `create_time` > ?) OR (`order` = ? AND `create_time` = ? AND `id` > ?)))",
				[]any{"Dune", "Dune", "Dune", whenUTC, "Dune", whenUTC, int64(42)}},
			SQLite: {`("order" <= ? AND (("order" < ?) OR ("order" = ? AND "create_time" > ?) OR ("order" = ? AND "create_time" = ? AND "id" > ?)))`,
				[]any{"Dune", "Dune", "Dune", whenUTC, "Dune", whenUTC, int64(42)}},
		},
	}, {
		orderBy: "serial desc, score, state_name, active",
		last:    []any{ormrt.Uint64(math.MaxUint64), float32(1.5), int32(stateDraft), true, uint8(3)},
		want: map[Dialect]dialectSQL{
			Postgres: {`("u" <= ? AND (("u" < ?) OR ("u" = ? AND "score" > CAST(? AS DOUBLE PRECISION)) OR ("u" = ? AND "score" = CAST(? AS DOUBLE PRECISION) AND "state_name" > ?) OR ("u" = ? AND "score" = CAST(? AS DOUBLE PRECISION) AND "state_name" = ? AND "active" > ?) OR ("u" = ? AND "score" = CAST(? AS DOUBLE PRECISION) AND "state_name" = ? AND "active" = ? AND "id" > CAST(? AS BIGINT))))`,
				[]any{"18446744073709551615", "18446744073709551615", "18446744073709551615", 1.5, "18446744073709551615", 1.5, "BOOK_STATE_DRAFT", "18446744073709551615", 1.5, "BOOK_STATE_DRAFT", true, "18446744073709551615", 1.5, "BOOK_STATE_DRAFT", true, int64(3)}},
			MySQL: {"(`u` <= ? AND ((`u` < ?) OR (`u` = ? AND `score` > ?) OR (`u` = ? AND `score` = ? AND `state_name` > ?) OR (`u` = ? AND `score` = ? AND `state_name` = ? AND `active` > ?) OR (`u` = ? AND `score` = ? AND `state_name` = ? AND `active` = ? AND `id` > ?)))",
				[]any{uint64(math.MaxUint64), uint64(math.MaxUint64), uint64(math.MaxUint64), 1.5, uint64(math.MaxUint64), 1.5, "BOOK_STATE_DRAFT", uint64(math.MaxUint64), 1.5, "BOOK_STATE_DRAFT", true, uint64(math.MaxUint64), 1.5, "BOOK_STATE_DRAFT", true, int64(3)}},
			SQLite: {`("u" <= ? AND (("u" < ?) OR ("u" = ? AND "score" > ?) OR ("u" = ? AND "score" = ? AND "state_name" > ?) OR ("u" = ? AND "score" = ? AND "state_name" = ? AND "active" > ?) OR ("u" = ? AND "score" = ? AND "state_name" = ? AND "active" = ? AND "id" > ?)))`,
				[]any{"18446744073709551615", "18446744073709551615", "18446744073709551615", 1.5, "18446744073709551615", 1.5, "BOOK_STATE_DRAFT", "18446744073709551615", 1.5, "BOOK_STATE_DRAFT", true, "18446744073709551615", 1.5, "BOOK_STATE_DRAFT", true, int64(3)}},
		},
	}}
	for _, tc := range cases {
		for _, d := range dialects {
			tb := testTable(d)
			terms, err := ParseOrderBy(tb, tc.orderBy)
			if err != nil {
				t.Fatal(err)
			}
			got := After(tb, terms, tc.last)
			want := tc.want[d]
			if got.SQL != want.sql || !reflect.DeepEqual(got.Args, want.args) {
				t.Errorf("%s: After(%q)\n got %s %#v\nwant %s %#v", d, tc.orderBy, got.SQL, got.Args, want.sql, want.args)
			}
			checkOnlyPlaceholders(t, tb, got)
		}
	}
}

// TestAfterValueTypes checks the Go types After accepts for each kind and
// what it binds for them.
func TestAfterValueTypes(t *testing.T) {
	pg, my := testTable(Postgres), testTable(MySQL)
	u := uint64(1<<63 + 5)
	ts := time.Date(1, 1, 1, 0, 0, 0, 999, time.UTC)
	cases := []struct {
		path   string
		in     any
		pgWant any
		myWant any
	}{
		{"id", int32(-4), int64(-4), int64(-4)},
		{"id", uint16(4), int64(4), int64(4)},
		{"serial", u, "09223372036854775813", u},
		{"serial", ormrt.Uint64(u), "09223372036854775813", u},
		{"serial", &[]ormrt.Uint64{ormrt.Uint64(u)}[0], "09223372036854775813", u},
		{"serial", "09223372036854775813", "09223372036854775813", u},
		{"serial", []byte("9223372036854775813"), "09223372036854775813", u},
		{"serial", int64(5), "00000000000000000005", uint64(5)},
		{"score", float32(0.5), 0.5, 0.5},
		{"score", 3, 3.0, 3.0},
		{"create_time", ts, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"create_time", &ts, time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"state", int32(stateArchived), int64(stateArchived), int64(stateArchived)},
		{"state_name", "BOOK_STATE_DRAFT", "BOOK_STATE_DRAFT", "BOOK_STATE_DRAFT"},
		{"state_name", int32(stateArchived), "BOOK_STATE_ARCHIVED", "BOOK_STATE_ARCHIVED"},
		{"active", false, false, false},
		{"title", []byte("x"), "x", "x"},
		// Values of no known type are bound as they are.
		{"title", struct{}{}, struct{}{}, struct{}{}},
	}
	for _, tc := range cases {
		for _, x := range []struct {
			tb   *Table
			want any
		}{{pg, tc.pgWant}, {my, tc.myWant}} {
			terms := []OrderTerm{{Column: x.tb.column(tc.path)}}
			got := After(x.tb, terms, []any{tc.in})
			if len(got.Args) != 1 || !reflect.DeepEqual(got.Args[0], x.want) {
				t.Errorf("%s: After(%s, %#v) binds %#v, want %#v", x.tb.Dialect, tc.path, tc.in, got.Args, x.want)
			}
		}
	}
}

func TestAfterPanicsOnLengthMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic")
		}
	}()
	tb := testTable(SQLite)
	terms, _ := ParseOrderBy(tb, "")
	After(tb, terms, nil)
}
