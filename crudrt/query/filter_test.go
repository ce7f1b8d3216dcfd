package query

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

type dialectSQL struct {
	sql  string
	args []any
}

func TestParseFilterSQL(t *testing.T) {
	ts := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v.UTC()
	}
	cases := []struct {
		filter string
		want   map[Dialect]dialectSQL
	}{{
		filter: `count = 5`,
		want: map[Dialect]dialectSQL{
			Postgres: {`"n" = CAST(? AS BIGINT)`, []any{int64(5)}},
			MySQL:    {"`n` = ?", []any{int64(5)}},
			SQLite:   {`"n" = ?`, []any{int64(5)}},
		},
	}, {
		filter: `count >= -9223372036854775808 AND count != 9223372036854775807 AND count < 007`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("n" >= CAST(? AS BIGINT) AND "n" <> CAST(? AS BIGINT) AND "n" < CAST(? AS BIGINT))`, []any{int64(math.MinInt64), int64(math.MaxInt64), int64(7)}},
			MySQL:    {"(`n` >= ? AND `n` <> ? AND `n` < ?)", []any{int64(math.MinInt64), int64(math.MaxInt64), int64(7)}},
			SQLite:   {`("n" >= ? AND "n" <> ? AND "n" < ?)`, []any{int64(math.MinInt64), int64(math.MaxInt64), int64(7)}},
		},
	}, {
		filter: `serial > 9223372036854775807 AND serial <= 18446744073709551615 OR serial = 0x10`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("u" > ? AND ("u" <= ? OR "u" = ?))`, []any{"09223372036854775807", "18446744073709551615", "00000000000000000016"}},
			MySQL:    {"(`u` > ? AND (`u` <= ? OR `u` = ?))", []any{uint64(math.MaxInt64), uint64(math.MaxUint64), uint64(16)}},
			SQLite:   {`("u" > ? AND ("u" <= ? OR "u" = ?))`, []any{"09223372036854775807", "18446744073709551615", "00000000000000000016"}},
		},
	}, {
		// A bare word naming no field is text (AIP-160), not a wildcard.
		filter: `title = Dune AND title != eu_west2`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("order" = ? AND "order" <> ?)`, []any{"Dune", "eu_west2"}},
			MySQL:    {"(`order` = ? AND `order` <> ?)", []any{"Dune", "eu_west2"}},
			SQLite:   {`("order" = ? AND "order" <> ?)`, []any{"Dune", "eu_west2"}},
		},
	}, {
		filter: `title = "Dune*"`,
		want: map[Dialect]dialectSQL{
			Postgres: {`"order" LIKE ? ESCAPE '!'`, []any{"Dune%"}},
			MySQL:    {"(`order` >= ? AND `order` < ? AND CONCAT(`order`) LIKE ? ESCAPE '!')", []any{"Dune", "Dunf", "Dune%"}},
			SQLite: {`("order" >= ? AND "order" < ? AND CASE WHEN instr("order", char(0)) = 0 THEN "order" GLOB ? ` +
				`ELSE length(CAST("order" AS BLOB)) >= ? AND substr(CAST("order" AS BLOB), 1, ?) = CAST(? AS BLOB) END)`,
				[]any{"Dune", "Dunf", "Dune*", int64(4), int64(4), "Dune"}},
		},
	}, {
		filter: `title != "*100%_off!"`,
		want: map[Dialect]dialectSQL{
			Postgres: {`"order" NOT LIKE ? ESCAPE '!'`, []any{"%100!%!_off!!"}},
			MySQL:    {"`order` NOT LIKE ? ESCAPE '!'", []any{"%100!%!_off!!"}},
			SQLite: {`NOT CASE WHEN instr("order", char(0)) = 0 THEN "order" GLOB ? ` +
				`ELSE length(CAST("order" AS BLOB)) >= ? AND substr(CAST("order" AS BLOB), length(CAST("order" AS BLOB)) - ? + 1) = CAST(? AS BLOB) END`,
				[]any{"*100%_off!", int64(9), int64(9), "100%_off!"}},
		},
	}, {
		// \* is a literal star; ? and [ are GLOB metacharacters.
		filter: `title = "a\*b?[c]*" OR title = "x\*"`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("order" LIKE ? ESCAPE '!' OR "order" = ?)`, []any{"a*b?[c]%", "x*"}},
			MySQL:    {"((`order` >= ? AND `order` < ? AND CONCAT(`order`) LIKE ? ESCAPE '!') OR `order` = ?)", []any{"a*b?[c]", "a*b?[c^", "a*b?[c]%", "x*"}},
			SQLite: {`(("order" >= ? AND "order" < ? AND CASE WHEN instr("order", char(0)) = 0 THEN "order" GLOB ? ` +
				`ELSE length(CAST("order" AS BLOB)) >= ? AND substr(CAST("order" AS BLOB), 1, ?) = CAST(? AS BLOB) END) OR "order" = ?)`,
				[]any{"a*b?[c]", "a*b?[c^", "a[*]b[?][[]c]*", int64(7), int64(7), "a*b?[c]", "x*"}},
		},
	}, {
		// Only = and != take wildcards.
		filter: `title < "M*" AND title = 'it\'s "so"'`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("order" < ? AND "order" = ?)`, []any{"M*", `it's "so"`}},
			MySQL:    {"(`order` < ? AND `order` = ?)", []any{"M*", `it's "so"`}},
			SQLite:   {`("order" < ? AND "order" = ?)`, []any{"M*", `it's "so"`}},
		},
	}, {
		filter: `create_time >= "2024-01-01T01:00:00.1234567+01:00"`,
		want: map[Dialect]dialectSQL{
			Postgres: {`"create_time" >= ?`, []any{ts("2024-01-01T00:00:00.123456Z")}},
			MySQL:    {"`create_time` >= ?", []any{ts("2024-01-01T00:00:00.123456Z")}},
			SQLite:   {`"create_time" >= ?`, []any{ts("2024-01-01T00:00:00.123456Z")}},
		},
	}, {
		filter: `expire_time < timestamp("9999-12-31T23:59:59.999999999Z")`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("expire_time" < ? AND "expire_time" IS NOT NULL)`, []any{ts("9999-12-31T23:59:59.999999Z")}},
			MySQL:    {"(`expire_time` < ? AND `expire_time` IS NOT NULL)", []any{ts("9999-12-31T23:59:59.999999Z")}},
			SQLite:   {`("expire_time" < ? AND "expire_time" IS NOT NULL)`, []any{ts("9999-12-31T23:59:59.999999Z")}},
		},
	}, {
		filter: `rank != 3`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("rank" <> CAST(? AS BIGINT) OR "rank" IS NULL)`, []any{int64(3)}},
			MySQL:    {"(`rank` <> ? OR `rank` IS NULL)", []any{int64(3)}},
			SQLite:   {`("rank" <> ? OR "rank" IS NULL)`, []any{int64(3)}},
		},
	}, {
		filter: `state = BOOK_STATE_DRAFT OR state_name != BOOK_STATE_ARCHIVED`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("state" = CAST(? AS BIGINT) OR "state_name" <> ?)`, []any{int64(stateDraft), "BOOK_STATE_ARCHIVED"}},
			MySQL:    {"(`state` = ? OR `state_name` <> ?)", []any{int64(stateDraft), "BOOK_STATE_ARCHIVED"}},
			SQLite:   {`("state" = ? OR "state_name" <> ?)`, []any{int64(stateDraft), "BOOK_STATE_ARCHIVED"}},
		},
	}, {
		filter: `active AND NOT (score > 1.5 OR score < -2)`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("active" = ? AND NOT ("score" > CAST(? AS DOUBLE PRECISION) OR "score" < CAST(? AS DOUBLE PRECISION)))`, []any{true, 1.5, -2.0}},
			MySQL:    {"(`active` = ? AND NOT (`score` > ? OR `score` < ?))", []any{true, 1.5, -2.0}},
			SQLite:   {`("active" = ? AND NOT ("score" > ? OR "score" < ?))`, []any{true, 1.5, -2.0}},
		},
	}, {
		// Juxtaposition is AND; - is NOT.
		filter: `expire_time:* -active = false`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("expire_time" IS NOT NULL AND NOT ("active" = ?))`, []any{false}},
			MySQL:    {"(`expire_time` IS NOT NULL AND NOT (`active` = ?))", []any{false}},
			SQLite:   {`("expire_time" IS NOT NULL AND NOT ("active" = ?))`, []any{false}},
		},
	}, {
		// AIP-160: OR binds tighter than AND.
		filter: `count = 1 AND active = true OR score = 2`,
		want: map[Dialect]dialectSQL{
			Postgres: {`("n" = CAST(? AS BIGINT) AND ("active" = ? OR "score" = CAST(? AS DOUBLE PRECISION)))`, []any{int64(1), true, 2.0}},
			MySQL:    {"(`n` = ? AND (`active` = ? OR `score` = ?))", []any{int64(1), true, 2.0}},
			SQLite:   {`("n" = ? AND ("active" = ? OR "score" = ?))`, []any{int64(1), true, 2.0}},
		},
	}, {
		filter: "\n  (((count = (-5))))\t",
		want: map[Dialect]dialectSQL{
			Postgres: {`"n" = CAST(? AS BIGINT)`, []any{int64(-5)}},
			MySQL:    {"`n` = ?", []any{int64(-5)}},
			SQLite:   {`"n" = ?`, []any{int64(-5)}},
		},
	}}
	for _, tc := range cases {
		for _, d := range dialects {
			tb := testTable(d)
			got, err := ParseFilter(tb, tc.filter)
			if err != nil {
				t.Errorf("%s: ParseFilter(%q): %v", d, tc.filter, err)
				continue
			}
			want := tc.want[d]
			if got.SQL != want.sql || !reflect.DeepEqual(got.Args, want.args) {
				t.Errorf("%s: ParseFilter(%q)\n got %s %#v\nwant %s %#v", d, tc.filter, got.SQL, got.Args, want.sql, want.args)
			}
			checkOnlyPlaceholders(t, tb, got)
		}
	}
}

func TestParseFilterEmpty(t *testing.T) {
	for _, f := range []string{"", "   ", "\n\t "} {
		c, err := ParseFilter(testTable(Postgres), f)
		if err != nil || c.SQL != "" || c.Args != nil {
			t.Errorf("ParseFilter(%q) = %+v, %v; want the zero Condition", f, c, err)
		}
	}
}

func TestParseFilterErrors(t *testing.T) {
	cases := []struct{ filter, want string }{
		{`colour = "red"`, `column 1: unknown field "colour" (fields: active, count, create_time, expire_time, id, rank, score, serial, state, state_name, title)`},
		{`count = 1 AND  colour = "red"`, `column 16: unknown field "colour"`},
		{"count = 1 AND\n  colour = 2", `line 2, column 3: unknown field "colour"`},
		{`count = 1 and count = 2`, `unknown field "and" (fields: `},
		{`book.title = "x"`, `column 1: unknown field "book.title"`},
		{`count = `, `column 8: syntax error: unexpected end of filter`},
		{`(count = 1`, `column 11: syntax error: expected )`},
		{`count = 1)`, `column 10: syntax error: unexpected trailing token )`},
		{`title = "Dune`, `column 9: syntax error: unterminated string`},
		{`title = "\q"`, `syntax error: unable to unescape string`},
		{`title = *`, `column 9: bare word "*": quote string values, e.g. title = "*"`},
		{`title = $1`, `column 9: bare word "$1": quote string values, e.g. title = "$1"`},
		{`title = _x`, `bare word "_x": quote string values`},
		{`title = count`, `comparing two fields is not supported`},
		{`title`, `field "title" is not a condition`},
		{`"Dune"`, `a bare value is not a condition (free-text search is not supported)`},
		{`42`, `a bare value is not a condition`},
		{`5 = count`, `column 1: the left side of = must be a field name`},
		{`count = "5"`, `count takes an integer, not a string`},
		{`count = 1.5`, `count takes an integer, not a decimal number`},
		{`count = 1e3`, `count takes an integer, not a decimal number`},
		{`score >= 1e309`, `column 10: number "1e309" is out of range (a double holds at most ±1.7976931348623157e308)`},
		{`score < -1.5E+400`, `column 10: number "1.5E+400" is out of range`},
		{`score = 1` + strings.Repeat("0", 309) + `.0`, `column 9: number "100000000`},
		{`score = 1e3x`, `column 10: syntax error`},
		{`score = 1e 3`, `column 10: syntax error`},
		{`score = 1.5.2`, `column 12: syntax error`},
		{`count = 9223372036854775808`, `9223372036854775808 is out of range for count, an int64`},
		{`count = -9223372036854775809`, `-9223372036854775809 is out of range for count, an int64`},
		{`serial = -1`, `-1 is out of range for serial, a uint64 (0 to 18446744073709551615)`},
		{`serial = 18446744073709551616`, `column 10: integer "18446744073709551616" is out of range (the largest is 18446744073709551615)`},
		{`serial = 0x10000000000000000`, `integer "0x10000000000000000" is out of range`},
		{`count = -99999999999999999999999`, `column 9: integer "99999999999999999999999" is out of range (the largest is 18446744073709551615)`},
		{`score < 1` + strings.Repeat("0", 309), `column 9: number "100000000`},
		{`state = 99999999999999999999999`, `state takes a value of enum querytest.BookState, e.g. BOOK_STATE_ARCHIVED, not an integer`},
		{`active > false`, `active is a bool field: it compares only with = and !=`},
		{`active = 1`, `active takes true or false, not an integer`},
		{`active = TRUE`, `unexpected word "TRUE": active takes true or false`},
		{`state = 1`, `state takes a value of enum querytest.BookState, e.g. BOOK_STATE_ARCHIVED, not an integer`},
		{`state = "BOOK_STATE_DRAFT"`, `enum values are written without quotes, e.g. state = BOOK_STATE_ARCHIVED`},
		{`state = BOOK_STATE_GONE`, `"BOOK_STATE_GONE" is not a value of enum querytest.BookState (values: BOOK_STATE_UNSPECIFIED, BOOK_STATE_DRAFT, BOOK_STATE_PUBLISHED, BOOK_STATE_ARCHIVED)`},
		{`state_name < BOOK_STATE_DRAFT`, `state_name is a enum field: it compares only with = and !=`},
		{`create_time > "yesterday"`, `column 15: invalid timestamp "yesterday": want RFC 3339`},
		{`create_time > "2024-01-01"`, `invalid timestamp "2024-01-01"`},
		{`create_time > timestamp("2024-13-01T00:00:00Z")`, `invalid timestamp "2024-13-01T00:00:00Z"`},
		{`create_time > "0000-12-31T00:00:00Z"`, `timestamp "0000-12-31T00:00:00Z" is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z`},
		{`create_time > timestamp(1)`, `timestamp(…) takes one quoted RFC 3339 string`},
		{`create_time > 5`, `create_time takes an RFC 3339 timestamp such as "2024-01-01T00:00:00Z", not an integer`},
		{`title > timestamp("2024-01-01T00:00:00Z")`, `title takes a quoted string, not a timestamp`},
		{`create_time > duration("1s")`, `create_time takes an RFC 3339 timestamp such as "2024-01-01T00:00:00Z", not a duration`},
		{`timestamp("2024-01-01T00:00:00Z")`, `timestamp(…) is a value, not a condition`},
		{`lower(title) = "x"`, `the left side of = must be a field name`},
		{`regex(title, "x")`, `unknown function "regex"`},
		{`count = (1 OR 2)`, `the right side of = must be a value`},
		{`title:"Dune"`, `the has operator ':' is supported only as title:* (is the field set)`},
		{`count:*`, `count:* tests whether a field is set, but count is always set`},
		{`title = "nul\x00"`, `string values may not contain NUL characters`},
		{"title = \"nul\x00\"", `string values may not contain NUL characters`},
		{"title = \"\xff\"", `not valid UTF-8`},
		{`count = ١`, `unexpected word "١": count takes an integer`},
		{`count = 1١`, `column 9: invalid number "1١"`},
		{`count = 5x1F`, `column 9: invalid number "5x1F"`},
		{`count = 0x`, `column 9: invalid number "0x"`},
		{`count = 0xg`, `column 9: invalid number "0x"`},
	}
	for _, tc := range cases {
		_, err := ParseFilter(testTable(Postgres), tc.filter)
		if err == nil {
			t.Errorf("ParseFilter(%q) succeeded, want error %q", tc.filter, tc.want)
			continue
		}
		e := asError(t, err, "filter")
		if !strings.Contains(e.Error(), tc.want) || !strings.HasPrefix(e.Error(), "filter: ") {
			t.Errorf("ParseFilter(%q) error\n got %q\nwant it to contain %q", tc.filter, e.Error(), tc.want)
		}
	}
}

