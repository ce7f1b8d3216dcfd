package query

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// MaxOrderByLength is the longest order_by ParseOrderBy accepts, in bytes.
const MaxOrderByLength = 1024

// OrderTerm is one term of an ordering.
type OrderTerm struct {
	// Column is the ordered column, an element of the Table's Columns.
	Column *Column
	// Desc reports descending order.
	Desc bool
	// Implied marks a key column the order_by did not name, which
	// ParseOrderBy appended to make the order total.
	Implied bool
}

// ParseOrderBy parses an AIP-132 order_by, such as "title desc,
// create_time", against t: comma-separated field Paths, each optionally
// followed by "desc" (or "asc", the default); spaces around names and
// commas do not matter. The columns of t.Key not already ordered are
// appended in ascending order, so the ordering is total, as keyset
// pagination needs. An empty order_by gives the key. A resource name that
// spans columns (Column.Parts) orders by them in turn, in its direction.
//
// A nullable field orders its NULLs as smaller than any value, on every
// database: first in ascending order, last in descending order.
//
// Unknown fields, lists and maps, fields named twice and malformed terms
// are *Error with Field "order_by". A Table that is not valid gives an
// error that is not an *Error.
func ParseOrderBy(t *Table, orderBy string) ([]OrderTerm, error) {
	if err := t.checkKey(); err != nil {
		return nil, err
	}
	fail := func(format string, args ...any) ([]OrderTerm, error) {
		return nil, &Error{Field: "order_by", Msg: fmt.Sprintf(format, args...)}
	}
	if len(orderBy) > MaxOrderByLength {
		return fail("longer than %d bytes", MaxOrderByLength)
	}
	if !utf8.ValidString(orderBy) {
		return fail("not valid UTF-8")
	}
	var terms []OrderTerm
	seen := make(map[string]bool)
	if strings.TrimSpace(orderBy) != "" {
		for i, raw := range strings.Split(orderBy, ",") {
			words := strings.Fields(raw)
			var desc bool
			switch {
			case len(words) == 1:
			case len(words) == 2 && words[1] == "desc":
				desc = true
			case len(words) == 2 && words[1] == "asc":
			case len(words) == 0:
				return fail("term %d is empty", i+1)
			default:
				return fail("term %d, %s: want a field name, optionally followed by desc", i+1, quoteText(strings.TrimSpace(raw)))
			}
			path := words[0]
			c := t.column(path)
			switch {
			case c == nil && t.inputOnlyError(path) != "":
				return fail("%s", t.inputOnlyError(path))
			case c == nil:
				return fail("unknown field %s (fields: %s)", quoteText(path), t.fieldList(func(c *Column) bool { return !c.Kind.collection() && c.JSON == nil && !c.Presence }))
			case c.Kind.collection():
				return fail("field %s is a %v, and cannot be ordered by", quoteText(path), c.Kind)
			case c.Presence && c.JSON == nil:
				return fail("field %s is a message, and cannot be ordered by", quoteText(path))
			case collectionSteps(c.JSON):
				return fail("%s", traversalError(path))
			case c.JSON != nil:
				return fail("field %s is inside a message stored as JSON, and cannot be ordered by", quoteText(path))
			case seen[path]:
				return fail("field %s is named twice", quoteText(path))
			}
			seen[path] = true
			if c.Parts != nil {
				for _, part := range c.Parts {
					seen[part] = true
					terms = append(terms, OrderTerm{Column: t.keyColumn(part), Desc: desc})
				}
				continue
			}
			terms = append(terms, OrderTerm{Column: c, Desc: desc})
		}
	}
	for _, k := range t.Key {
		if !seen[k] {
			terms = append(terms, OrderTerm{Column: t.keyColumn(k), Implied: true})
		}
	}
	return terms, nil
}

