package query

import (
	"reflect"
	"strings"
	"testing"
)

// traversalTable is collectionTable with values inside lists and maps
// stored as JSON (Column.JSON's Each and Entry): lists of integers,
// uint64s, bools and enums; a list of messages with a list inside; maps
// of integers keyed by strings, of strings keyed by integers, of bools
// keyed by bools, and of messages; a list inside a message.
func traversalTable(d Dialect) *Table {
	t := collectionTable(d)
	t.Columns = append(t.Columns, traversalColumns()...)
	return t
}

func traversalColumns() []Column {
	str := []Kind{KindString}
	return []Column{
		{Path: "levels", Name: "levels", Kind: KindInt, JSON: []string{Each}},
		{Path: "sums", Name: "sums", Kind: KindUint64, JSON: []string{Each}},
		{Path: "flags", Name: "flags", Kind: KindBool, JSON: []string{Each}},
		{Path: "phases", Name: "phases", Kind: KindEnumName, Enum: bookState, JSON: []string{Each}},
		{Path: "events", Name: "events", Kind: KindString, Presence: true, JSON: []string{Each}},
		{Path: "events.attribute", Name: "events", Kind: KindString, JSON: []string{Each, "attribute"}},
		{Path: "events.count", Name: "events", Kind: KindInt, JSON: []string{Each, "count"}, Zero: "0"},
		{Path: "events.phase", Name: "events", Kind: KindEnumName, Enum: bookState, JSON: []string{Each, "phase"}, Zero: "BOOK_STATE_UNSPECIFIED"},
		{Path: "events.where", Name: "events", Kind: KindString, Presence: true, JSON: []string{Each, "where"}},
		{Path: "events.where.codes", Name: "events", Kind: KindInt, JSON: []string{Each, "where", "codes", Each}},
		{Path: "counts", Name: "counts", Kind: KindInt, JSON: []string{Entry}, MapKeys: str},
		{Path: "names", Name: "names", Kind: KindString, JSON: []string{Entry}, MapKeys: []Kind{KindInt}},
		{Path: "by_flag", Name: "by_flag", Kind: KindBool, JSON: []string{Entry}, MapKeys: []Kind{KindBool}},
		{Path: "sizes", Name: "sizes", Kind: KindUint64, JSON: []string{Entry}, MapKeys: []Kind{KindUint64}},
		{Path: "by_source", Name: "by_source", Kind: KindString, Presence: true, JSON: []string{Entry}, MapKeys: str},
		{Path: "by_source.{}.count", Name: "by_source", Kind: KindInt, JSON: []string{Entry, "count"}, MapKeys: str},
		{Path: "by_source.{}.marks", Name: "by_source", Kind: KindInt, JSON: []string{Entry, "marks", Entry}, MapKeys: []Kind{KindString, KindString}},
		{Path: "spec", Name: "spec", Kind: KindString, Presence: true, Nullable: true},
		{Path: "spec.label", Name: "spec", Kind: KindString, JSON: []string{"label"}},
		{Path: "spec.items", Name: "spec", Kind: KindString, Presence: true, JSON: []string{"items", Each}},
		{Path: "spec.items.size", Name: "spec", Kind: KindUint64, JSON: []string{"items", Each, "size"}},
	}
}

