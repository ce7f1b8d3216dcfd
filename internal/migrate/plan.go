// Package migrate writes versioned, reversible migrations from the schema
// snapshots that protoc-gen-orm emits: `protoc-gen-orm migrate diff` and
// `migrate check`.
//
// The decisions that need the proto are made here, on snapshots: field
// numbers identify columns (a new name with the same number is a rename),
// renamed_from or the message name identifies tables, drops need a
// reserved number or --allow-drop, narrowing needs --force. Atlas then
// plans the remaining changes per dialect, up from the previous schema and
// down from the reverse diff.
package migrate

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"

	"github.com/protoforge/protoforge/internal/gen/sqlschema"
	"github.com/protoforge/protoforge/ormrt"
)

// Change is one line of the readable plan.
type Change struct {
	// Text is the line, e.g. "+ column books.rank bigint NOT NULL DEFAULT 0".
	Text string
	// Destructive marks changes that can lose data.
	Destructive bool
	// FailsIf, when set, is what makes the change fail on the rows a
	// table already holds (a unique index on duplicates): the schema
	// cannot tell, only the data can.
	FailsIf string
}

// Options are the flags of `migrate diff`.
type Options struct {
	// AllowDrop permits dropping columns and tables not reserved.
	AllowDrop bool
	// Force permits narrowing changes.
	Force bool
}

// plan is the comparison of two snapshots.
type plan struct {
	old, new *sqlschema.Snapshot
	// renamedOld is old with table and column renames applied, so that
	// Atlas compares like with like.
	renamedOld    *sqlschema.Snapshot
	tableRenames  []rename
	columnRenames []columnRename
	changes       []Change
	refusals      []string
	// collated are the tables whose strings now compare byte by byte
	// (sqlschema.CollationBinary) and did not.
	collated []string
	// backfills are the references whose new key columns are filled from
	// the names already stored.
	backfills []backfill
	// pgCollations are the columns whose PostgreSQL collation changes,
	// which Atlas's differ does not compare.
	pgCollations []pgCollation
	// toUint64 are the integer columns that become uint64, which SQLite
	// stores as 20 zero-padded digits: table and column, new names.
	toUint64 [][2]string
	// toNumber are the string columns (enum names included) that become
	// numbers, and the reverse for down: new names.
	toNumber []numberCopy
	// lowercased are the columns of UUIDs that the server now stores in
	// lowercase (sqlschema.CanonicalLowercase): table and column, new
	// names.
	lowercased [][2]string
}

// pgCollation is a string column whose PostgreSQL collation changes:
// table and column are the new names, from and to the collations (empty
// for the database's default).
type pgCollation struct {
	table, column, typ string
	from, to           string
}

// sql alters the column to collation c.
func (c pgCollation) sql(to string) string {
	coll := `"default"`
	if to != "" {
		coll = ormrt.QuoteIdent(ormrt.Postgres, to)
	}
	return "ALTER TABLE " + ormrt.QuoteIdent(ormrt.Postgres, c.table) + " ALTER COLUMN " + ormrt.QuoteIdent(ormrt.Postgres, c.column) + " TYPE " + c.typ + " COLLATE " + coll
}

type rename struct{ from, to string }

// columnRename is one step of the renames of a table's columns, which
// go one after the other (see orderRenames).
type columnRename struct {
	table    string // the new table name
	from, to string
}