func TestParseFilterLimits(t *testing.T) {
	tb := testTable(SQLite)
	// A long but valid filter of exactly MaxFilterLength bytes.
	long := "count = 1" + strings.Repeat(" ", MaxFilterLength-len("count = 1"))
	if _, err := ParseFilter(tb, long); err != nil {
		t.Errorf("filter of %d bytes: %v", len(long), err)
	}
	_, err := ParseFilter(tb, long+" ")
	if e := asError(t, err, "filter"); e.Msg != "longer than 4096 bytes" {
		t.Errorf("got %q", e.Msg)
	}
	nested := func(n int) string { return strings.Repeat("(", n) + "count = 1" + strings.Repeat(")", n) }
	if _, err := ParseFilter(tb, nested(MaxFilterDepth)); err != nil {
		t.Errorf("depth %d: %v", MaxFilterDepth, err)
	}
	_, err = ParseFilter(tb, nested(MaxFilterDepth+1))
	if e := asError(t, err, "filter"); e.Msg != "column 33: parentheses nested deeper than 32" {
		t.Errorf("got %q", e.Msg)
	}
	// A long flat chain is fine.
	chain := "count = 1" + strings.Repeat(" OR count = 1", 300)
	c, err := ParseFilter(tb, chain)
	if err != nil || len(c.Args) != 301 {
		t.Fatalf("chain: %v, %d args", err, len(c.Args))
	}
	checkOnlyPlaceholders(t, tb, c)
	// Wildcards, each a pass over the compared string, are counted over
	// the whole filter; escaped stars and bare ids are none.
	for _, d := range dialects {
		tb := testTable(d)
		at := `title = "` + strings.Repeat("a*", MaxFilterWildcards/2) + `b" OR title = "` + strings.Repeat(`*\*`, MaxFilterWildcards/2) + `"`
		if _, err := ParseFilter(tb, at); err != nil {
			t.Errorf("%s: %d wildcards: %v", d, MaxFilterWildcards, err)
		}
		_, err := ParseFilter(tb, at+` OR title != "x*"`)
		if e := asError(t, err, "filter"); e.Msg != "33 wildcards (*) in its strings, more than 32" {
			t.Errorf("%s: got %q", d, e.Msg)
		}
	}
}

