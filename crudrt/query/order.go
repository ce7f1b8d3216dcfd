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
}

// ParseOrderBy parses an AIP-132 order_by, such as "title desc,
// create_time", against t: comma-separated field Paths, each optionally
// followed by "desc" (or "asc", the default); spaces around names and
// commas do not matter. The columns of t.Key not already ordered are
// appended in ascending order, so the ordering is total, as keyset
// pagination needs. An empty order_by gives the key.
//
// Unknown fields, nullable fields (NULLs sort first on some databases and
// last on others, and no keyset condition compares them portably), fields
// named twice and malformed terms are *Error with Field "order_by". A
// Table that is not valid gives an error that is not an *Error.
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
			case c == nil:
				return fail("unknown field %s (fields: %s)", quoteText(path), t.fieldList(func(c *Column) bool { return !c.Nullable && !c.Kind.collection() }))
			case c.Nullable:
				return fail("field %s may be unset, and cannot be ordered by", quoteText(path))
			case c.Kind.collection():
				return fail("field %s is a %v, and cannot be ordered by", quoteText(path), c.Kind)
			case seen[path]:
				return fail("field %s is named twice", quoteText(path))
			}
			seen[path] = true
			terms = append(terms, OrderTerm{Column: c, Desc: desc})
		}
	}
	for _, k := range t.Key {
		if !seen[k] {
			terms = append(terms, OrderTerm{Column: t.keyColumn(k)})
		}
	}
	return terms, nil
}

// OrderSQL spells terms as the list after ORDER BY (without the keyword),
// with t's column names quoted for its dialect: `"title" DESC, "id" ASC`.
func OrderSQL(t *Table, terms []OrderTerm) string {
	parts := make([]string, len(terms))
	for i, term := range terms {
		dir := " ASC"
		if term.Desc {
			dir = " DESC"
		}
		parts[i] = t.quote(term.Column.Name) + dir
	}
	return strings.Join(parts, ", ")
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
	cols, phs, vals := bound(t, terms, last)
	var b strings.Builder
	var args []any
	b.WriteByte('(')
	if len(terms) > 1 {
		op := " >= "
		if terms[0].Desc {
			op = " <= "
		}
		b.WriteString(cols[0] + op + phs[0] + " AND (")
		args = append(args, vals[0])
	}
	for i, term := range terms {
		if i > 0 {
			b.WriteString(" OR ")
		}
		b.WriteByte('(')
		for j := 0; j < i; j++ {
			b.WriteString(cols[j] + " = " + phs[j] + " AND ")
			args = append(args, vals[j])
		}
		op := " > "
		if term.Desc {
			op = " < "
		}
		b.WriteString(cols[i] + op + phs[i])
		args = append(args, vals[i])
		b.WriteByte(')')
	}
	if len(terms) > 1 {
		b.WriteByte(')')
	}
	b.WriteByte(')')
	return Condition{SQL: b.String(), Args: args}
}

// bound spells the columns of terms, and binds last's values for them.
func bound(t *Table, terms []OrderTerm, last []any) (cols, phs []string, vals []any) {
	cols = make([]string, len(terms))
	phs = make([]string, len(terms))
	vals = make([]any, len(terms))
	for i, term := range terms {
		cols[i] = t.quote(term.Column.Name)
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
	cols, phs, vals := bound(t, terms, last)
	out := make([]Condition, 0, len(terms))
	for i := len(terms) - 1; i >= 0; i-- {
		var parts []string
		var args []any
		for j := 0; j < i; j++ {
			parts = append(parts, cols[j]+" = "+phs[j])
			args = append(args, vals[j])
		}
		op := " > "
		if terms[i].Desc {
			op = " < "
		}
		parts = append(parts, cols[i]+op+phs[i])
		args = append(args, vals[i])
		out = append(out, Condition{SQL: strings.Join(parts, " AND "), Args: args})
	}
	return out
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
	for _, term := range terms[1:] {
		if term.Desc != terms[0].Desc {
			return Condition{}, false
		}
	}
	cols, phs, vals := bound(t, terms, last)
	op := " > "
	if terms[0].Desc {
		op = " < "
	}
	return Condition{SQL: "(" + strings.Join(cols, ", ") + ")" + op + "(" + strings.Join(phs, ", ") + ")", Args: vals}, true
}