// compare matches old and new by identity and collects refusals.
func compare(old, new *sqlschema.Snapshot, opts Options) *plan {
	p := &plan{old: old, new: new}
	ro := clone(old)
	matched := map[string]*sqlschema.Table{} // new name → old table
	used := map[string]bool{}
	// A table belongs to its message: a message that stays keeps its
	// table, whatever names the tables take; renamed_from, or the name,
	// continues only the table of a message that is gone.
	stays := func(t *sqlschema.Table) bool {
		if t.Message == "" {
			return false
		}
		for _, nt := range new.Tables {
			if nt.Message == t.Message {
				return true
			}
		}
		return false
	}
	var renames []rename
	for _, nt := range new.Tables {
		var ot *sqlschema.Table
		if nt.Message != "" {
			for _, t := range old.Tables {
				if t.Message == nt.Message {
					ot = t
				}
			}
		}
		if ot == nil && nt.RenamedFrom != "" {
			if t := old.Table(nt.RenamedFrom); t != nil && !stays(t) {
				ot = t
			}
		}
		if ot == nil {
			if t := old.Table(nt.Name); t != nil && !stays(t) {
				ot = t
			}
		}
		if ot == nil || used[ot.Name] {
			p.changes = append(p.changes, Change{Text: fmt.Sprintf("+ table %s (%s)", nt.Name, holds(nt))})
			continue
		}
		used[ot.Name] = true
		matched[nt.Name] = ot
		if ot.Name != nt.Name {
			renames = append(renames, rename{ot.Name, nt.Name})
			p.changes = append(p.changes, Change{Text: fmt.Sprintf("~ rename table %s → %s", ot.Name, nt.Name)})
		}
	}
	names, inUse := map[string]bool{}, map[string]bool{}
	for _, t := range old.Tables {
		names[t.Name], inUse[t.Name] = true, true
	}
	for _, t := range new.Tables {
		names[t.Name] = true
	}
	for _, ot := range old.Tables {
		if !used[ot.Name] && new.Table(ot.Name) != nil {
			// A table dropped whose name another table takes: moved
			// aside first, and dropped under that name.
			renames = append(renames, rename{ot.Name, tempName(ot.Name, names)})
		}
	}
	p.tableRenames = orderRenames(renames, inUse, names)
	for _, r := range p.tableRenames {
		renameTable(ro, r.from, r.to)
	}
	for _, ot := range old.Tables {
		if used[ot.Name] {
			continue
		}
		p.changes = append(p.changes, Change{Text: fmt.Sprintf("- table %s (%s)", ot.Name, holds(ot)), Destructive: true})
		switch {
		case opts.AllowDrop:
		case ot.Message == "":
			p.refusals = append(p.refusals, fmt.Sprintf("table %s (%s) would be dropped with the request ids it recorded: no write of the package serves `request_id` any more; pass --allow-drop to drop it", ot.Name, holds(ot)))
		default:
			p.refusals = append(p.refusals, fmt.Sprintf("table %s (%s) would be dropped with its rows; pass --allow-drop to drop it, or set (protoforge.v1.model).renamed_from: %q on the message that replaces it", ot.Name, ot.Message, ot.Name))
		}
	}
	for _, nt := range new.Tables {
		ot := matched[nt.Name]
		if ot == nil {
			continue
		}
		rt := ro.Table(nt.Name)
		byteOrder := false
		// The old column each new one continues: the one of its field
		// number (or place among a reference's variables), else one of
		// the same name and type whose number is gone (a field
		// renumbered: the same column).
		match := map[*sqlschema.Column]*sqlschema.Column{}
		taken := map[*sqlschema.Column]bool{}
		for _, nc := range nt.Columns {
			if oc := continued(ot, nt, nc); oc != nil {
				match[nc], taken[oc] = oc, true
			}
		}
		for _, nc := range nt.Columns {
			if oc := ot.Column(nc.Name); match[nc] == nil && nc.Field != 0 && oc != nil && oc.Field != 0 && !taken[oc] && oc.Type == nc.Type && continued(nt, ot, oc) == nil {
				match[nc], taken[oc] = oc, true
				p.changes = append(p.changes, Change{Text: fmt.Sprintf("~ column %s.%s: field %d → %d (the same column)", nt.Name, nc.Name, oc.Field, nc.Field)})
			}
		}
		var colRenames []rename
		added := map[string]bool{}
		for _, nc := range nt.Columns {
			oc := match[nc]
			if oc == nil {
				added[nc.Name] = true
				line := fmt.Sprintf("+ column %s.%s %s", nt.Name, nc.Name, describe(nc))
				p.changes = append(p.changes, Change{Text: line})
				zero := nc.Default == nil || nc.Default.V == "0" || nc.Default.V == ""
				if fk := keyOf(nt, nc.Name); fk != nil && !nc.Nullable && zero && !opts.Force && !zeroNamesRows(fk, nc, new, matched) {
					// Every row would get the column's zero value, which
					// names no row of the key's table (a default of the
					// field's own may name one).
					p.refusals = append(p.refusals, fmt.Sprintf("column %s.%s (field %d) is a new foreign key to %s without presence: the rows the table already has would hold its zero value, which names none, and the migration fails on them; declare the field `optional`, or pass --force if the table is empty", nt.Name, nc.Name, nc.Field, fk.RefTable))
				}
				if ck := defaultFailsCheck(nt, nc); ck != nil && !opts.Force {
					// Every row would get the column's default, which the
					// check refuses: the column cannot be added to them.
					p.refusals = append(p.refusals, fmt.Sprintf("column %s.%s (field %d) is new, and its default %s fails its check %s (%s): the rows the table already has would hold the default, and the migration fails on them; declare the field `optional`, let its rules ignore the zero value (IGNORE_IF_ZERO_VALUE), or pass --force if the table is empty", nt.Name, nc.Name, nc.Field, spellDefault(nc.Default), ck.Name, checkText(ck)))
				}
				continue
			}
			if oc.Name != nc.Name {
				colRenames = append(colRenames, rename{oc.Name, nc.Name})
				p.changes = append(p.changes, Change{Text: fmt.Sprintf("~ rename column %s.%s → %s (field %d)", nt.Name, oc.Name, nc.Name, nc.Field)})
			}
			if why := reencoding(oc, nc); why != "" {
				p.changes = append(p.changes, Change{Text: fmt.Sprintf("~ column %s.%s: %s → %s", nt.Name, nc.Name, describe(oc), describe(nc)), Destructive: true})
				p.refusals = append(p.refusals, fmt.Sprintf("column %s.%s (field %d): %s", nt.Name, nc.Name, nc.Field, why))
			} else if why := narrowing(oc, nc); why != "" {
				p.changes = append(p.changes, Change{Text: fmt.Sprintf("~ column %s.%s: %s → %s", nt.Name, nc.Name, describe(oc), describe(nc)), Destructive: true})
				if !opts.Force {
					p.refusals = append(p.refusals, fmt.Sprintf("column %s.%s (field %d): %s; pass --force if the data allows it", nt.Name, nc.Name, nc.Field, why))
				}
			} else if describe(oc) != describe(nc) {
				p.changes = append(p.changes, Change{Text: fmt.Sprintf("~ column %s.%s: %s → %s", nt.Name, nc.Name, describe(oc), describe(nc))})
			}
			if !opts.Force {
				for _, ck := range tightenedChecks(ot, nt, oc, nc) {
					p.refusals = append(p.refusals, fmt.Sprintf("column %s.%s (field %d): its rules add or tighten the check %s (%s), which fails on the rows that break it; pass --force if the data allows it", nt.Name, nc.Name, nc.Field, ck.Name, checkText(ck)))
				}
			}
			if textual(oc) && affinity(nc.Type) != nil {
				p.toNumber = append(p.toNumber, numberCopy{table: nt.Name, column: nc.Name, up: true, types: affinity(nc.Type)})
			}
			if textual(nc) && affinity(oc.Type) != nil {
				p.toNumber = append(p.toNumber, numberCopy{table: nt.Name, column: nc.Name, types: affinity(oc.Type)})
			}
			if nc.Type == "uint64" && oc.Type != "uint64" {
				p.toUint64 = append(p.toUint64, [2]string{nt.Name, nc.Name})
			}
			if nc.Canonical == sqlschema.CanonicalLowercase && oc.Canonical != nc.Canonical {
				p.lowercased = append(p.lowercased, [2]string{nt.Name, nc.Name})
				p.changes = append(p.changes, Change{Text: fmt.Sprintf("~ column %s.%s: UUIDs stored in lowercase (AIP-202)", nt.Name, nc.Name)})
			}
			if oc.PostgresCollation != nc.PostgresCollation && textual(oc) && textual(nc) {
				typ, _ := sqlschema.ParseType(nc.Type)
				p.pgCollations = append(p.pgCollations, pgCollation{table: nt.Name, column: nc.Name, typ: typ.SQL(ormrt.Postgres, nc.Size), from: oc.PostgresCollation, to: nc.PostgresCollation})
				if oc.PostgresCollation == "" && nc.PostgresCollation == sqlschema.PostgresByteOrder {
					byteOrder = true
				}
			}
		}
		colNames := columnNames(nt, columnNames(ot, nil))
		for _, oc := range ot.Columns {
			if !taken[oc] && continued(nt, ot, oc) == nil && nt.Column(oc.Name) != nil {
				// A column dropped whose name another column takes:
				// moved aside first, and dropped under that name.
				colRenames = append(colRenames, rename{oc.Name, tempName(oc.Name, colNames)})
			}
		}
		for _, r := range orderRenames(colRenames, columnNames(ot, nil), colNames) {
			p.columnRenames = append(p.columnRenames, columnRename{table: nt.Name, from: r.from, to: r.to})
			renameColumn(rt, r.from, r.to)
			// References to the column, from other tables and its own.
			for _, t := range ro.Tables {
				for _, fk := range t.ForeignKeys {
					if fk.RefTable == nt.Name {
						for i, c := range fk.RefColumns {
							if c == r.from {
								fk.RefColumns[i] = r.to
							}
						}
					}
				}
			}
		}
		if byteOrder {
			p.changes = append(p.changes, Change{Text: fmt.Sprintf("~ table %s: strings order byte by byte (PostgreSQL: COLLATE \"C\")", nt.Name)})
		}
		for _, oc := range ot.Columns {
			if taken[oc] || continued(nt, ot, oc) != nil {
				continue
			}
			field := oc.Field
			if field == 0 {
				// A variable of a reference's name goes with the
				// reference's field.
				for _, fk := range ot.ForeignKeys {
					if c := ot.Column(fk.NameColumn); c != nil && slices.Contains(fk.Columns, oc.Name) {
						field = c.Field
					}
				}
			}
			reserved := field != 0 && nt.IsReserved(field)
			note := ""
			if reserved {
				note = ", reserved"
			}
			p.changes = append(p.changes, Change{Text: fmt.Sprintf("- column %s.%s (field %d%s)", nt.Name, oc.Name, field, note), Destructive: true})
			switch {
			case reserved || opts.AllowDrop:
			case field == 0:
				p.refusals = append(p.refusals, fmt.Sprintf("column %s.%s would be dropped with its data; pass --allow-drop", nt.Name, oc.Name))
			default:
				p.refusals = append(p.refusals, fmt.Sprintf("column %s.%s (field %d) would be dropped with its data; declare `reserved %d;` in %s to confirm, or pass --allow-drop", nt.Name, oc.Name, field, field, nt.Message))
			}
		}
		p.indexChanges(ot, nt, added, opts)
		for _, b := range backfills(rt, nt) {
			p.backfills = append(p.backfills, b)
			p.changes = append(p.changes, Change{Text: b.describe()})
		}
		if ot.Collation != nt.Collation && nt.Collation == sqlschema.CollationBinary {
			p.collated = append(p.collated, nt.Name)
			p.changes = append(p.changes, Change{Text: fmt.Sprintf("~ table %s: strings compare byte by byte, trailing spaces included (MySQL/MariaDB collation)", nt.Name)})
		}
	}
	for _, nt := range new.Tables {
		p.refusals = append(p.refusals, mysqlKeyLengths(nt)...)
	}
	p.renamedOld = ro
	return p
}