func TestParseFilterBadTable(t *testing.T) {
	for name, tb := range map[string]*Table{
		"nil":       nil,
		"dialect":   {Dialect: "oracle"},
		"no path":   {Dialect: SQLite, Columns: []Column{{Name: "x"}}},
		"no name":   {Dialect: SQLite, Columns: []Column{{Path: "x"}}},
		"duplicate": {Dialect: SQLite, Columns: []Column{{Path: "x", Name: "x"}, {Path: "x", Name: "y"}}},
		"no enum":   {Dialect: SQLite, Columns: []Column{{Path: "x", Name: "x", Kind: KindEnum}}},
		"kind":      {Dialect: SQLite, Columns: []Column{{Path: "x", Name: "x", Kind: Kind(99)}}},
	} {
		_, err := ParseFilter(tb, "x = 1")
		var e *Error
		if err == nil || errorsAs(err, &e) {
			t.Errorf("%s: got %v, want an error that is not *Error", name, err)
		}
	}
}

// TestParseFilterQuoting checks column names are quoted with their quote
// characters doubled.
func TestParseFilterQuoting(t *testing.T) {
	for d, want := range map[Dialect]string{
		Postgres: `"we""ird` + "`" + `" = ?`,
		SQLite:   `"we""ird` + "`" + `" = ?`,
		MySQL:    "`we\"ird``` = ?",
	} {
		tb := &Table{Dialect: d, Columns: []Column{{Path: "w", Name: "we\"ird`", Kind: KindString}}}
		c, err := ParseFilter(tb, `w = "x"`)
		if err != nil || c.SQL != want {
			t.Errorf("%s: got %q, %v; want %q", d, c.SQL, err, want)
		}
	}
}

