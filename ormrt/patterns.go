package ormrt

import (
	"fmt"
	"slices"
	"strings"

	"go.einride.tech/aip/resourcename"
)

// A resource with several patterns (AIP-123: Secret Manager's
// "projects/{project}/secrets/{secret}" and
// "projects/{project}/locations/{location}/secrets/{secret}") is described
// by one pattern set, its patterns joined by "|". Its rows store the union
// of the patterns' variables, one column each (see PatternVars), and ""
// in the columns of the variables a row's pattern lacks: AIP-122 ids are
// never empty, so the variables a row holds tell its pattern. No two
// patterns of a set have the same variables.

// severalPatterns reports whether pattern is a set of several patterns:
// the names of one pattern, read and written per row, skip the set's
// parsing.
func severalPatterns(pattern string) bool { return strings.IndexByte(pattern, '|') >= 0 }

// Patterns are the patterns of a pattern set, in the order declared; a
// single pattern is a set of one.
func Patterns(pattern string) []string { return strings.Split(pattern, "|") }

// PatternText is a pattern set as messages show it: "a or b".
func PatternText(pattern string) string {
	return strings.Join(Patterns(pattern), " or ")
}

// ParentPattern is the pattern set of the parents of the resources of
// pattern: each pattern without its last collection and id; "" when a
// pattern has no parent.
func ParentPattern(pattern string) string {
	var out []string
	for _, alt := range Patterns(pattern) {
		parts := strings.Split(alt, "/")
		if len(parts) < 4 {
			return ""
		}
		if p := strings.Join(parts[:len(parts)-2], "/"); !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return strings.Join(out, "|")
}

// PatternVars are the variables of a pattern set in the order its rows
// store them: those of a single pattern in its order; for several that
// end with the same variable, the variables of their parents' set, then
// that one; else each variable where it first appears. A resource's
// variables so begin with its parent's: Secret's project, location,
// secret, then SecretVersion's secret_version. Singletons (AIP-156) have
// the variables of their parents' set.
func PatternVars(pattern string) []string {
	alts := Patterns(pattern)
	if len(alts) == 1 {
		var vars []string
		for _, seg := range strings.Split(pattern, "/") {
			if v, ok := varOf(seg); ok {
				vars = append(vars, v)
			}
		}
		return vars
	}
	if SingletonPattern(pattern) {
		// Singletons (AIP-156) are keyed by their parents' variables.
		return PatternVars(OwnerPattern(pattern))
	}
	last, same := "", true
	for i, alt := range alts {
		parts := strings.Split(alt, "/")
		v, ok := varOf(parts[len(parts)-1])
		if i == 0 {
			last = v
		}
		same = same && ok && v == last
	}
	if same {
		if parent := ParentPattern(pattern); parent != "" {
			return append(PatternVars(parent), last)
		}
	}
	var vars []string
	for _, alt := range alts {
		for _, v := range PatternVars(alt) {
			if !slices.Contains(vars, v) {
				vars = append(vars, v)
			}
		}
	}
	if same {
		// The id last: the others are its parents'.
		vars = append(slices.DeleteFunc(vars, func(v string) bool { return v == last }), last)
	}
	return vars
}

func varOf(seg string) (string, bool) {
	if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
		return seg[1 : len(seg)-1], true
	}
	return "", false
}

// positions are where the variables of alt, one pattern of a set, lie
// among the set's variables vars; nil when one is not there.
func positions(alt string, vars []string) []int {
	var pos []int
	for _, v := range PatternVars(alt) {
		i := slices.Index(vars, v)
		if i < 0 {
			return nil
		}
		pos = append(pos, i)
	}
	return pos
}

// nameOf is NameOf of a pattern set: the name under the pattern whose
// variables are the non-empty ids; "" when none's are.
func nameOf(alts []string, pattern string, ids []string) string {
	vars := PatternVars(pattern)
	if len(ids) != len(vars) {
		return ""
	}
	for _, alt := range alts {
		pos := positions(alt, vars)
		if pos == nil {
			continue
		}
		held := 0
		own := make([]string, len(pos))
		for i, p := range pos {
			own[i] = ids[p]
			if ids[p] != "" {
				held++
			}
		}
		nonEmpty := 0
		for _, id := range ids {
			if id != "" {
				nonEmpty++
			}
		}
		if held == len(pos) && nonEmpty == held {
			return resourcename.Sprint(alt, own...)
		}
	}
	return ""
}

// scanNameOf is ScanName of a pattern set: the name is scanned as the
// pattern of its form; the ids of the variables that pattern lacks are "".
func scanNameOf(alts []string, pattern, name, field string, ids []*string) error {
	vars := PatternVars(pattern)
	if len(ids) == len(vars) {
		segs := strings.Split(name, "/")
		for _, alt := range alts {
			pos := positions(alt, vars)
			if pos == nil || !sameForm(alt, segs) {
				continue
			}
			own := make([]string, len(pos))
			ptrs := make([]*string, len(pos))
			for i := range own {
				ptrs[i] = &own[i]
			}
			if err := ScanName(alt, name, field, ptrs...); err != nil {
				return err
			}
			for _, id := range ids {
				*id = ""
			}
			for i, p := range pos {
				*ids[p] = own[i]
			}
			return nil
		}
	}
	if strings.HasPrefix(name, "/") {
		return &FieldError{Field: field, Err: fmt.Errorf("resource name %q does not match %s: a relative name has no leading slash", name, PatternText(pattern))}
	}
	return &FieldError{Field: field, Err: fmt.Errorf("resource name %q does not match %s", name, PatternText(pattern))}
}

// sameForm reports whether the segments of a name have the collections of
// pattern alt, whatever their ids.
func sameForm(alt string, segs []string) bool {
	parts := strings.Split(alt, "/")
	if len(parts) != len(segs) {
		return false
	}
	for i, p := range parts {
		if _, ok := varOf(p); !ok && p != segs[i] {
			return false
		}
	}
	return true
}