// TestTraversalSQL: a path through lists and maps is nested EXISTS, one
// per list or map, with the keys and the value bound.
func TestTraversalSQL(t *testing.T) {
	for _, tc := range []struct {
		d      Dialect
		filter string
		sql    string
		args   []any
	}{
		// A list's element: containment, as a number or as the string
		// protojson writes for a 64-bit integer.
		{Postgres, `levels:42`, `("qt_rows"."levels" @> jsonb_build_array(CAST(? AS numeric)) OR "qt_rows"."levels" @> jsonb_build_array(CAST(? AS text)))`, []any{"42", "42"}},
		{Postgres, `sums:18446744073709551615`, `("qt_rows"."sums" @> jsonb_build_array(CAST(? AS numeric)) OR "qt_rows"."sums" @> jsonb_build_array(CAST(? AS text)))`, []any{"18446744073709551615", "18446744073709551615"}},
		{Postgres, `flags:true`, `"qt_rows"."flags" @> jsonb_build_array(CAST(? AS boolean))`, []any{true}},
		{Postgres, `phases:BOOK_STATE_DRAFT`, `"qt_rows"."phases" @> jsonb_build_array(CAST(? AS text))`, []any{"BOOK_STATE_DRAFT"}},
		{Postgres, `NOT flags:true`, `NOT ("qt_rows"."flags" @> jsonb_build_array(CAST(? AS boolean)))`, []any{true}},
		{Postgres, `events.attribute:"a"`, `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof("qt_rows"."events") = 'array' THEN "qt_rows"."events" END) AS pf_j1(v) WHERE (COALESCE((pf_j1.v #>> '{"attribute"}'), '') COLLATE "C") = ?)`, []any{"a"}},
		// A map's entry at a key is looked up, there or not.
		{Postgres, `counts.hits > 5`, `(("qt_rows"."counts" -> CAST(? AS text)) IS NOT NULL AND COALESCE(CAST((("qt_rows"."counts" -> CAST(? AS text)) #>> '{}') AS BIGINT), 0) > CAST(? AS BIGINT))`, []any{"hits", "hits", int64(5)}},
		{Postgres, `by_source.gcs.marks.x != 1`, `NOT (("qt_rows"."by_source" -> CAST(? AS text)) IS NOT NULL AND ((("qt_rows"."by_source" -> CAST(? AS text)) #> '{"marks"}') -> CAST(? AS text)) IS NOT NULL AND ` +
			`COALESCE(CAST((((("qt_rows"."by_source" -> CAST(? AS text)) #> '{"marks"}') -> CAST(? AS text)) #>> '{}') AS BIGINT), 0) = CAST(? AS BIGINT))`, []any{"gcs", "gcs", "x", "gcs", "x", int64(1)}},
		{Postgres, `counts:*`, `EXISTS (SELECT 1 FROM jsonb_each(CASE WHEN jsonb_typeof("qt_rows"."counts") = 'object' THEN "qt_rows"."counts" END) AS pf_j1(k, v) WHERE (pf_j1.v #> '{}') IS NOT NULL)`, nil},
		// Lists in a row are one set of values.
		{Postgres, `events.where.codes:7`, `EXISTS (SELECT 1 FROM jsonb_path_query("qt_rows"."events", 'lax $[*]."where"."codes"[*]') AS pf_j1(v) WHERE COALESCE(CAST((pf_j1.v #>> '{}') AS BIGINT), 0) = CAST(? AS BIGINT))`, []any{int64(7)}},
		{Postgres, `spec.items.size:18446744073709551615`, `EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(("qt_rows"."spec" #> '{"items"}')) = 'array' THEN ("qt_rows"."spec" #> '{"items"}') END) AS pf_j1(v) WHERE COALESCE(CAST((pf_j1.v #>> '{"size"}') AS NUMERIC), 0) = ?)`, []any{"18446744073709551615"}},
		{MySQL, `events.attribute:"a"`, "EXISTS (SELECT 1 FROM JSON_TABLE(`qt_rows`.`events`, '$[*]' COLUMNS (v JSON PATH '$')) AS pf_j1 WHERE CAST(COALESCE(JSON_UNQUOTE(JSON_EXTRACT(pf_j1.v, '$.attribute')), '') AS BINARY) = CAST(? AS BINARY))", []any{"a"}},
		{MySQL, `by_source.gcs.marks.x:*`, "EXISTS (SELECT 1 FROM JSON_TABLE(JSON_KEYS(`qt_rows`.`by_source`), '$[*]' COLUMNS (s LONGTEXT CHARACTER SET utf8mb4 PATH '$', p JSON PATH '$')) AS pf_j1 WHERE CAST(pf_j1.s AS BINARY) = CAST(? AS BINARY) AND " +
			"EXISTS (SELECT 1 FROM JSON_TABLE(JSON_KEYS(JSON_EXTRACT(`qt_rows`.`by_source`, CONCAT('$.', pf_j1.p)), '$.marks'), '$[*]' COLUMNS (s LONGTEXT CHARACTER SET utf8mb4 PATH '$', p JSON PATH '$')) AS pf_j2 WHERE CAST(pf_j2.s AS BINARY) = CAST(? AS BINARY) AND 1 = 1))", []any{"gcs", "x"}},
		// A string after : may go unquoted, as AIP-160's m:foo.
		{SQLite, `events.attribute:type`, `EXISTS (SELECT 1 FROM json_each("qt_rows"."events", '$') AS pf_j1 WHERE COALESCE(json_extract(pf_j1.value, '$.attribute'), '') = ?)`, []any{"type"}},
		{SQLite, `spec.label:x`, `COALESCE(json_extract("spec", '$.label'), '') = ?`, []any{"x"}},
		// In a message, AIP-160's m.foo:42 is m.foo = 42.
		{SQLite, `spec.label:"x"`, `COALESCE(json_extract("spec", '$.label'), '') = ?`, []any{"x"}},
		{SQLite, `names:-5`, `EXISTS (SELECT 1 FROM json_each("qt_rows"."names", '$') AS pf_j1 WHERE pf_j1.key = ? AND pf_j1.type IS NOT NULL)`, []any{"-5"}},
		{SQLite, `sums:5`, `EXISTS (SELECT 1 FROM json_each("qt_rows"."sums", '$') AS pf_j1 WHERE substr('00000000000000000000' || COALESCE(pf_j1.value, '0'), -20) = ?)`, []any{"00000000000000000005"}},
		{SQLite, `counts.hits != 5`, `NOT EXISTS (SELECT 1 FROM json_each("qt_rows"."counts", '$') AS pf_j1 WHERE pf_j1.key = ? AND COALESCE(CAST(pf_j1.value AS INTEGER), 0) = ?)`, []any{"hits", int64(5)}},
		{SQLite, `names.05 = "five" AND levels:1`, `(EXISTS (SELECT 1 FROM json_each("qt_rows"."names", '$') AS pf_j1 WHERE pf_j1.key = ? AND COALESCE(pf_j1.value, '') = ?) AND EXISTS (SELECT 1 FROM json_each("qt_rows"."levels", '$') AS pf_j2 WHERE COALESCE(CAST(pf_j2.value AS INTEGER), 0) = ?))`, []any{"5", "five", int64(1)}},
	} {
		c, err := ParseFilter(traversalTable(tc.d), tc.filter)
		if err != nil {
			t.Errorf("%s %s: %v", tc.d, tc.filter, err)
			continue
		}
		if c.SQL != tc.sql || !reflect.DeepEqual(c.Args, tc.args) {
			t.Errorf("%s %s:\n got %s %#v\nwant %s %#v", tc.d, tc.filter, c.SQL, c.Args, tc.sql, tc.args)
		}
	}
}