// OrderSQL spells terms as the list after ORDER BY (without the keyword),
// with t's column names quoted for its dialect: `"title" DESC, "id" ASC`.
// NULLs are smaller than any value: MySQL and SQLite order them so, and
// PostgreSQL is told to (NULLS FIRST ascending, NULLS LAST descending).
func OrderSQL(t *Table, terms []OrderTerm) string {
	parts := make([]string, len(terms))
	for i, term := range terms {
		dir := " ASC"
		if term.Desc {
			dir = " DESC"
		}
		if term.Column.Nullable && t.Dialect == Postgres {
			if term.Desc {
				dir += " NULLS LAST"
			} else {
				dir += " NULLS FIRST"
			}
		}
		parts[i] = t.quote(term.Column.Name) + dir
	}
	return strings.Join(parts, ", ")
}

// keyset spells the parts of keyset conditions for terms and their last
// values, NULL included (smaller than any value).
type keyset struct {
	cols, phs []string
	vals      []any
	terms     []OrderTerm
}

// eq is term i equal to its last value, and its arguments.
func (k *keyset) eq(i int) (string, []any) {
	if k.vals[i] == nil && k.terms[i].Column.Nullable {
		return k.cols[i] + " IS NULL", nil
	}
	return k.cols[i] + " = " + k.phs[i], []any{k.vals[i]}
}

// after is term i strictly after its last value, and its arguments; ok is
// false when no value is (descending, after NULL).
func (k *keyset) after(i int) (sql string, args []any, ok bool) {
	term := k.terms[i]
	switch {
	case k.vals[i] == nil && term.Column.Nullable && term.Desc:
		return "", nil, false
	case k.vals[i] == nil && term.Column.Nullable:
		return k.cols[i] + " IS NOT NULL", nil, true
	case term.Desc && term.Column.Nullable:
		return "(" + k.cols[i] + " < " + k.phs[i] + " OR " + k.cols[i] + " IS NULL)", []any{k.vals[i]}, true
	case term.Desc:
		return k.cols[i] + " < " + k.phs[i], []any{k.vals[i]}, true
	}
	return k.cols[i] + " > " + k.phs[i], []any{k.vals[i]}, true
}

// ranges are the conditions of AfterRanges, first term's last, in the
// order their rows come.
func (k *keyset) ranges() []Condition {
	out := make([]Condition, 0, len(k.terms))
	for i := len(k.terms) - 1; i >= 0; i-- {
		gt, gtArgs, ok := k.after(i)
		if !ok {
			continue
		}
		var parts []string
		var args []any
		for j := 0; j < i; j++ {
			sql, a := k.eq(j)
			parts = append(parts, sql)
			args = append(args, a...)
		}
		parts = append(parts, gt)
		args = append(args, gtArgs...)
		out = append(out, Condition{SQL: strings.Join(parts, " AND "), Args: args})
	}
	return out
}

// After returns the keyset condition that selects the rows strictly after
// the row whose ordered values are last, in the order of terms:
//
//	((a > ?) OR (a = ? AND b > ?) OR (a = ? AND b = ? AND c > ?))
//
// with < for descending terms. With more than one term, the condition is
// led by the bound it implies on the first column, (a >= ? AND (…)), so
// that an index on that column serves a deep page by a range scan rather
// than by reading every row before it. last holds one value per term, of the
// column's type as a model or DecodeToken gives it (int64 or any integer,
// ormrt.Uint64 or uint64, float64, string, bool, time.Time, an enum value
// or its name); they are bound as ParseFilter binds literals. A value of
// another type is bound as it is. No terms give the zero Condition.
//
// After panics if len(last) != len(terms).
func After(t *Table, terms []OrderTerm, last []any) Condition {
	if len(last) != len(terms) {
		panic(fmt.Sprintf("query.After: %d values for %d terms", len(last), len(terms)))
	}
	if len(terms) == 0 {
		return Condition{}
	}
	k := newKeyset(t, terms, last)
	ranges := k.ranges()
	if len(ranges) == 0 {
		return Condition{SQL: "1 = 0"} // nothing comes after
	}
	var b strings.Builder
	var args []any
	b.WriteByte('(')
	lead := len(terms) > 1 && !terms[0].Column.Nullable
	if lead {
		op := " >= "
		if terms[0].Desc {
			op = " <= "
		}
		b.WriteString(k.cols[0] + op + k.phs[0] + " AND (")
		args = append(args, k.vals[0])
	}
	// The ranges in the order of the terms: (a > ?) OR (a = ? AND b > ?)…
	for i := len(ranges) - 1; i >= 0; i-- {
		if i < len(ranges)-1 {
			b.WriteString(" OR ")
		}
		b.WriteString("(" + ranges[i].SQL + ")")
		args = append(args, ranges[i].Args...)
	}
	if lead {
		b.WriteByte(')')
	}
	b.WriteByte(')')
	return Condition{SQL: b.String(), Args: args}
}