// TestParseFilterDeclarationsPerSchema checks tables with the same paths
// but other kinds do not share type-checking declarations.
func TestParseFilterDeclarationsPerSchema(t *testing.T) {
	a := &Table{Dialect: SQLite, Columns: []Column{{Path: "x", Name: "x", Kind: KindInt}}}
	b := &Table{Dialect: SQLite, Columns: []Column{{Path: "x", Name: "x", Kind: KindString}}}
	for i := 0; i < 2; i++ {
		if _, err := ParseFilter(a, `x = 1`); err != nil {
			t.Fatal(err)
		}
		if _, err := ParseFilter(b, `x = "1"`); err != nil {
			t.Fatal(err)
		}
	}
	// Declarations that collide (an enum value named like a field) leave
	// the column rules to decide alone.
	c := &Table{Dialect: SQLite, Columns: []Column{
		{Path: "BOOK_STATE_DRAFT", Name: "d", Kind: KindBool},
		{Path: "state", Name: "s", Kind: KindEnum, Enum: bookState},
	}}
	got, err := ParseFilter(c, `state = BOOK_STATE_DRAFT AND BOOK_STATE_DRAFT`)
	if err != nil || got.SQL != `("s" = ? AND "d" = ?)` {
		t.Errorf("got %q, %v", got.SQL, err)
	}
}

