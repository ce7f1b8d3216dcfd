package migrate

import (
	"math/big"
	"slices"
	"strconv"
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