// TestTraversalErrors: through a list only the has operator compares
// (AIP-160); a list or map is no condition and no value; a map's key is
// of its kind; strings there take no wildcards; each error says where.
func TestTraversalErrors(t *testing.T) {
	tb := traversalTable(SQLite)
	for filter, want := range map[string]string{
		`levels = 1`:                        `column 10: levels is a list: test for an element with levels:…`,
		`levels != 1`:                       `levels is a list`,
		`events.attribute = "a"`:            `column 20: events.attribute is inside a list: through a list a filter compares only with the has operator, events.attribute:…`,
		`events.count > 1`:                  `events.count is inside a list`,
		`events.where.codes = 1`:            `events.where.codes is a list`,
		`events:"x"`:                        `events is a list of messages: test for an element with events:*, or compare the fields of its elements, e.g. events.field:…`,
		`events.where:1`:                    `events.where is a message`,
		`counts = 1`:                        `counts is a map: test for a key with counts:"…"`,
		`counts:1`:                          `counts`,
		`by_source.gcs = 1`:                 `by_source.gcs is a message`,
		`levels`:                            `field "levels" is not a condition; test for an element, e.g. levels:…`,
		`counts`:                            `field "counts" is not a condition; test for a key`,
		`counts.hits`:                       `field "counts.hits" is not a condition; compare it with a value`,
		`flags`:                             `not a condition`,
		`events.where.codes`:                `not a condition`,
		`levels:"x"`:                        `levels takes an integer, not a string`,
		`levels:1.5`:                        `levels takes an integer, not a decimal number`,
		`levels:99999999999999999999`:       `out of range`,
		`sums:-1`:                           `out of range for sums`,
		`flags:1`:                           `flags takes true or false`,
		`phases:NOPE`:                       `"NOPE" is not a value of enum`,
		`phases:"BOOK_STATE_DRAFT"`:         `enum values are written without quotes`,
		`events.attribute:"a*"`:             `events.attribute takes no wildcards; write \* for a star`,
		`names.x = "a"`:                     `names.x: "x" is not a key of its map, whose keys are integers`,
		`names:"x"`:                         `names has keys that are integers: "x" is not one`,
		`names:x`:                           `names has keys that are integers`,
		`by_flag.maybe = true`:              `whose keys are true or false`,
		`sizes:-1`:                          `out of range`,
		`counts:"a*"`:                       `a key of counts takes no wildcards`,
		`counts.hits = "x"`:                 `counts.hits takes an integer, not a string`,
		`counts.hits > "x"`:                 `counts.hits takes an integer`,
		`events.phase:BOOK_STATE_DRAFT > 1`: `syntax error`,
		`counts:timestamp("2024-01-01T00:00:00Z")`: `the right side of : must be a value`,
		"counts:\"a\x00\"":                         `NUL`,
		`events.nothing:1`:                         `unknown field "events.nothing"`,
		`spec.label:"a*"`:                          `spec.label takes no wildcards after ':'`,
		`spec.label:1`:                             `spec.label takes a quoted string, not an integer`,
		`events.where.nothing:1`:                   `unknown field "events.where.nothing"`,
		`by_source.gcs.nothing = 1`:                `unknown field "by_source.gcs.nothing"`,
	} {
		_, err := ParseFilter(tb, filter)
		if err == nil {
			t.Errorf("%s: no error, want one with %q", filter, want)
			continue
		}
		if e := asError(t, err, "filter"); !strings.Contains(e.Msg, want) {
			t.Errorf("%s: %v, want an error with %q", filter, err, want)
		}
	}
	for _, orderBy := range []string{"levels", "events.attribute", "by_source.{}.count"} {
		if _, err := ParseOrderBy(tb, orderBy); err == nil || !strings.Contains(err.Error(), "inside a list or map, and cannot be ordered by") {
			t.Errorf("order_by %s: %v", orderBy, err)
		}
	}
}