func BenchmarkParseFilter(b *testing.B) {
	tb := testTable(Postgres)
	for i := 0; i < b.N; i++ {
		if _, err := ParseFilter(tb, `title = "Dune*" AND serial > 9223372036854775807 OR state = BOOK_STATE_DRAFT`); err != nil {
			b.Fatal(err)
		}
	}
}

// TestParseFilterConcurrent parses on many goroutines, which share cached
// declarations.
func TestParseFilterConcurrent(t *testing.T) {
	done := make(chan error)
	for g := 0; g < 8; g++ {
		go func() {
			var err error
			for i := 0; i < 50 && err == nil; i++ {
				_, err = ParseFilter(testTable(dialects[i%3]), `state = BOOK_STATE_DRAFT AND title = "x*" AND serial > 18446744073709551614`)
			}
			done <- err
		}()
	}
	for g := 0; g < 8; g++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}

// TestMapKeyNUL: a map key holding NUL is refused as a string value
// holding one is (PostgreSQL could not compare it).
func TestMapKeyNUL(t *testing.T) {
	for _, d := range dialects {
		for _, f := range []string{"metadata.`a\x00` = \"v\"", "metadata.`a\x00`:*", "metadata.`\x00` != \"v\""} {
			_, err := ParseFilter(collectionTable(d), f)
			if err == nil || !strings.Contains(err.Error(), "map keys may not contain NUL characters") {
				t.Errorf("%s %q: %v", d, f, err)
			}
		}
	}
}