// mysqlMaxKey is InnoDB's limit on the bytes of an index's columns, on
// MySQL 8 and MariaDB alike (error 1071).
const mysqlMaxKey = 3072

// mysqlKeyLengths explains the indexes of t whose columns take more bytes
// than MySQL/MariaDB allows in a key: a VARCHAR 4 bytes a character in
// utf8mb4, a VARBINARY a byte, numbers and times 8. No flag lets them
// through: the migration would fail on MySQL/MariaDB whatever the rows.
func mysqlKeyLengths(t *sqlschema.Table) []string {
	var out []string
	check := func(what string, columns []string) {
		total := 0
		var parts []string
		for _, name := range columns {
			c := t.Column(name)
			if c == nil {
				continue
			}
			n := 8
			switch c.Type {
			case "string", "enum_name":
				n = 4 * c.Size
			case "bytes":
				n = c.Size
			case "bool":
				n = 1
			case "int32", "uint32", "enum", "float":
				n = 4
			}
			total += n
			field := ""
			if c.Field != 0 {
				field = fmt.Sprintf(" (field %d)", c.Field)
			}
			parts = append(parts, fmt.Sprintf("%s%s %d bytes", name, field, n))
		}
		if total > mysqlMaxKey {
			out = append(out, fmt.Sprintf("%s on %s (%s): its columns take %d bytes of a MySQL/MariaDB key, over its %d (%s; a VARCHAR takes 4 bytes a character in utf8mb4): lower their size or max_len, or index fewer fields", what, t.Name, holds(t), total, mysqlMaxKey, strings.Join(parts, ", ")))
		}
	}
	check("primary key", t.PrimaryKey)
	for _, ix := range t.Indexes {
		check("index "+ix.Name, ix.Columns)
	}
	return out
}

// holdsNull reports whether, of nt's columns cols, one is added (new to
// the table) and nullable: the rows the table holds have NULL in it,
// which a unique index counts as no value and a foreign key does not
// check (neither can then fail on them), where a column of the old table,
// or a new one NOT NULL (its default in every row), can.
func holdsNull(nt *sqlschema.Table, added map[string]bool, cols []string) bool {
	for _, name := range cols {
		if nc := nt.Column(name); nc != nil && nc.Nullable && added[name] {
			return true
		}
	}
	return false
}

// onlyAdded reports whether every column of cols is added to nt, and NOT
// NULL: every row the table holds has the same values in them, their
// defaults.
func onlyAdded(nt *sqlschema.Table, added map[string]bool, cols []string) bool {
	for _, name := range cols {
		if nc := nt.Column(name); nc == nil || nc.Nullable || !added[name] {
			return false
		}
	}
	return len(cols) > 0
}

// indexChanges adds readable lines for index changes of a matched table,
// whose columns added are new to it.
func (p *plan) indexChanges(ot, nt *sqlschema.Table, added map[string]bool, opts Options) {
	have := map[string]bool{}
	for _, ix := range ot.Indexes {
		have[ix.Name] = true
	}
	want := map[string]bool{}
	for _, ix := range nt.Indexes {
		want[ix.Name] = true
		if !have[ix.Name] {
			parts := make([]string, len(ix.Columns))
			for i, c := range ix.Columns {
				parts[i] = c
				if i < len(ix.Desc) && ix.Desc[i] {
					parts[i] += " desc"
				}
			}
			c := Change{Text: fmt.Sprintf("+ index %s on %s (%s)", ix.Name, nt.Name, strings.Join(parts, ", "))}
			if ix.Unique && !holdsNull(nt, added, ix.Columns) {
				c.FailsIf = "two rows hold the same values"
				if onlyAdded(nt, added, ix.Columns) && !opts.Force {
					// Every row would hold the columns' defaults: the
					// index cannot be built past the first row.
					p.refusals = append(p.refusals, fmt.Sprintf("unique index %s on %s (%s) covers only new columns without presence: the rows the table already has would all hold their defaults, which the index refuses from the second row on; declare a field `optional`, or pass --force if the table holds at most one row", ix.Name, nt.Name, strings.Join(ix.Columns, ", ")))
				}
			}
			p.changes = append(p.changes, c)
		}
	}
	for _, ix := range ot.Indexes {
		if !want[ix.Name] {
			p.changes = append(p.changes, Change{Text: fmt.Sprintf("- index %s on %s", ix.Name, ot.Name)})
		}
	}
	haveFK := map[string]bool{}
	for _, fk := range ot.ForeignKeys {
		haveFK[fk.Name] = true
	}
	wantFK := map[string]bool{}
	for _, fk := range nt.ForeignKeys {
		wantFK[fk.Name] = true
		if !haveFK[fk.Name] {
			action := ""
			if fk.OnDelete != "" {
				action = " ON DELETE " + fk.OnDelete
			}
			c := Change{Text: fmt.Sprintf("+ foreign key %s: %s.%s → %s.%s%s", fk.Name, nt.Name, strings.Join(fk.Columns, ", "), fk.RefTable, strings.Join(fk.RefColumns, ", "), action)}
			if !holdsNull(nt, added, fk.Columns) {
				c.FailsIf = "a row refers to a row " + fk.RefTable + " does not hold"
			}
			p.changes = append(p.changes, c)
		}
	}
	for _, fk := range ot.ForeignKeys {
		if !wantFK[fk.Name] {
			p.changes = append(p.changes, Change{Text: fmt.Sprintf("- foreign key %s on %s", fk.Name, ot.Name)})
		}
	}
	// A key that now references the table of another message, whatever
	// the names.
	for _, ofk := range ot.ForeignKeys {
		for _, nfk := range nt.ForeignKeys {
			from, to := p.old.Table(ofk.RefTable), p.new.Table(nfk.RefTable)
			if ofk.Name == nfk.Name && from != nil && to != nil && from.Message != to.Message {
				p.changes = append(p.changes, Change{Text: fmt.Sprintf("~ foreign key %s on %s: references %s (%s), not %s (%s)", nfk.Name, nt.Name, to.Name, holds(to), from.Name, holds(from))})
			}
		}
	}
	haveCk := map[string]bool{}
	for _, c := range ot.Checks {
		haveCk[c.Name] = true
	}
	wantCk := map[string]bool{}
	for _, c := range nt.Checks {
		wantCk[c.Name] = true
		if !haveCk[c.Name] {
			p.changes = append(p.changes, Change{Text: fmt.Sprintf("+ check %s on %s", c.Name, nt.Name)})
		}
	}
	for _, c := range ot.Checks {
		if !wantCk[c.Name] {
			p.changes = append(p.changes, Change{Text: fmt.Sprintf("- check %s on %s", c.Name, ot.Name)})
		}
	}
}

