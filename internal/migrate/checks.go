package migrate

import (
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/protoforge/protoforge/internal/gen/sqlschema"
	"github.com/protoforge/protoforge/ormrt"
)

// defaultFailsCheck returns the check of table t that column c's default
// fails, or nil: a new column without presence gives every row already in
// the table its default, and adding the column with such a check fails on
// any of them. A column that may hold NULL gives NULL, which every check
// lets through. A check this cannot decide is taken as met.
func defaultFailsCheck(t *sqlschema.Table, c *sqlschema.Column) *sqlschema.Check {
	if c.Nullable || c.Default == nil {
		return nil
	}
	for _, ck := range t.Checks {
		if ck.Column == c.Name && admits(ck, c.Default) == no {
			return ck
		}
	}
	return nil
}

// verdict is the outcome of a check on a value: met, failed, or unknown
// (a value or bound this does not read).
type verdict int

const (
	unknown verdict = iota
	yes
	no
)

// admits evaluates check ck on value v, as the databases do on the
// column's stored value: numeric bounds on numbers, lengths in characters
// on strings, membership in In, and the zero value Zero let through
// whatever the rest.
func admits(ck *sqlschema.Check, v *sqlschema.Value) verdict {
	lit := v.V
	switch v.Kind {
	case "string":
		lit = strconv.Quote(v.V)
	case "number":
	default:
		return unknown
	}
	if ck.Zero != "" && sameLiteral(ck.Zero, lit) {
		return yes
	}
	all := yes
	and := func(r verdict) {
		if r == no || all == no {
			all = no
		} else if r == unknown {
			all = unknown
		}
	}
	if ck.Min != "" || ck.Max != "" {
		and(inRange(ck, v))
	}
	if ck.MinLen != nil || ck.MaxLen != nil {
		if v.Kind != "string" {
			and(unknown)
		} else {
			n := uint64(utf8.RuneCountInString(v.V))
			and(cond(ck.MinLen == nil || n >= *ck.MinLen))
			and(cond(ck.MaxLen == nil || n <= *ck.MaxLen))
		}
	}
	if len(ck.In) > 0 {
		and(cond(slices.ContainsFunc(ck.In, func(s string) bool { return sameLiteral(s, lit) })))
	}
	return all
}

// inRange evaluates the numeric bounds of ck on v.
func inRange(ck *sqlschema.Check, v *sqlschema.Value) verdict {
	if v.Kind != "number" {
		return unknown
	}
	x, ok := new(big.Rat).SetString(v.V)
	if !ok {
		return unknown
	}
	var min, max verdict = yes, yes
	if ck.Min != "" {
		b, ok := new(big.Rat).SetString(ck.Min)
		if !ok {
			return unknown
		}
		c := x.Cmp(b)
		min = cond(c > 0 || c == 0 && !ck.MinExclusive)
	}
	if ck.Max != "" {
		b, ok := new(big.Rat).SetString(ck.Max)
		if !ok {
			return unknown
		}
		c := x.Cmp(b)
		max = cond(c < 0 || c == 0 && !ck.MaxExclusive)
	}
	if ck.Outside && ck.Min != "" && ck.Max != "" {
		return cond(min == yes || max == yes)
	}
	return cond(min == yes && max == yes)
}

// sameLiteral compares two values spelled as a check's In and Zero spell
// them: strings quoted, numbers by value.
func sameLiteral(a, b string) bool {
	if a == b {
		return true
	}
	x, ok1 := new(big.Rat).SetString(a)
	y, ok2 := new(big.Rat).SetString(b)
	return ok1 && ok2 && x.Cmp(y) == 0
}

func cond(b bool) verdict {
	if b {
		return yes
	}
	return no
}

// spellDefault spells a default as the plan lines do.
func spellDefault(v *sqlschema.Value) string {
	if v.Kind == "string" {
		return "'" + v.V + "'"
	}
	return v.V
}

