package migrate

import (
	"fmt"

	"github.com/protoforge/protoforge/internal/gen/sqlschema"
)

// orderRenames turns renames that happen at once (every from is a name in
// use, every to the name it has after) into renames one after the other,
// none of which takes a name still in use: a rename waits for its target
// to be freed, and a cycle (a swap, a rotation) moves one name aside to a
// temporary name first. used holds every name that must not be taken as
// a temporary one (the names before and after).
func orderRenames(renames []rename, inUse, used map[string]bool) []rename {
	pending := make([]rename, 0, len(renames))
	for _, r := range renames {
		if r.from != r.to {
			pending = append(pending, r)
		}
	}
	held := map[string]bool{}
	for n := range inUse {
		held[n] = true
	}
	var out []rename
	for len(pending) > 0 {
		i := -1
		for j, r := range pending {
			if !held[r.to] {
				i = j
				break
			}
		}
		if i < 0 {
			// Every target is held by a name still to move: a cycle.
			r := pending[0]
			tmp := tempName(r.from, used)
			out = append(out, rename{r.from, tmp})
			held[r.from], held[tmp] = false, true
			pending[0].from = tmp
			continue
		}
		r := pending[i]
		out = append(out, r)
		held[r.from], held[r.to] = false, true
		pending = append(pending[:i], pending[i+1:]...)
	}
	return out
}

// tempName is a name for name while it moves aside, taken by no name of
// used (which it joins), no longer than every dialect accepts.
func tempName(name string, used map[string]bool) string {
	const maxIdent = 63
	for i := 0; ; i++ {
		suffix := "_pf_tmp"
		if i > 0 {
			suffix = fmt.Sprintf("_pf_tmp%d", i)
		}
		base := name
		if len(base)+len(suffix) > maxIdent {
			base = base[:maxIdent-len(suffix)]
		}
		if n := base + suffix; !used[n] {
			used[n] = true
			return n
		}
	}
}

// columnNames are the names of t's columns.
func columnNames(t *sqlschema.Table, into map[string]bool) map[string]bool {
	if into == nil {
		into = map[string]bool{}
	}
	for _, c := range t.Columns {
		into[c.Name] = true
	}
	return into
}