// describe spells a column's type for plan lines.
func describe(c *sqlschema.Column) string {
	t, _ := sqlschema.ParseType(c.Type)
	s := t.SQL(ormrt.Postgres, c.Size)
	if !c.Nullable {
		s += " NOT NULL"
	}
	if c.Default != nil {
		v := c.Default.V
		if c.Default.Kind == "string" || c.Default.Kind == "json" {
			v = "'" + v + "'"
		}
		s += " DEFAULT " + v
	}
	if c.MySQLCollation != "" {
		s += " (MySQL: COLLATE " + c.MySQLCollation + ")"
	}
	if c.PostgresCollation != "" && c.PostgresCollation != sqlschema.PostgresByteOrder {
		s += " (PostgreSQL: COLLATE " + ormrt.QuoteIdent(ormrt.Postgres, c.PostgresCollation) + ")"
	}
	return s
}

// narrowing explains why changing oc into nc can lose data, or returns "".
func narrowing(oc, nc *sqlschema.Column) string {
	if oc.Nullable && !nc.Nullable {
		return "a nullable column becomes NOT NULL, which fails on rows holding NULL"
	}
	if oc.Type == nc.Type {
		if oc.Type == "string" && nc.Size != 0 && (oc.Size == 0 || nc.Size < oc.Size) {
			return fmt.Sprintf("the length limit shrinks from %s to %d characters, which fails or truncates longer values", sizeName(oc.Size), nc.Size)
		}
		return ""
	}
	if widenings[oc.Type+"→"+nc.Type] {
		return ""
	}
	return fmt.Sprintf("the type changes from %s to %s, which cannot hold every %s value", oc.Type, nc.Type, oc.Type)
}

// continued is the column of table a that column c of table b continues
// (or is continued by): the one of its field number, or, for a column of
// the variables of a reference's name (no field of its own), the one at
// its place among the variables of the same reference in a, found by the
// reference's field, whose column may have been renamed.
func continued(a, b *sqlschema.Table, c *sqlschema.Column) *sqlschema.Column {
	if ac := a.ColumnOf(c); ac != nil || c.Field != 0 {
		return ac
	}
	for _, fk := range b.ForeignKeys {
		i := slices.Index(fk.Columns, c.Name)
		name := b.Column(fk.NameColumn)
		if i < 0 || name == nil || name.Field == 0 {
			continue
		}
		an := a.ColumnOf(name)
		if an == nil {
			continue
		}
		for _, afk := range a.ForeignKeys {
			if afk.NameColumn == an.Name && len(afk.Columns) == len(fk.Columns) {
				return a.Column(afk.Columns[i])
			}
		}
	}
	return nil
}

// textual reports whether c is a string column on PostgreSQL, which has a
// collation (bytes, numbers and JSON have none).
func textual(c *sqlschema.Column) bool {
	return c.Type == "string" || c.Type == "enum_name"
}

// keyOf is the foreign key of t that column is a column of, or nil.
// zeroNamesRows reports whether the zero value that rows get in nc, a
// new column of foreign key fk, names the rows they referred to: the
// column it references is new too, with the same zero value, in the rows
// the referenced table already has. A resource that gains a pattern
// (AIP-123) so gains a variable in its key and in its children's, ""
// in the rows already there.
func zeroNamesRows(fk *sqlschema.ForeignKey, nc *sqlschema.Column, new *sqlschema.Snapshot, matched map[string]*sqlschema.Table) bool {
	i := slices.Index(fk.Columns, nc.Name)
	rt, ot := new.Table(fk.RefTable), matched[fk.RefTable]
	if i < 0 || i >= len(fk.RefColumns) || rt == nil || ot == nil || ot.Column(fk.RefColumns[i]) != nil {
		return false
	}
	rc := rt.Column(fk.RefColumns[i])
	return rc != nil && !rc.Nullable && rc.Type == nc.Type && (rc.Default == nil) == (nc.Default == nil) && (rc.Default == nil || *rc.Default == *nc.Default)
}

func keyOf(t *sqlschema.Table, column string) *sqlschema.ForeignKey {
	for _, fk := range t.ForeignKeys {
		if slices.Contains(fk.Columns, column) {
			return fk
		}
	}
	return nil
}

// reencoding explains why changing oc into nc is refused even with
// --force, or returns "": the column's values would be read in another
// unit or form than they were written in (a Timestamp or Duration gaining
// or losing keep_nanos, or becoming another type), which no migration
// here converts.
func reencoding(oc, nc *sqlschema.Column) string {
	times := map[string]string{
		"timestamp": "a Timestamp", "timestamp_nanos": "a Timestamp in nanoseconds (keep_nanos)",
		"duration": "a Duration in microseconds", "duration_nanos": "a Duration in nanoseconds (keep_nanos)",
	}
	if oc.Type == nc.Type || times[oc.Type] == "" && times[nc.Type] == "" {
		return ""
	}
	form := func(t string) string { return cmp.Or(times[t], t) }
	return fmt.Sprintf("the stored values are %s, and would be read as %s; no migration converts them, even with --force: keep the field as it was, or add a field of the new form (copy the values yourself) and reserve this one", form(oc.Type), form(nc.Type))
}

func sizeName(n int) string {
	if n == 0 {
		return "unlimited"
	}
	return fmt.Sprint(n)
}

// widenings are the type changes every value survives.
var widenings = map[string]bool{
	"int32→int64": true, "uint32→int64": true, "uint32→uint64": true,
	"enum→int32": true, "int32→enum": true, "enum→int64": true,
	"float→double": true,
}

func clone(s *sqlschema.Snapshot) *sqlschema.Snapshot {
	c, err := sqlschema.Parse(s.Marshal())
	if err != nil {
		panic(err) // a snapshot always re-reads
	}
	return c
}

// renameTable renames a table of s and every reference to it.
func renameTable(s *sqlschema.Snapshot, from, to string) {
	for _, t := range s.Tables {
		if t.Name == from {
			t.Name = to
		}
		for _, fk := range t.ForeignKeys {
			if fk.RefTable == from {
				fk.RefTable = to
			}
		}
	}
}

// renameColumn renames a column of t and its mentions in t's keys,
// indexes and checks. References from other tables are renamed by the
// caller through the snapshot.
func renameColumn(t *sqlschema.Table, from, to string) {
	for _, c := range t.Columns {
		if c.Name == from {
			c.Name = to
		}
	}
	swap := func(names []string) {
		for i, n := range names {
			if n == from {
				names[i] = to
			}
		}
	}
	swap(t.PrimaryKey)
	for _, ix := range t.Indexes {
		swap(ix.Columns)
	}
	for _, fk := range t.ForeignKeys {
		swap(fk.Columns)
	}
	for _, ck := range t.Checks {
		if ck.Column == from {
			ck.Column = to
		}
	}
}