// checkText spells a check's condition for a message, in PostgreSQL's SQL.
func checkText(ck *sqlschema.Check) string { return ck.SQL(ormrt.Postgres) }

// numberCopy is a string column that becomes a number: table and column
// (new names), whether up or down does it, and the SQLite types of the
// values the number column may hold.
type numberCopy struct {
	table, column string
	up            bool
	types         []string
}

// affinity lists the types SQLite gives the values of a column of logical
// type t that a string converts to: integers, or reals (and the integers
// a real column keeps as such); nil for other columns.
func affinity(t string) []string {
	switch t {
	case "int32", "int64", "uint32", "enum":
		return []string{"integer"}
	case "float", "double":
		return []string{"real", "integer"}
	}
	return nil
}

// sqliteNumberCopies makes the copies of SQLite's table rebuilds refuse a
// string that is no number into a column that becomes a number (an enum
// stored by name that goes back to its number), as PostgreSQL's cast and
// MySQL/MariaDB's strict mode refuse it: SQLite would keep the text in the
// number column. A string that spells a number is converted, on every
// database. A trigger on the copy, dropped after it, aborts the copy on
// the first such value.
func sqliteNumberCopies(stmts []string, cols []numberCopy, up bool) []string {
	for _, nc := range cols {
		if nc.up != up {
			continue
		}
		bq := func(s string) string { return "`" + strings.ReplaceAll(s, "`", "``") + "`" }
		prefix := "INSERT INTO " + bq("new_"+nc.table) + " ("
		for i := 0; i < len(stmts); i++ {
			st := stmts[i]
			list, _, ok := strings.Cut(strings.TrimPrefix(st, prefix), ")")
			if !strings.HasPrefix(st, prefix) || !ok || !slices.Contains(splitTop(list), bq(nc.column)) {
				continue
			}
			trigger := bq("pf_number_" + nc.table + "_" + nc.column)
			allowed := make([]string, len(nc.types))
			for j, t := range nc.types {
				allowed[j] = "'" + t + "'"
			}
			msg := fmt.Sprintf("%s.%s holds a string that is no number (an enum value's name?), which its new type cannot hold", nc.table, nc.column)
			create := "CREATE TRIGGER " + trigger + " BEFORE INSERT ON " + bq("new_"+nc.table) +
				" WHEN typeof(NEW." + bq(nc.column) + ") NOT IN (" + strings.Join(allowed, ", ") + ", 'null')" +
				" BEGIN SELECT RAISE(ABORT, '" + strings.ReplaceAll(msg, "'", "''") + "'); END"
			stmts = slices.Insert(stmts, i+1, "DROP TRIGGER "+trigger)
			stmts = slices.Insert(stmts, i, create)
			i += 2
		}
	}
	return stmts
}

// tightenedChecks lists the checks of new column nc (table nt) that the
// old column oc (table ot) may hold values against: a rule added or
// tightened, which fails on the rows that break it. A check is kept when
// one of the old column's checks admits no more than it does. When the
// column changes type, the range its new type implies (unsigned) is the
// type change's to judge, and the old checks' bounds are compared as
// the new type stores them.
func tightenedChecks(ot, nt *sqlschema.Table, oc, nc *sqlschema.Column) []*sqlschema.Check {
	var out []*sqlschema.Check
	for _, ck := range nt.Checks {
		if ck.Column != nc.Name || ck.SQLiteOnly || oc.Type != nc.Type && typeRange(nc, ck) {
			continue
		}
		if !slices.ContainsFunc(ot.Checks, func(old *sqlschema.Check) bool {
			if old.Column != oc.Name {
				return false
			}
			if oc.Type != nc.Type {
				as := *old
				as.Uint64 = ck.Uint64
				old = &as
			}
			return looser(inclusive(oc, old), inclusive(nc, ck))
		}) {
			out = append(out, ck)
		}
	}
	return out
}

