package migrate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/protoforge/protoforge/internal/gen/sqlschema"
	"github.com/protoforge/protoforge/ormrt"
)

// backfill is a google.api.resource_reference whose key columns a
// migration adds to a table whose rows already hold names: the names are
// read into the key columns before the foreign key is added, so that
// rows written before are held by it too. That is so of a reference that
// is new, and of one whose resource gains a pattern (AIP-123), and with
// it a variable: the rows' names fill the new column ("" where their
// pattern lacks it) with the others, which they held already.
type backfill struct {
	table *sqlschema.Table // the new table
	fk    *sqlschema.ForeignKey
}

// backfills finds the references of nt with key columns that are new
// while their name column was there before (in ot, the old table with
// renames applied).
func backfills(ot, nt *sqlschema.Table) []backfill {
	var out []backfill
	for _, fk := range nt.ForeignKeys {
		if fk.IDOf != "" {
			// A parent type's id, which the key column held before.
			if id := fk.Columns[len(fk.Columns)-1]; ot.Column(id) == nil && ot.Column(fk.IDOf) != nil {
				out = append(out, backfill{nt, fk})
			}
			continue
		}
		if fk.NameColumn == "" || ot.Column(fk.NameColumn) == nil || len(ormrt.PatternVars(fk.NamePattern)) != len(fk.Columns) || len(fk.RefColumns) != len(fk.Columns) {
			continue
		}
		for _, c := range fk.Columns {
			if ot.Column(c) == nil {
				out = append(out, backfill{nt, fk})
				break
			}
		}
	}
	return out
}

// namePositions are the 1-based positions of the variables among the
// segments of an AIP-122 pattern ("shelves/{shelf}/books/{book}": 2, 4).
func namePositions(pattern string) []int {
	var out []int
	for i, seg := range strings.Split(pattern, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, i+1)
		}
	}
	return out
}

// describe is the plan's line for b.
func (b backfill) describe() string {
	if b.fk.IDOf != "" {
		return fmt.Sprintf("~ fill %s.%s from %s, in the rows under a row of %s", b.table.Name, b.fk.Columns[len(b.fk.Columns)-1], b.fk.IDOf, b.fk.RefTable)
	}
	return fmt.Sprintf("~ fill %s.%s from the names in %s (%s), where the named row exists", b.table.Name, strings.Join(b.fk.Columns, ", "), b.fk.NameColumn, ormrt.PatternText(b.fk.NamePattern))
}

// sql are the statements that fill b's key columns, in dialect d, from the
// names that have a pattern's form exactly and name a row of the
// referenced table, one a pattern (AIP-123: the columns of the variables
// a name's pattern lacks are ""); other rows keep what they hold (NULL
// but for rows written beside the server), which the foreign key allows.
func (b backfill) sql(d ormrt.Dialect, ref *sqlschema.Table) []string {
	if b.fk.IDOf != "" {
		return []string{b.idSQL(d)}
	}
	vars := ormrt.PatternVars(b.fk.NamePattern)
	var out []string
	for _, alt := range ormrt.Patterns(b.fk.NamePattern) {
		out = append(out, b.sqlOf(d, ref, alt, vars))
	}
	return out
}