// statements plans the up and down SQL of p in dialect d.
func (p *plan) statements(d ormrt.Dialect) (up, down []string, err error) {
	oldS, err := p.old.Schema(d)
	if err != nil {
		return nil, nil, err
	}
	renamedS, err := p.renamedOld.Schema(d)
	if err != nil {
		return nil, nil, err
	}
	newS, err := p.new.Schema(d)
	if err != nil {
		return nil, nil, err
	}
	differ, _ := sqlschema.Planner(d)
	// With backfills, up goes through mid: the new schema without the
	// foreign keys of the columns to fill, which are added once filled.
	mid := withoutBackfilledKeys(p.new, p.backfills)
	midS, err := mid.Schema(d)
	if err != nil {
		return nil, nil, err
	}
	forward, err := differ.SchemaDiff(renamedS, midS)
	if err != nil {
		return nil, nil, err
	}
	keys, err := differ.SchemaDiff(midS, newS)
	if err != nil {
		return nil, nil, err
	}
	backward, err := differ.SchemaDiff(newS, renamedS)
	if err != nil {
		return nil, nil, err
	}
	if forward, err = dropMissedIndexes(d, forward, p.renamedOld, mid); err != nil {
		return nil, nil, err
	}
	if keys, err = dropMissedIndexes(d, keys, mid, p.new); err != nil {
		return nil, nil, err
	}
	if backward, err = dropMissedIndexes(d, backward, p.new, p.renamedOld); err != nil {
		return nil, nil, err
	}
	forward, keys, backward = dropIndexesFirst(d, forward), dropIndexesFirst(d, keys), dropIndexesFirst(d, backward)
	var undefaultUp, undefaultDown []string
	if d == ormrt.Postgres {
		if undefaultUp, err = pgConversions(forward); err != nil {
			return nil, nil, err
		}
		if undefaultDown, err = pgConversions(backward); err != nil {
			return nil, nil, err
		}
	}
	renames, unrenames := p.renameChanges(oldS, renamedS)
	// The foreign keys of the columns the changes modify go around them.
	forward, dropUp, addUp := keysAround(d, forward, p.renamedOld, mid, p.collated)
	backward, dropDown, addDown := keysAround(d, backward, p.new, p.renamedOld, p.collated)
	up, err = planAll(d, "up", renames)
	if err != nil {
		return nil, nil, err
	}
	up = append(append(up, dropUp...), undefaultUp...)
	more, err := planAll(d, "up", forward)
	if err != nil {
		return nil, nil, err
	}
	up = append(up, more...)
	if d == ormrt.SQLite {
		up = sqliteUint64Copies(sqliteStrictCopies(up), p.toUint64)
	}
	var collate []string
	if d == ormrt.Postgres {
		// After the changes that give the columns their new names and
		// types; undone before the changes that take them back.
		for _, c := range p.pgCollations {
			up = append(up, c.sql(c.to))
			collate = append(collate, c.sql(c.from))
		}
	}
	if more, err = planAll(d, "down", backward); err != nil {
		return nil, nil, err
	}
	down = append(append(append(collate, dropDown...), undefaultDown...), more...)
	if d == ormrt.MySQL {
		// ALTER TABLE … COLLATE would change the default of new columns
		// only: CONVERT changes every string column, before the names
		// are filled and the keys added, which join strings of one
		// collation, and under the new names, before the renames are
		// undone. CONVERT also gives the table's collation to the
		// columns that have their own, which get it back.
		for _, t := range p.collated {
			q := ormrt.QuoteIdent(d, t)
			up = append(up, "ALTER TABLE "+q+" CONVERT TO CHARACTER SET utf8mb4 "+sqlschema.MySQLCollation)
			down = append(down, "ALTER TABLE "+q+" CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
			own, err := ownCollations(d, newS, p.new.Table(t))
			if err != nil {
				return nil, nil, err
			}
			up = append(up, own...)
			if own, err = ownCollations(d, renamedS, p.renamedOld.Table(t)); err != nil {
				return nil, nil, err
			}
			down = append(down, own...)
		}
	}
	for _, c := range p.lowercased {
		// The UUIDs stored before in capitals; other values as they are.
		q := ormrt.QuoteIdent(d, c[1])
		up = append(up, "UPDATE "+ormrt.QuoteIdent(d, c[0])+" SET "+q+" = LOWER("+q+") WHERE "+q+" <> LOWER("+q+") AND "+q+" LIKE '________-____-____-____-____________'")
	}
	for _, b := range p.backfills {
		up = append(up, b.sql(d, p.new.Table(b.fk.RefTable))...)
	}
	if more, err = planAll(d, "up", keys); err != nil {
		return nil, nil, err
	}
	up = append(append(up, more...), addUp...)
	down = append(down, addDown...)
	if more, err = planAll(d, "down", unrenames); err != nil {
		return nil, nil, err
	}
	down = append(down, more...)
	if d == ormrt.SQLite {
		up, down = sqliteStrictCopies(up), sqliteStrictCopies(down)
		up, down = sqliteNumberCopies(up, p.toNumber, true), sqliteNumberCopies(down, p.toNumber, false)
		used := map[string]bool{}
		for _, s := range []*sqlschema.Snapshot{p.old, p.renamedOld, p.new} {
			for _, t := range s.Tables {
				used[t.Name] = true
			}
		}
		up, down = sqliteRebuildNames(up, maps.Clone(used)), sqliteRebuildNames(down, used)
	}
	return up, down, nil
}

// sqliteRebuildNames gives the copy of each SQLite table rebuild another
// name when a table of the old or new schema has the one the rebuild
// takes, new_<table>: the copy would collide with that table (a model of
// table "new_books" next to books). A rebuild runs CREATE TABLE
// `new_<table>`, the copy's INSERT INTO it (and the triggers on it), and
// ends with its ALTER TABLE … RENAME TO `<table>`; only those name the
// copy, where other statements may name the table of that name.
func sqliteRebuildNames(stmts []string, used map[string]bool) []string {
	bq := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
	for i, st := range stmts {
		rest, ok := strings.CutPrefix(st, "ALTER TABLE `new_")
		if !ok {
			continue
		}
		copied, table, ok := strings.Cut(rest, "` RENAME TO ")
		if !ok || strings.TrimSuffix(table, ";") != bq(copied) || !used["new_"+copied] {
			continue
		}
		from, to := bq("new_"+copied), bq(tempName("new_"+copied, used))
		for j := i; j >= 0; j-- {
			for _, prefix := range []string{"CREATE TABLE %s (", "INSERT INTO %s (", "ALTER TABLE %s RENAME TO "} {
				if p := fmt.Sprintf(prefix, from); strings.HasPrefix(stmts[j], p) {
					stmts[j] = fmt.Sprintf(prefix, to) + strings.TrimPrefix(stmts[j], p)
				}
			}
			if strings.HasPrefix(stmts[j], "CREATE TRIGGER ") {
				stmts[j] = strings.Replace(stmts[j], " BEFORE INSERT ON "+from+" ", " BEFORE INSERT ON "+to+" ", 1)
			}
			if strings.HasPrefix(stmts[j], "CREATE TABLE "+to+" (") {
				break
			}
		}
	}
	return stmts
}

// keysAround takes over, from changes that lead from snapshot from to
// snapshot to, the foreign keys of the columns they modify: it returns
// the changes without those keys, the statements that drop them before
// the changes, and those that add them after. MySQL/MariaDB refuses to
// modify a column of a key or a column a key references (error 1833),
// to convert a table that holds one to another collation, and to create a
// key between columns of different collations (errno 150); PostgreSQL
// refuses to change the type of one side of a key to a type the other
// side cannot be compared with. So on MySQL/MariaDB every key with a
// column, or a referenced column, that the changes modify or convert
// (converted: the tables converted to the binary collation), and on
// PostgreSQL every such key whose column changes type, is dropped before
// the changes and added after them, whatever the changes do with it
// (drop, add, modify, create with a table); and so is every key that
// references a primary key the changes modify, which both refuse to drop
// under it. SQLite rebuilds tables with their keys: nothing to do.
func keysAround(d ormrt.Dialect, changes []schema.Change, from, to *sqlschema.Snapshot, converted []string) ([]schema.Change, []string, []string) {
	if d == ormrt.SQLite {
		return changes, nil, nil
	}
	type col struct{ table, column string }
	affected := map[col]bool{}
	for _, c := range changes {
		mt, ok := c.(*schema.ModifyTable)
		if !ok {
			continue
		}
		for _, tc := range mt.Changes {
			if mc, ok := tc.(*schema.ModifyColumn); ok && (d == ormrt.MySQL || mc.Change.Is(schema.ChangeType) && baseType(mc.From.Type.Type) != baseType(mc.To.Type.Type)) {
				affected[col{mt.T.Name, mc.From.Name}] = true
				affected[col{mt.T.Name, mc.To.Name}] = true
			}
			switch tc.(type) {
			case *schema.ModifyPrimaryKey, *schema.AddPrimaryKey, *schema.DropPrimaryKey:
				// The keys that reference the primary key hold its index,
				// which the change drops (a resource that gains a
				// pattern, AIP-123, gains a key column).
				for _, snap := range []*sqlschema.Snapshot{from, to} {
					if t := snap.Table(mt.T.Name); t != nil {
						for _, c := range t.PrimaryKey {
							affected[col{mt.T.Name, c}] = true
						}
					}
				}
			}
		}
	}
	if d == ormrt.MySQL {
		for _, name := range converted {
			for _, snap := range []*sqlschema.Snapshot{from, to} {
				if t := snap.Table(name); t != nil {
					for _, c := range t.Columns {
						affected[col{name, c.Name}] = true
					}
				}
			}
		}
	}
	hit := func(table string, fk *sqlschema.ForeignKey) bool {
		for i, c := range fk.Columns {
			if affected[col{table, c}] || i < len(fk.RefColumns) && affected[col{fk.RefTable, fk.RefColumns[i]}] {
				return true
			}
		}
		return false
	}
	// A key of one name on one table is taken over on both sides, so
	// that the changes neither drop nor add it.
	taken := map[string]bool{}
	for _, snap := range []*sqlschema.Snapshot{from, to} {
		for _, t := range snap.Tables {
			for _, fk := range t.ForeignKeys {
				if hit(t.Name, fk) {
					taken[t.Name+"."+fk.Name] = true
				}
			}
		}
	}
	if len(taken) == 0 {
		return changes, nil, nil
	}
	q := func(s string) string { return ormrt.QuoteIdent(d, s) }
	list := func(names []string) string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = q(n)
		}
		return strings.Join(out, ", ")
	}
	dropWord := " DROP CONSTRAINT "
	if d == ormrt.MySQL {
		dropWord = " DROP FOREIGN KEY "
	}
	var drop, add []string
	for _, t := range from.Tables {
		for _, fk := range t.ForeignKeys {
			if taken[t.Name+"."+fk.Name] {
				drop = append(drop, "ALTER TABLE "+q(t.Name)+dropWord+q(fk.Name))
			}
		}
	}
	for _, t := range to.Tables {
		for _, fk := range t.ForeignKeys {
			if taken[t.Name+"."+fk.Name] {
				add = append(add, fmt.Sprintf("ALTER TABLE %s ADD CONSTRAINT %s FOREIGN KEY (%s) REFERENCES %s (%s) ON UPDATE %s ON DELETE %s",
					q(t.Name), q(fk.Name), list(fk.Columns), q(fk.RefTable), list(fk.RefColumns), cmp.Or(fk.OnUpdate, "NO ACTION"), cmp.Or(fk.OnDelete, "NO ACTION")))
			}
		}
	}
	out := make([]schema.Change, 0, len(changes))
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.ModifyTable:
			kept := c.Changes[:0:0]
			for _, tc := range c.Changes {
				switch tc := tc.(type) {
				case *schema.DropForeignKey:
					if taken[c.T.Name+"."+tc.F.Symbol] {
						continue
					}
				case *schema.AddForeignKey:
					if taken[c.T.Name+"."+tc.F.Symbol] {
						continue
					}
				case *schema.ModifyForeignKey:
					if taken[c.T.Name+"."+tc.From.Symbol] || taken[c.T.Name+"."+tc.To.Symbol] {
						continue
					}
				}
				kept = append(kept, tc)
			}
			if len(kept) == 0 {
				continue
			}
			c.Changes = kept
		case *schema.AddTable:
			// Created without them; they are added after.
			fks := c.T.ForeignKeys[:0:0]
			for _, fk := range c.T.ForeignKeys {
				if !taken[c.T.Name+"."+fk.Symbol] {
					fks = append(fks, fk)
				}
			}
			c.T.ForeignKeys = fks
		}
		out = append(out, c)
	}
	return out, drop, add
}