// inclusive returns check ck of integer column c with its exclusive
// bounds made the inclusive ones that admit the same integers (gt: 0 is
// gte: 1), so that bounds spelled either way compare as equal; of a float
// column, with its bounds as the float32 they stand for (the short
// decimal a snapshot of an earlier release holds, 0.1, is the same bound
// as the float32 widened to a double it holds now, 0.10000000149011612);
// ck itself for other columns and bounds.
func inclusive(c *sqlschema.Column, ck *sqlschema.Check) *sqlschema.Check {
	switch c.Type {
	case "int32", "int64", "uint32", "uint64":
	case "float":
		out := *ck
		out.Min, out.Max = sqlschema.Float32Bound(out.Min), sqlschema.Float32Bound(out.Max)
		return &out
	default:
		return ck
	}
	out := *ck
	step := func(v string, by int64) (string, bool) {
		n, ok := new(big.Int).SetString(v, 10)
		if !ok {
			return v, false
		}
		return n.Add(n, big.NewInt(by)).String(), true
	}
	if out.MinExclusive && out.Min != "" {
		if v, ok := step(out.Min, 1); ok {
			out.Min, out.MinExclusive = v, false
		}
	}
	if out.MaxExclusive && out.Max != "" {
		if v, ok := step(out.Max, -1); ok {
			out.Max, out.MaxExclusive = v, false
		}
	}
	return &out
}

// typeRange reports whether check ck is the range of column c's unsigned
// type, which the type itself implies.
func typeRange(c *sqlschema.Column, ck *sqlschema.Check) bool {
	max := map[string]string{"uint32": "4294967295", "uint64": "18446744073709551615"}[c.Type]
	return max != "" && ck.Min == "0" && ck.Max == max && !ck.MinExclusive && !ck.MaxExclusive && !ck.Outside && ck.Zero == "" && ck.MinLen == nil && ck.MaxLen == nil && len(ck.In) == 0
}

// looser reports whether check b admits every value check a admits,
// judged on their bounds; false when it cannot tell.
func looser(a, b *sqlschema.Check) bool {
	if a.SQLiteOnly != b.SQLiteOnly || a.Uint64 != b.Uint64 || a.Outside || b.Outside {
		return a.Outside && b.Outside && a.Min == b.Min && a.Max == b.Max && a.MinExclusive == b.MinExclusive && a.MaxExclusive == b.MaxExclusive && a.Zero == b.Zero && (!a.NaN || b.NaN)
	}
	if b.Zero == "" && a.Zero != "" || b.Zero != "" && a.Zero != "" && !sameLiteral(a.Zero, b.Zero) || a.NaN && !b.NaN {
		return false
	}
	bound := func(x, y string, xExcl, yExcl bool, lower bool) bool {
		if y == "" {
			return true
		}
		if x == "" {
			return false
		}
		rx, ok1 := new(big.Rat).SetString(x)
		ry, ok2 := new(big.Rat).SetString(y)
		if !ok1 || !ok2 {
			return false
		}
		c := ry.Cmp(rx)
		if !lower {
			c = -c
		}
		return c < 0 || c == 0 && (!yExcl || xExcl)
	}
	if !bound(a.Min, b.Min, a.MinExclusive, b.MinExclusive, true) || !bound(a.Max, b.Max, a.MaxExclusive, b.MaxExclusive, false) {
		return false
	}
	if b.MinLen != nil && (a.MinLen == nil || *b.MinLen > *a.MinLen) || b.MaxLen != nil && (a.MaxLen == nil || *b.MaxLen < *a.MaxLen) {
		return false
	}
	if len(b.In) > 0 {
		if len(a.In) == 0 {
			return false
		}
		for _, v := range a.In {
			if !slices.ContainsFunc(b.In, func(w string) bool { return sameLiteral(v, w) }) {
				return false
			}
		}
	}
	return b.NulSafe || !a.NulSafe
}