// TestTraversalChecked: a Table whose JSON steps or map keys do not fit
// is refused, as an error of the program.
func TestTraversalChecked(t *testing.T) {
	for _, tc := range []struct {
		c    Column
		from string
		want string
	}{
		{Column{Path: "r", Name: "r", Kind: KindInt, JSON: []string{Each}}, "", "needs Table.From"},
		{Column{Path: "m", Name: "m", Kind: KindInt, JSON: []string{Entry}}, `"t"`, "0 MapKeys for 1 map entries"},
		{Column{Path: "m", Name: "m", Kind: KindInt, JSON: []string{Entry}, MapKeys: []Kind{KindFloat}}, `"t"`, "map key kind float"},
		{Column{Path: "r", Name: "r", Kind: KindFloat, JSON: []string{Each}}, `"t"`, "a value inside JSON"},
		{Column{Path: "r", Name: "r", Kind: KindInt, JSON: []string{"[*]"}}, `"t"`, "is not an identifier"},
		{Column{Path: "r", Name: "r", Kind: KindUint64, JSON: []string{"a"}, Zero: "-1"}, `"t"`, "Zero"},
	} {
		tb := &Table{Dialect: SQLite, From: tc.from, Columns: []Column{tc.c}}
		if _, err := ParseFilter(tb, "x = 1"); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want an error with %q", tc.c, err, tc.want)
		}
	}
}