// pgConversions gives every change of a column's type on PostgreSQL the
// USING clause that converts its values, which PostgreSQL asks for when
// no assignment cast leads from one type to the other (text to integer):
// strings and bytes convert through their UTF-8 encoding (bytes that are
// no UTF-8 fail), other types through their cast, which fails on a value
// the new type cannot hold. USING leaves the column's default to
// convert by an assignment cast, which may not exist either: the
// statements it returns drop those defaults first, and the change sets
// the new one.
func pgConversions(changes []schema.Change) ([]string, error) {
	var undefault []string
	for _, c := range changes {
		mt, ok := c.(*schema.ModifyTable)
		if !ok {
			continue
		}
		for _, tc := range mt.Changes {
			mc, ok := tc.(*schema.ModifyColumn)
			if !ok || !mc.Change.Is(schema.ChangeType) || baseType(mc.From.Type.Type) == baseType(mc.To.Type.Type) || numeric(mc.From.Type.Type) && numeric(mc.To.Type.Type) {
				continue
			}
			q := ormrt.QuoteIdent(ormrt.Postgres, mc.From.Name)
			_, fromBytes := mc.From.Type.Type.(*schema.BinaryType)
			_, toBytes := mc.To.Type.Type.(*schema.BinaryType)
			_, fromString := mc.From.Type.Type.(*schema.StringType)
			_, toString := mc.To.Type.Type.(*schema.StringType)
			var x string
			switch {
			case fromString && toBytes:
				x = "convert_to(" + q + ", 'UTF8')"
			case fromBytes && toString:
				x = "convert_from(" + q + ", 'UTF8')"
			default:
				f, err := postgres.FormatType(mc.To.Type.Type)
				if err != nil {
					return nil, err
				}
				x = q + "::" + f
			}
			mc.Extra = append(mc.Extra, &postgres.ConvertUsing{X: x})
			if mc.From.Default != nil {
				undefault = append(undefault, "ALTER TABLE "+ormrt.QuoteIdent(ormrt.Postgres, mt.T.Name)+" ALTER COLUMN "+q+" DROP DEFAULT")
				if mc.To.Default != nil {
					mc.Change |= schema.ChangeDefault
				}
			}
		}
	}
	return undefault, nil
}

// numeric reports whether t is a number type, which PostgreSQL converts
// to another number type by an implicit cast.
func numeric(t schema.Type) bool {
	switch t.(type) {
	case *schema.IntegerType, *schema.DecimalType, *schema.FloatType:
		return true
	}
	return false
}

