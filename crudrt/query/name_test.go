package query

import (
	"reflect"
	"strings"
	"testing"
)

// nameTable is the table of books named publishers/{publisher}/books/{book}:
// the name spans the two key columns.
func nameTable(d Dialect) *Table {
	return &Table{
		Dialect: d,
		Columns: []Column{
			{Path: "title", Name: "title", Kind: KindString},
			{Path: "name:publisher", Name: "publisher", Kind: KindString, KeyOnly: true},
			{Path: "name:book", Name: "book", Kind: KindString, KeyOnly: true},
			{Path: "name", Name: "book", Kind: KindString, Parts: []string{"name:publisher", "name:book"}, Pattern: "publishers/{publisher}/books/{book}"},
		},
		Key: []string{"name:publisher", "name:book"},
	}
}

// TestOrderByNameParts: a name that spans columns orders by them in
// turn, in its direction, and the key is then complete.
func TestOrderByNameParts(t *testing.T) {
	tb := nameTable(SQLite)
	for in, want := range map[string]string{
		"":                "name:publisher, name:book",
		"name":            "name:publisher, name:book",
		"name desc":       "name:publisher desc, name:book desc",
		"title, name":     "title, name:publisher, name:book",
		"title desc":      "title desc, name:publisher, name:book",
		"title name desc": "",
	} {
		terms, err := ParseOrderBy(tb, in)
		if want == "" {
			asError(t, err, "order_by")
			continue
		}
		if err != nil || spell(terms) != want {
			t.Errorf("ParseOrderBy(%q) = %q, %v; want %q", in, spell(terms), err, want)
		}
		for _, term := range terms {
			if term.Implied != ((in == "title desc" || in == "") && term.Column.KeyOnly) {
				t.Errorf("ParseOrderBy(%q): %s Implied = %t", in, term.Column.Path, term.Implied)
			}
		}
	}
	if _, err := ParseOrderBy(tb, "name, name desc"); err == nil || !strings.Contains(err.Error(), `"name" is named twice`) {
		t.Errorf("name twice: %v", err)
	}
	if _, err := ParseOrderBy(tb, "name:book"); err == nil || !strings.Contains(err.Error(), "fields: name, title") {
		t.Errorf("a part by its own path: %v", err)
	}
}

// TestFilterNameParts: a name that spans columns compares id by id, a
// bare * matching any id and an id with wildcards matching as strings do;
// <, <=, > and >= compare the ids in turn, as order_by name sorts; the
// has operator and names of another form are refused, saying what name
// takes.
func TestFilterNameParts(t *testing.T) {
	cases := []struct {
		filter string
		sql    string
		args   []any
	}{
		{`name = "publishers/p1/books/b-2"`, `("publisher" = ? AND "book" = ?)`, []any{"p1", "b-2"}},
		{`name != "publishers/p1/books/b"`, `NOT ("publisher" = ? AND "book" = ?)`, []any{"p1", "b"}},
		{`name = "publishers/*/books/b"`, `("book" = ?)`, []any{"b"}},
		{`name = "publishers/**/books/*"`, `(1 = 1)`, nil},
		{`name != "publishers/*/books/*"`, `NOT (1 = 1)`, nil},
		{`name = "publishers/p\*/books/b"`, `("publisher" = ? AND "book" = ?)`, []any{"p*", "b"}},
		{`name = "publishers/p1/books/*x" AND title = "t"`, `(("publisher" = ? AND "book" LIKE ? ESCAPE '!') AND "title" = ?)`, []any{"p1", "%x", "t"}},
		// Orderings compare id by id, as order_by name sorts: a publisher
		// "p1-a" follows "p1" however "-" and "/" compare as text.
		{`name > "publishers/p1/books/b"`, `("publisher" > ? OR ("publisher" = ? AND "book" > ?))`, []any{"p1", "p1", "b"}},
		{`name >= "publishers/p1/books/b"`, `("publisher" > ? OR ("publisher" = ? AND "book" >= ?))`, []any{"p1", "p1", "b"}},
		{`name < "publishers/p1/books/b"`, `("publisher" < ? OR ("publisher" = ? AND "book" < ?))`, []any{"p1", "p1", "b"}},
		{`name <= "publishers/p*/books/b" OR title = "t"`, `(("publisher" < ? OR ("publisher" = ? AND "book" <= ?)) OR "title" = ?)`, []any{"p*", "p*", "b", "t"}},
	}
	for _, tc := range cases {
		c, err := ParseFilter(nameTable(Postgres), tc.filter)
		if err != nil {
			t.Errorf("%s: %v", tc.filter, err)
			continue
		}
		if c.SQL != tc.sql || !reflect.DeepEqual(c.Args, tc.args) {
			t.Errorf("%s:\n got %s %v\nwant %s %v", tc.filter, c.SQL, c.Args, tc.sql, tc.args)
		}
	}
	for filter, want := range map[string]string{
		`name:"publishers/p/books/b"`:    "name is a resource name, publishers/{publisher}/books/{book}: it compares only with = and != (a whole name, * for any id) and with <, <=, > and >= (a whole name)",
		`name > "publishers/p"`:          "is not one",
		`name > "publishers//books/b"`:   "is not one",
		`name <= "books/b"`:              "is not one",
		`name >= 5`:                      "compare it with a quoted name",
		`name:*`:                         "compares only with = and !=",
		`name = "books/b"`:               `name holds resource names of the form publishers/{publisher}/books/{book} (* for any id): "books/b" is not one`,
		`name = "publishers/p"`:          "is not one",
		`name = "publishers/p/books/b/"`: "is not one",
		`name = "publishers//books/b"`:   "is not one",
		`name = "publishers/p/bo*/b"`:    "is not one",
		`name = "publishers/p/books*b"`:  "is not one",
		`name = "/publishers/p/books/b"`: "is not one",
		`name = 5`:                       "compare it with a quoted name",
		`name = x`:                       "compare it with a quoted name",
		`name = title`:                   "compare it with a quoted name",
		`name`:                           "is not a condition",
		`name:book = "b"`:                "syntax error",
	} {
		_, err := ParseFilter(nameTable(SQLite), filter)
		if err == nil {
			t.Errorf("%s: no error", filter)
			continue
		}
		if e := asError(t, err, "filter"); !strings.Contains(e.Msg, want) {
			t.Errorf("%s:\n got %q\nwant it to contain %q", filter, e.Msg, want)
		}
	}
}

// TestNamePartsCheck: a name column must span KeyOnly string columns, one
// per variable of its pattern.
func TestNamePartsCheck(t *testing.T) {
	for name, edit := range map[string]func(*Table){
		"too few parts":     func(tb *Table) { tb.Columns[3].Parts = tb.Columns[3].Parts[:1] },
		"unknown part":      func(tb *Table) { tb.Columns[3].Parts[1] = "nope" },
		"part not keyed":    func(tb *Table) { tb.Columns[3].Parts[1] = "title" },
		"nullable":          func(tb *Table) { tb.Columns[3].Nullable = true },
		"pattern of one":    func(tb *Table) { tb.Columns[3].Pattern, tb.Columns[3].Parts = "books/{book}", []string{"name:book"} },
		"not a string":      func(tb *Table) { tb.Columns[3].Kind = KindInt },
		"pattern, no parts": func(tb *Table) { tb.Columns[3].Parts = nil },
	} {
		tb := nameTable(MySQL)
		edit(tb)
		_, err := ParseFilter(tb, `title = "x"`)
		var e *Error
		if err == nil || errorsAs(err, &e) {
			t.Errorf("%s: got %v, want an error that is not *Error", name, err)
		}
	}
}