// TestMySQLPrefixRange: on MySQL a wildcard pattern's literal prefix is
// read as its exact range of code points, the LIKE through CONCAT (no
// range of MariaDB's own, which ends at U+FFFF), unless the column has a
// collation of its own, whose order is not by code point; the range ends
// after the prefix's last character that is not the last code point.
func TestMySQLPrefixRange(t *testing.T) {
	for _, tc := range []struct {
		collated bool
		filter   string
		sql      string
		args     []any
	}{
		{false, `s = "q*"`, "(`s` >= ? AND `s` < ? AND CONCAT(`s`) LIKE ? ESCAPE '!')", []any{"q", "r", "q%"}},
		{false, `s = "q\U0010ffff*"`, "(`s` >= ? AND `s` < ? AND CONCAT(`s`) LIKE ? ESCAPE '!')", []any{"q\U0010ffff", "r", "q\U0010ffff%"}},
		{false, `s = "\U0010ffff*"`, "(`s` >= ? AND CONCAT(`s`) LIKE ? ESCAPE '!')", []any{"\U0010ffff", "\U0010ffff%"}},
		{false, `s = "a\ud7ff*"`, "(`s` >= ? AND `s` < ? AND CONCAT(`s`) LIKE ? ESCAPE '!')", []any{"a\ud7ff", "a\ue000", "a\ud7ff%"}},
		{false, `s = "*q"`, "`s` LIKE ? ESCAPE '!'", []any{"%q"}},
		{false, `s != "q*"`, "CONCAT(`s`) NOT LIKE ? ESCAPE '!'", []any{"q%"}},
		{true, `s = "q*"`, "CONCAT(`s`) LIKE ? ESCAPE '!'", []any{"q%"}},
	} {
		tb := &Table{Dialect: MySQL, Columns: []Column{{Path: "s", Name: "s", Kind: KindString, Collated: tc.collated}}}
		c, err := ParseFilter(tb, tc.filter)
		if err != nil {
			t.Fatalf("%s: %v", tc.filter, err)
		}
		if c.SQL != tc.sql || fmt.Sprint(c.Args) != fmt.Sprint(tc.args) {
			t.Errorf("%s (collated %v):\n got %s %q\nwant %s %q", tc.filter, tc.collated, c.SQL, c.Args, tc.sql, tc.args)
		}
	}
}