// baseType names a column type without its size: a longer varchar is the
// same type to a key on PostgreSQL, a bigint that becomes numeric is not.
func baseType(t schema.Type) string {
	switch t := t.(type) {
	case *schema.StringType:
		return t.T
	case *schema.IntegerType:
		return t.T
	case *schema.DecimalType:
		return t.T
	case *schema.BinaryType:
		return t.T
	case *schema.TimeType:
		return t.T
	case *schema.FloatType:
		return t.T
	}
	return fmt.Sprintf("%T", t)
}

// sqliteUint64Copies makes the copies of SQLite's table rebuilds write the
// integers of columns that become uint64 as the 20 zero-padded digits
// uint64 columns hold there (a copy as it is fails their CHECK).
func sqliteUint64Copies(stmts []string, cols [][2]string) []string {
	for _, tc := range cols {
		// Atlas quotes SQLite's names in backticks.
		bq := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
		prefix := "INSERT INTO " + bq("new_"+tc[0]) + " ("
		from := " FROM " + bq(tc[0])
		q := bq(tc[1])
		for i, st := range stmts {
			sel := strings.Index(st, ") SELECT ")
			end := strings.LastIndex(st, from)
			if !strings.HasPrefix(st, prefix) || sel < 0 || end < sel {
				continue
			}
			items := splitTop(st[sel+len(") SELECT ") : end])
			for j, it := range items {
				expr, ok := strings.CutSuffix(it, " AS "+q)
				if !ok && it != q {
					continue
				}
				if !ok {
					expr = q
				}
				items[j] = "CASE WHEN " + expr + " IS NULL THEN NULL ELSE printf('%020d', " + expr + ") END AS " + q
			}
			stmts[i] = st[:sel+len(") SELECT ")] + strings.Join(items, ", ") + st[end:]
		}
	}
	return stmts
}

// sqliteStrictCopies makes the copies of SQLite's table rebuilds copy
// NULL as NULL: Atlas fills a column that becomes NOT NULL with its
// default (IFNULL), where PostgreSQL and MySQL/MariaDB refuse the change
// on a row holding NULL. So SQLite refuses it too (the NOT NULL
// constraint fails), and an absent value never becomes a value.
func sqliteStrictCopies(stmts []string) []string {
	for i, st := range stmts {
		sel := strings.Index(st, ") SELECT ")
		end := strings.LastIndex(st, " FROM ")
		if !strings.HasPrefix(st, "INSERT INTO `new_") || sel < 0 || end < sel {
			continue
		}
		items := splitTop(st[sel+len(") SELECT ") : end])
		changed := false
		for j, it := range items {
			k := strings.LastIndex(it, " AS ")
			if k < 0 {
				continue
			}
			q := it[k+len(" AS "):]
			if strings.HasPrefix(it, "IFNULL("+q+", ") && strings.HasSuffix(it[:k], ")") {
				items[j], changed = q, true
			}
		}
		if changed {
			stmts[i] = st[:sel+len(") SELECT ")] + strings.Join(items, ", ") + st[end:]
		}
	}
	return stmts
}