// newKeyset binds last for terms.
func newKeyset(t *Table, terms []OrderTerm, last []any) *keyset {
	cols, phs, vals := bound(t, terms, last)
	return &keyset{cols: cols, phs: phs, vals: vals, terms: terms}
}

// bound spells the columns of terms, and binds last's values for them.
func bound(t *Table, terms []OrderTerm, last []any) (cols, phs []string, vals []any) {
	cols = make([]string, len(terms))
	phs = make([]string, len(terms))
	vals = make([]any, len(terms))
	for i, term := range terms {
		cols[i] = t.quote(term.Column.Name)
		if last[i] == nil && term.Column.Nullable {
			phs[i] = "NULL" // never bound: keyset spells it IS NULL
			continue
		}
		v, err := normalize(term.Column, last[i])
		if err != nil {
			phs[i], vals[i] = "?", last[i]
			continue
		}
		phs[i], vals[i] = bind(t.Dialect, v)
	}
	return cols, phs, vals
}

// AfterRanges splits the condition After gives into one condition per
// term, each an index range: equal on the terms before it, strictly after
// on its own,
//
//	(a = ? AND b = ? AND c > ?), (a = ? AND b > ?), (a > ?)
//
// (< for descending terms), the rows that come first in the order first.
// Their rows do not overlap and, read in this sequence, follow the order:
// each is what an index on the ordered columns (in their directions, or
// all reversed) reads from one seek, whatever the directions, where
// After's single condition leaves a planner no range past the first
// column. last is as for After; AfterRanges panics if len(last) !=
// len(terms).
func AfterRanges(t *Table, terms []OrderTerm, last []any) []Condition {
	if len(last) != len(terms) {
		panic(fmt.Sprintf("query.AfterRanges: %d values for %d terms", len(last), len(terms)))
	}
	return newKeyset(t, terms, last).ranges()
}

// AfterRow is the condition After gives, as one row-value comparison,
// (a, b, c) > (?, ?, ?) (< when every term descends), which PostgreSQL and
// SQLite read as one index range: for orders whose terms all go one way,
// on those dialects. ok is false otherwise (mixed directions need
// AfterRanges; MySQL and MariaDB do not read such a comparison as a range).
// last is as for After.
func AfterRow(t *Table, terms []OrderTerm, last []any) (c Condition, ok bool) {
	if len(last) != len(terms) || len(terms) < 2 || t.Dialect == MySQL {
		return Condition{}, false
	}
	for _, term := range terms {
		if term.Desc != terms[0].Desc || term.Column.Nullable {
			return Condition{}, false // a row value does not order NULLs
		}
	}
	cols, phs, vals := bound(t, terms, last)
	op := " > "
	if terms[0].Desc {
		op = " < "
	}
	return Condition{SQL: "(" + strings.Join(cols, ", ") + ")" + op + "(" + strings.Join(phs, ", ") + ")", Args: vals}, true
}