// TestInputOnlyRefused: a filter or order_by naming a path the table's
// InputOnly reports (an INPUT_ONLY field, or one inside it) is refused
// saying so, at its position; other unknown fields keep their message.
func TestInputOnlyRefused(t *testing.T) {
	tbl := testTable(Postgres)
	tbl.InputOnly = func(path string) bool { return path == "secret" || strings.HasPrefix(path, "secret.") }
	for filter, want := range map[string]string{
		`secret = "x"`:               `filter: column 1: field "secret" is INPUT_ONLY: no answer tells its value`,
		`count = 1 AND secret.a = 2`: `filter: column 15: field "secret.a" is INPUT_ONLY`,
		`colour = "red"`:             `filter: column 1: unknown field "colour"`,
	} {
		_, err := ParseFilter(tbl, filter)
		if e := asError(t, err, "filter"); !strings.Contains(e.Error(), want) {
			t.Errorf("ParseFilter(%q) error\n got %q\nwant it to contain %q", filter, e.Error(), want)
		}
	}
	for orderBy, want := range map[string]string{
		"title, secret desc": `order_by: field "secret" is INPUT_ONLY: no answer tells its value, so no filter or order_by names it (AIP-203)`,
		"colour":             `order_by: unknown field "colour"`,
	} {
		_, err := ParseOrderBy(tbl, orderBy)
		if e := asError(t, err, "order_by"); !strings.Contains(e.Error(), want) {
			t.Errorf("ParseOrderBy(%q) error\n got %q\nwant it to contain %q", orderBy, e.Error(), want)
		}
	}
}