// splitTop splits a SELECT list at the commas outside parentheses and
// quotes.
func splitTop(s string) []string {
	var out []string
	depth, start := 0, 0
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '`' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// ownCollations modifies the columns of table t (of snapshot schema sch)
// that have a MySQL/MariaDB collation of their own back to it.
func ownCollations(d ormrt.Dialect, sch *schema.Schema, t *sqlschema.Table) ([]string, error) {
	if t == nil {
		return nil, nil
	}
	at, ok := sch.Table(t.Name)
	if !ok {
		return nil, nil
	}
	var cols []schema.Change
	for _, c := range t.Columns {
		if c.MySQLCollation == "" {
			continue
		}
		if ac, ok := at.Column(c.Name); ok {
			cols = append(cols, &schema.ModifyColumn{From: ac, To: ac, Change: schema.ChangeCollate})
		}
	}
	if len(cols) == 0 {
		return nil, nil
	}
	return sqlschema.Plan(d, "collate", []schema.Change{&schema.ModifyTable{T: at, Changes: cols}})
}

// dropMissedIndexes adds the index drops and creations Atlas leaves out: its MySQL
// differ drops an index that backs a foreign key from the schemas it
// compares, taking it for the one MySQL creates implicitly, even when the
// target has no such index. The schemas are built afresh for that reason.
func dropMissedIndexes(d ormrt.Dialect, changes []schema.Change, fromSnap, toSnap *sqlschema.Snapshot) ([]schema.Change, error) {
	from, err := fromSnap.Schema(d)
	if err != nil {
		return nil, err
	}
	to, err := toSnap.Schema(d)
	if err != nil {
		return nil, err
	}
	for _, ft := range from.Tables {
		tt, ok := to.Table(ft.Name)
		if !ok {
			continue
		}
		changes = modifiedChecks(changes, ft, tt)
		changes = retargetedKeys(d, changes, ft, tt)
		var missing, added []*schema.Index
		for _, ix := range ft.Indexes {
			if _, ok := tt.Index(ix.Name); !ok {
				missing = append(missing, ix)
			}
		}
		for _, ix := range tt.Indexes {
			if _, ok := ft.Index(ix.Name); !ok {
				added = append(added, ix)
			}
		}
		if len(missing) == 0 && len(added) == 0 {
			continue
		}
		var mod *schema.ModifyTable
		for _, c := range changes {
			if m, ok := c.(*schema.ModifyTable); ok && m.T.Name == ft.Name {
				mod = m
			}
		}
		if mod == nil {
			mod = &schema.ModifyTable{T: tt}
			changes = append(changes, mod)
		}
		// The same differ leaves out the index that backs a foreign key
		// when the source has another one led by its columns: a down
		// migration would then drop the only index the key has, which
		// MySQL refuses (errno 150, 1553). Indexes are added before any
		// is dropped, in the one ALTER TABLE.
		for _, ix := range added {
			present := false
			for _, c := range mod.Changes {
				if a, ok := c.(*schema.AddIndex); ok && a.I.Name == ix.Name {
					present = true
				}
			}
			if !present {
				mod.Changes = append([]schema.Change{&schema.AddIndex{I: ix}}, mod.Changes...)
			}
		}
		for _, ix := range missing {
			dropped := false
			for _, c := range mod.Changes {
				if d, ok := c.(*schema.DropIndex); ok && d.I.Name == ix.Name {
					dropped = true
				}
			}
			if !dropped {
				mod.Changes = append(mod.Changes, &schema.DropIndex{I: ix})
			}
		}
	}
	return changes, nil
}

// dropIndexesFirst moves the index drops whose names the changes create
// again before all the other changes. Index names are schema-wide on
// PostgreSQL and SQLite: when two tables swap names, each table's new
// index takes the name the other table's old index holds until it is
// dropped. MySQL/MariaDB names indexes per table, and refuses to drop the
// index a foreign key uses before its replacement is added, so its
// changes keep their order.
func dropIndexesFirst(d ormrt.Dialect, changes []schema.Change) []schema.Change {
	if d == ormrt.MySQL {
		return changes
	}
	created := map[string]bool{}
	for _, c := range changes {
		switch c := c.(type) {
		case *schema.AddTable:
			for _, ix := range c.T.Indexes {
				created[ix.Name] = true
			}
		case *schema.ModifyTable:
			for _, mc := range c.Changes {
				if a, ok := mc.(*schema.AddIndex); ok {
					created[a.I.Name] = true
				}
			}
		}
	}
	var drops, rest []schema.Change
	for _, c := range changes {
		mod, ok := c.(*schema.ModifyTable)
		if !ok {
			rest = append(rest, c)
			continue
		}
		var dropped, kept []schema.Change
		for _, mc := range mod.Changes {
			if di, ok := mc.(*schema.DropIndex); ok && created[di.I.Name] {
				dropped = append(dropped, mc)
			} else {
				kept = append(kept, mc)
			}
		}
		if len(dropped) == 0 {
			rest = append(rest, c)
			continue
		}
		drops = append(drops, &schema.ModifyTable{T: mod.T, Changes: dropped})
		if len(kept) > 0 {
			rest = append(rest, &schema.ModifyTable{T: mod.T, Changes: kept})
		}
	}
	return append(drops, rest...)
}

// modifiedChecks adds the changes of CHECK constraints whose name stays
// and whose condition changes (a widened size on SQLite), which Atlas's
// SQLite differ does not see.
func modifiedChecks(changes []schema.Change, ft, tt *schema.Table) []schema.Change {
	for _, a := range ft.Attrs {
		fc, ok := a.(*schema.Check)
		if !ok {
			continue
		}
		for _, b := range tt.Attrs {
			tc, ok := b.(*schema.Check)
			if !ok || tc.Name != fc.Name || tc.Expr == fc.Expr {
				continue
			}
			if hasCheckChange(changes, tt.Name, fc.Name) {
				continue
			}
			// One change of the table for all its checks: SQLite
			// rebuilds a table once per change.
			var mod *schema.ModifyTable
			for _, c := range changes {
				if m, ok := c.(*schema.ModifyTable); ok && m.T.Name == tt.Name {
					mod = m
					break
				}
			}
			if mod == nil {
				mod = &schema.ModifyTable{T: tt}
				changes = append(changes, mod)
			}
			mod.Changes = append(mod.Changes, &schema.DropCheck{C: fc}, &schema.AddCheck{C: tc})
		}
	}
	return changes
}

// retargetedKeys adds the changes of foreign keys whose name and columns
// stay and whose referenced table changes, which Atlas's differ does not
// see (it compares the tables that hold the keys). A kept table's key to
// a table dropped under a temporary name, whose name another table takes,
// is one: every database makes a key follow the table it references
// through a rename, so the key would name the dropped table.
// MySQL/MariaDB cannot drop and add a key of one name in one ALTER TABLE
// (errno 121): there the key is added by a statement of its own.
func retargetedKeys(d ormrt.Dialect, changes []schema.Change, ft, tt *schema.Table) []schema.Change {
	for _, fk := range ft.ForeignKeys {
		tk, ok := tt.ForeignKey(fk.Symbol)
		if !ok || fk.RefTable == nil || tk.RefTable == nil || fk.RefTable.Name == tk.RefTable.Name || hasKeyChange(changes, tt.Name, fk.Symbol) {
			continue
		}
		var mod *schema.ModifyTable
		for _, c := range changes {
			if m, ok := c.(*schema.ModifyTable); ok && m.T.Name == tt.Name {
				mod = m
				break
			}
		}
		if mod == nil {
			mod = &schema.ModifyTable{T: tt}
			changes = append(changes, mod)
		}
		mod.Changes = append(mod.Changes, &schema.DropForeignKey{F: fk})
		if d == ormrt.MySQL {
			changes = append(changes, &schema.ModifyTable{T: tt, Changes: []schema.Change{&schema.AddForeignKey{F: tk}}})
		} else {
			mod.Changes = append(mod.Changes, &schema.AddForeignKey{F: tk})
		}
	}
	return changes
}

// hasKeyChange reports whether changes modify or drop the foreign key
// name of table.
func hasKeyChange(changes []schema.Change, table, name string) bool {
	return hasTableChange(changes, table, func(c schema.Change) bool {
		switch x := c.(type) {
		case *schema.ModifyForeignKey:
			return x.From.Symbol == name
		case *schema.DropForeignKey:
			return x.F.Symbol == name
		}
		return false
	})
}

// hasCheckChange reports whether changes modify or drop the check name of
// table.
func hasCheckChange(changes []schema.Change, table, name string) bool {
	return hasTableChange(changes, table, func(c schema.Change) bool {
		switch x := c.(type) {
		case *schema.ModifyCheck:
			return x.From.Name == name
		case *schema.DropCheck:
			return x.C.Name == name
		}
		return false
	})
}

// hasTableChange reports whether changes modify table with a change that
// is.
func hasTableChange(changes []schema.Change, table string, is func(schema.Change) bool) bool {
	for _, c := range changes {
		if m, ok := c.(*schema.ModifyTable); ok && m.T.Name == table && slices.ContainsFunc(m.Changes, is) {
			return true
		}
	}
	return false
}

// planAll plans groups of changes in order.
func planAll(d ormrt.Dialect, name string, groups ...[]schema.Change) ([]string, error) {
	var out []string
	for _, g := range groups {
		if len(g) == 0 {
			continue
		}
		stmts, err := sqlschema.Plan(d, name, g)
		if err != nil {
			return nil, err
		}
		out = append(out, stmts...)
	}
	return out, nil
}

// renameChanges are the Atlas changes that rename tables then columns
// (up), and the reverse that renames columns then tables back (down),
// between the old schema and the renamed one. The renames are steps one
// after the other (with temporary names), each its own change, so that
// they run in order; down takes the same steps back in reverse.
func (p *plan) renameChanges(oldS, renamedS *schema.Schema) (up, down []schema.Change) {
	var upTables, downTables, upCols, downCols []schema.Change
	for _, r := range p.tableRenames {
		from, to := schema.NewTable(r.from), schema.NewTable(r.to)
		from.Schema, to.Schema = oldS, oldS
		upTables = append(upTables, &schema.RenameTable{From: from, To: to})
		downTables = append([]schema.Change{&schema.RenameTable{From: to, To: from}}, downTables...)
	}
	for i, r := range p.columnRenames {
		t, _ := renamedS.Table(r.table)
		// The column as it ends, under each name it takes.
		final := r.to
		for _, s := range p.columnRenames[i+1:] {
			if s.table == r.table && s.from == final {
				final = s.to
			}
		}
		c, ok := t.Column(final)
		if !ok {
			c = schema.NewColumn(final)
		}
		from := &schema.Column{Name: r.from, Type: c.Type, Default: c.Default, Attrs: c.Attrs}
		to := &schema.Column{Name: r.to, Type: c.Type, Default: c.Default, Attrs: c.Attrs}
		upCols = append(upCols, &schema.ModifyTable{T: t, Changes: []schema.Change{&schema.RenameColumn{From: from, To: to}}})
		downCols = append([]schema.Change{&schema.ModifyTable{T: t, Changes: []schema.Change{&schema.RenameColumn{From: to, To: from}}}}, downCols...)
	}
	return append(upTables, upCols...), append(downCols, downTables...)
}

// holds says what a table stores: its message, or the AIP-155 request ids
// of the package's writes for the table without one.
func holds(t *sqlschema.Table) string {
	if t.Message == "" {
		return "AIP-155 request ids"
	}
	return t.Message
}