// sqlOf is the statement of sql for the names of pattern alt, one of the
// set whose variables are vars.
func (b backfill) sqlOf(d ormrt.Dialect, ref *sqlschema.Table, alt string, vars []string) string {
	q := func(s string) string { return ormrt.QuoteIdent(d, s) }
	src := "t." + q(b.fk.NameColumn)
	segs := strings.Split(alt, "/")
	// seg is the n-th segment of the name, 1-based.
	seg := func(n int) string {
		switch d {
		case ormrt.Postgres:
			return fmt.Sprintf("split_part(%s, '/', %d)", src, n)
		case ormrt.MySQL:
			return fmt.Sprintf("SUBSTRING_INDEX(SUBSTRING_INDEX(%s, '/', %d), '/', -1)", src, n)
		default:
			// SQLite has no split: drop n-1 segments, then cut at the
			// next slash.
			rest := src
			for i := 1; i < n; i++ {
				rest = fmt.Sprintf("substr(%s, instr(%s, '/') + 1)", rest, rest)
			}
			return fmt.Sprintf("substr(%s || '/', 1, instr(%s || '/', '/') - 1)", rest, rest)
		}
	}
	// The name rebuilt from its segments equals the name: it has the
	// pattern's literals and no more segments.
	var parts []string
	for i, s := range segs {
		if i > 0 {
			parts = append(parts, "'/'")
		}
		if strings.HasPrefix(s, "{") {
			parts = append(parts, seg(i+1))
		} else {
			parts = append(parts, "'"+strings.ReplaceAll(s, "'", "''")+"'")
		}
	}
	shape := strings.Join(parts, " || ")
	if d == ormrt.MySQL {
		shape = "CONCAT(" + strings.Join(parts, ", ") + ")"
	}
	text := "TEXT"
	if d == ormrt.MySQL {
		text = "CHAR"
	}
	// The segment of each variable of the set in the names of alt; 0 for
	// those alt lacks, whose columns hold "".
	at := make([]int, len(vars))
	for _, n := range namePositions(alt) {
		if i := slices.Index(vars, strings.Trim(segs[n-1], "{}")); i >= 0 {
			at[i] = n
		}
	}
	var match, set []string
	for i, n := range at {
		rc := "r." + q(b.fk.RefColumns[i])
		if ref == nil || ref.Column(b.fk.RefColumns[i]) == nil || ref.Column(b.fk.RefColumns[i]).Type != "string" {
			rc = "CAST(" + rc + " AS " + text + ")"
		}
		if n == 0 {
			match = append(match, rc+" = ''")
		} else {
			match = append(match, rc+" = "+seg(n))
		}
		col := q(b.fk.Columns[i])
		if d == ormrt.MySQL {
			col = "t." + col
		}
		set = append(set, col+" = r."+q(b.fk.RefColumns[i]))
	}
	where := src + " <> '' AND " + src + " = " + shape
	switch d {
	case ormrt.MySQL:
		return "UPDATE " + q(b.table.Name) + " AS t JOIN " + q(b.fk.RefTable) + " AS r ON " + strings.Join(match, " AND ") +
			" SET " + strings.Join(set, ", ") + " WHERE " + where
	default:
		return "UPDATE " + q(b.table.Name) + " AS t SET " + strings.Join(set, ", ") + " FROM " + q(b.fk.RefTable) + " AS r WHERE " +
			strings.Join(match, " AND ") + " AND " + where
	}
}

// idSQL is the statement that fills the id column of a parent type's
// key (IDOf) from the key column that holds the id, in the rows whose
// parent of that type exists: "" is no id, and a row written beside the
// server that names none is left NULL, which the key allows.
func (b backfill) idSQL(d ormrt.Dialect) string {
	q := func(s string) string { return ormrt.QuoteIdent(d, s) }
	n := len(b.fk.Columns)
	var match []string
	for i, c := range b.fk.Columns[:n-1] {
		match = append(match, "r."+q(b.fk.RefColumns[i])+" = t."+q(c))
	}
	match = append(match, "r."+q(b.fk.RefColumns[n-1])+" = t."+q(b.fk.IDOf))
	return "UPDATE " + q(b.table.Name) + " AS t SET " + q(b.fk.Columns[n-1]) + " = t." + q(b.fk.IDOf) + " WHERE t." + q(b.fk.IDOf) + " <> '' AND EXISTS (SELECT 1 FROM " +
		q(b.fk.RefTable) + " AS r WHERE " + strings.Join(match, " AND ") + ")"
}

// withoutBackfilledKeys is s without the foreign keys of bs: the schema
// between adding their columns and filling them.
func withoutBackfilledKeys(s *sqlschema.Snapshot, bs []backfill) *sqlschema.Snapshot {
	out := clone(s)
	for _, b := range bs {
		t := out.Table(b.table.Name)
		for i, fk := range t.ForeignKeys {
			if fk.Name == b.fk.Name {
				t.ForeignKeys = append(t.ForeignKeys[:i:i], t.ForeignKeys[i+1:]...)
				break
			}
		}
	}
	return out
}
