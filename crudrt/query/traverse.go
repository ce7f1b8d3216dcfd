package query

import (
	"fmt"
	"strconv"
	"strings"

	"go.einride.tech/aip/filtering"
	expr "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
)

// traversal resolves the field path e names to a column whose JSON steps
// pass through a list or a map (Column.JSON), with the keys the path
// names for its maps (m.k.size: the column m.{}.size, key k; m.k: the
// column m, key k; m: the column m, no key, the map itself).
func (p *filterParser) traversal(e *expr.Expr) (c *Column, keys []string, ok bool) {
	switch e.GetExprKind().(type) {
	case *expr.Expr_IdentExpr, *expr.Expr_SelectExpr:
	default:
		return nil, nil, false
	}
	segs := strings.Split(memberName(e), ".")
	path := segs[0]
	for _, seg := range segs[1:] {
		if m := p.t.column(path); m != nil && len(m.JSON) > 0 && m.JSON[len(m.JSON)-1] == Entry {
			keys = append(keys, seg)
			path += "." + Entry
			continue
		}
		path += "." + seg
	}
	c = p.t.column(strings.TrimSuffix(path, "."+Entry))
	if c == nil || !collectionSteps(c.JSON) {
		return nil, nil, false
	}
	return c, keys, true
}

// traversalShape tells what a path resolved by traversal names: the
// list itself (r), the map itself (m), or a value (an element's field,
// r.size; a map's value, m.k; a field of one, m.k.size); and whether a
// list lies on the way to it, through which AIP-160 compares only with
// the has operator.
func traversalShape(c *Column, keys []string) (list, whole, through bool) {
	last := c.JSON[len(c.JSON)-1]
	list = last == Each
	whole = last == Entry && len(keys) < len(c.MapKeys)
	through = countSteps(c.JSON, Each) > 0 && !list || countSteps(c.JSON, Each) > 1
	return list, whole, through
}

// traverse translates lhs op rhs for a path through lists and maps (see
// traversal). As AIP-160 defines the has operator: r:42 is true when an
// element of list r is 42, r.size:42 (r a list of messages) when an
// element's size is 42, r:* when r is not empty and r.size:* when an
// element holds a size; m:"k" and m.k:* when map m has the key k, m:*
// when it is not empty, m.k:42 and m.k = 42 when its value at k is 42.
// Through a list only the has operator compares (AIP-160's traversal
// "must not" pass through a repeated field otherwise); a map's values
// compare with every operator their kind takes, true only where the
// key is present (!= being the negation of =); strings compare whole,
// without wildcards. Each condition finds its own elements: r.a:1 AND
// r.b:2 holds when one element has a 1 and another a 2.
func (p *filterParser) traverse(c *Column, keys []string, op string, lhs, rhs *expr.Expr) (frag, error) {
	path := memberName(lhs)
	if err := p.checkKeys(lhs, c, keys); err != nil {
		return frag{}, err
	}
	list, whole, through := traversalShape(c, keys)
	star := false
	if s := rhs.GetConstExpr(); s != nil && s.GetStringValue() == "*" && op == filtering.FunctionHas {
		star = true
	}
	switch {
	case whole && op != filtering.FunctionHas:
		return frag{}, p.errorAt(p.pos(rhs), "%s is a map: test for a key with %s:\"…\", or compare a value with %s.key = …", path, path, path)
	case list && c.Presence && !star:
		return frag{}, p.errorAt(p.pos(rhs), "%s is a list of messages: test for an element with %s:*, or compare the fields of its elements, e.g. %s.field:…", path, path, path)
	case list && op != filtering.FunctionHas:
		return frag{}, p.errorAt(p.pos(rhs), "%s is a list: test for an element with %s:…, or for one at all with %s:*", path, path, path)
	case through && op != filtering.FunctionHas:
		return frag{}, p.errorAt(p.pos(rhs), "%s is inside a list: through a list a filter compares only with the has operator, %s:… (an element whose value matches) or %s:*", path, path, path)
	case c.Presence && !star && !whole:
		return frag{}, p.errorAt(p.pos(rhs), "%s is a message: test whether it is set, %s:*, or compare its fields, e.g. %s.field:…", path, path, path)
	}
	if star {
		return frag{sql: p.within(c, keys, p.present)}, nil
	}
	if whole {
		key, err := p.mapKey(c.MapKeys[len(keys)], path, rhs)
		if err != nil {
			return frag{}, err
		}
		return frag{sql: p.within(c, append(keys, key), p.present)}, nil
	}
	cmp := op
	if op == filtering.FunctionHas || op == filtering.FunctionNotEquals {
		cmp = filtering.FunctionEquals
	}
	if op == filtering.FunctionHas && c.Kind != KindString {
		rhs = p.bareWord(rhs)
	}
	named := *c
	named.Path = path // in messages
	v, err := p.literal(&named, cmp, rhs)
	if err != nil {
		return frag{}, err
	}
	if _, ok := v.(pattern); ok {
		return frag{}, p.errorAt(p.pos(rhs), "%s takes no wildcards; write \\* for a star", path)
	}
	if p.t.Dialect == Postgres && list && countSteps(c.JSON, Each) == 1 && len(c.MapKeys) == 0 {
		return frag{sql: p.pgContains(c, v)}, nil
	}
	sql := p.within(c, keys, func(r jsonRef) string {
		return p.compareWith(c, p.jsonValue(c, p.text(r)), sqlOps[cmp], v)
	})
	if op == filtering.FunctionNotEquals {
		return frag{sql: "NOT " + sql}, nil
	}
	return frag{sql: sql}, nil
}

// pgContains tests on PostgreSQL that the list c, no other list or map
// on its way, holds v (r:42): jsonb containment, which PostgreSQL plans
// as one operator (a GIN index on the column can serve it) where a
// subquery over the elements is planned as a hundred rows. An integer
// is found as a number (protojson's 32-bit ones) or as the decimal
// string protojson writes for 64-bit ones; jsonb compares numbers as
// numbers and strings as their characters.
func (p *filterParser) pgContains(c *Column, v any) string {
	at := p.t.From + "." + p.t.quote(c.Name)
	if keys := c.JSON[:len(c.JSON)-1]; len(keys) > 0 {
		at = "(" + at + " #> '" + pgPath(keys) + "')"
	}
	var n string
	switch x := v.(type) {
	case int64:
		n = strconv.FormatInt(x, 10)
	case uint64:
		n = strconv.FormatUint(x, 10)
	case bool:
		return p.pgContained(at, "boolean", x)
	default:
		return p.pgContained(at, "text", v)
	}
	return "(" + p.pgContained(at, "numeric", n) + " OR " + p.pgContained(at, "text", n) + ")"
}

// pgContained is at @> [v], v bound as typ.
func (p *filterParser) pgContained(at, typ string, v any) string {
	p.args = append(p.args, v)
	return at + " @> jsonb_build_array(CAST(? AS " + typ + "))"
}

// bareWord is rhs, the right side of the has operator, as a name where
// it is an unquoted word (flags:true, phases:ACTIVE), which the parser
// reads as a string there (as a string it stays for a string field,
// tags:sf).
func (p *filterParser) bareWord(rhs *expr.Expr) *expr.Expr {
	s, ok := rhs.GetConstExpr().GetConstantKind().(*expr.Constant_StringValue)
	if _, quoted := p.strs[p.pos(rhs)]; !ok || quoted {
		return rhs
	}
	return &expr.Expr{Id: rhs.GetId(), ExprKind: &expr.Expr_IdentExpr{IdentExpr: &expr.Expr_Ident{Name: s.StringValue}}}
}

// traversalCond translates a path through lists and maps that stands
// alone as a condition: a bool value of a map (m.k), which is m.k = true.
func (p *filterParser) traversalCond(e *expr.Expr, c *Column, keys []string) (frag, error) {
	path := memberName(e)
	if err := p.checkKeys(e, c, keys); err != nil {
		return frag{}, err
	}
	list, whole, through := traversalShape(c, keys)
	switch {
	case list:
		return frag{}, p.errorAt(p.pos(e), "field %s is not a condition; test for an element, e.g. %s:…", quoteText(path), path)
	case whole:
		return frag{}, p.errorAt(p.pos(e), "field %s is not a condition; test for a key, e.g. %s:\"…\", or compare a value, e.g. %s.key = …", quoteText(path), path, path)
	case through && c.Kind == KindBool && !c.Presence:
		return frag{}, p.errorAt(p.pos(e), "%s is inside a list: through a list a filter compares only with the has operator, e.g. %s:true", path, path)
	case c.Kind != KindBool || c.Presence:
		return frag{}, p.errorAt(p.pos(e), "field %s is not a condition; compare it with a value, e.g. %s:…", quoteText(path), path)
	}
	return frag{sql: p.within(c, keys, func(r jsonRef) string {
		return p.compareWith(c, p.jsonValue(c, p.text(r)), "=", true)
	})}, nil
}

// checkKeys refuses map keys a path cannot name.
func (p *filterParser) checkKeys(e *expr.Expr, c *Column, keys []string) error {
	for i, k := range keys {
		if strings.IndexByte(k, 0) >= 0 {
			return p.errorAt(p.pos(e), "map keys may not contain NUL characters")
		}
		key, ok := canonicalKey(c.MapKeys[i], k)
		if !ok {
			return p.errorAt(p.pos(e), "%s: %s is not a key of its map, whose keys are %s", memberName(e), quoteText(k), keyKinds[c.MapKeys[i]])
		}
		keys[i] = key
	}
	return nil
}

var keyKinds = map[Kind]string{KindString: "strings", KindInt: "integers", KindUint64: "unsigned integers", KindBool: "true or false"}

// canonicalKey spells map key k of kind as protojson writes it: an
// integer in decimal without leading zeros, a bool as true or false.
func canonicalKey(kind Kind, k string) (string, bool) {
	switch kind {
	case KindInt:
		n, err := strconv.ParseInt(k, 10, 64)
		return strconv.FormatInt(n, 10), err == nil
	case KindUint64:
		n, err := strconv.ParseUint(k, 10, 64)
		return strconv.FormatUint(n, 10), err == nil
	case KindBool:
		return k, k == "true" || k == "false"
	}
	return k, true
}

// mapKey reads the key a map of keys of kind is tested for (m:"k",
// m:5, m:true), in the form protojson writes it.
func (p *filterParser) mapKey(kind Kind, path string, rhs *expr.Expr) (string, error) {
	if kind == KindBool {
		rhs = p.bareWord(rhs)
	}
	if s := rhs.GetConstExpr(); s != nil {
		if v, ok := s.GetConstantKind().(*expr.Constant_StringValue); ok && kind != KindString {
			// A key as protojson writes it: "5", "true".
			if key, ok := canonicalKey(kind, v.StringValue); ok {
				return key, nil
			}
			return "", p.errorAt(p.pos(rhs), "%s has keys that are %s: %s is not one", path, keyKinds[kind], quoteText(v.StringValue))
		}
	}
	if rhs.GetCallExpr() != nil {
		return "", p.errorAt(p.pos(rhs), "the right side of : must be a value")
	}
	lit, err := p.literal(&Column{Path: "a key of " + path, Kind: kind}, filtering.FunctionEquals, rhs)
	if err != nil {
		return "", err
	}
	switch v := lit.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case uint64:
		return strconv.FormatUint(v, 10), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", p.errorAt(p.pos(rhs), "a key of %s takes no wildcards; write \\* for a star", path)
}

// jsonRef is a JSON value inside a column: the value at keys (object
// members, spelled bare) of base, an SQL expression of JSON (jsonb on
// PostgreSQL). On SQLite, elem names the json_each whose value base is,
// when it is one: json_each gives scalars as SQL values, not JSON.
type jsonRef struct {
	base string
	keys []string
	elem string
	// args are the arguments of base's placeholders (PostgreSQL's map
	// keys), bound again wherever base is written (use).
	args []any
	// entry marks, on MySQL, the value of a map's entry its subquery
	// found by its key: there, whatever MariaDB's paths can name (not a
	// key that starts with "-").
	entry bool
}

// within returns the condition that the value at the end of c's JSON
// steps satisfies leaf for some element of each list on the way and for
// the entry at each key of keys of each map (any entry of the maps past
// them): nested EXISTS, one per list or map (on PostgreSQL see
// pgWithin), over JSON_TABLE on MySQL and MariaDB (a map's
// keys through JSON_KEYS, compared decoded and byte for byte, and its
// value read back at the key as the JSON text spells it, as
// mysqlEither's decoded form does), json_each on SQLite. A value left
// out, a list or map that is not there, gives no element.
func (p *filterParser) within(c *Column, keys []string, leaf func(jsonRef) string) string {
	if p.t.Dialect == Postgres {
		return p.pgWithin(c, keys, leaf)
	}
	r := jsonRef{base: p.t.From + "." + p.t.quote(c.Name)}
	var b strings.Builder
	open := 0
	for _, step := range c.JSON {
		if step != Each && step != Entry {
			r.keys = append(r.keys, step)
			continue
		}
		p.aliases++
		j := "pf_j" + strconv.Itoa(p.aliases)
		key := step == Entry && len(keys) > 0
		if key {
			p.args = append(p.args, keys[0])
			keys = keys[1:]
		}
		switch p.t.Dialect {
		case MySQL:
			path := mysqlPath(r.keys)
			if step == Each {
				b.WriteString("EXISTS (SELECT 1 FROM JSON_TABLE(" + r.base + ", '" + path + "[*]' COLUMNS (v JSON PATH '$')) AS " + j + " WHERE ")
				r = jsonRef{base: j + ".v"}
				break
			}
			keysOf := "JSON_KEYS(" + r.base + ")"
			if len(r.keys) > 0 {
				keysOf = "JSON_KEYS(" + r.base + ", '" + path + "')"
			}
			b.WriteString("EXISTS (SELECT 1 FROM JSON_TABLE(" + keysOf + ", '$[*]' COLUMNS (" + mysqlText + " PATH '$', p JSON PATH '$')) AS " + j + " WHERE ")
			if key {
				b.WriteString(mysqlSame(j+".s") + " AND ")
			}
			r = jsonRef{base: "JSON_EXTRACT(" + r.base + ", CONCAT('" + path + ".', " + j + ".p))", entry: true}
		default:
			b.WriteString("EXISTS (SELECT 1 FROM json_each(" + r.base + ", '" + mysqlPath(r.keys) + "') AS " + j + " WHERE ")
			if key {
				b.WriteString(j + ".key = ? AND ")
			}
			r = jsonRef{base: j + ".value", elem: j}
		}
		open++
	}
	b.WriteString(leaf(r))
	b.WriteString(strings.Repeat(")", open))
	return b.String()
}

// pgWithin is within on PostgreSQL. The entry of a map at a key is
// looked up (->, a jsonb object's keys being its decoded strings), the
// key bound, with the condition that it is there; the lists and maps
// read whole are one set-returning function each, jsonb_array_elements
// or jsonb_each for one, jsonb_path_query (lax, which passes over a
// member an element lacks) for several in a row (events.where.codes:
// the codes of every element's where): PostgreSQL plans each as a
// hundred rows (a thousand for jsonb_path_query) and so costs nested
// ones as their product, which would have it compile (JIT) even the
// query of a small table.
func (p *filterParser) pgWithin(c *Column, keys []string, leaf func(jsonRef) string) string {
	r := jsonRef{base: p.t.From + "." + p.t.quote(c.Name)}
	at := func() jsonRef { // r's value where its keys lead, as jsonb
		if len(r.keys) == 0 {
			return jsonRef{base: r.base, args: r.args}
		}
		return jsonRef{base: "(" + r.base + " #> '" + pgPath(r.keys) + "')", args: r.args}
	}
	var b strings.Builder
	open, guarded := 0, false
	steps := c.JSON
	for i := 0; i < len(steps); i++ {
		step := steps[i]
		switch {
		case step != Each && step != Entry:
			r.keys = append(r.keys, step)
			continue
		case step == Entry && len(keys) > 0:
			x := at()
			r = jsonRef{base: "(" + x.base + " -> CAST(? AS text))", args: append(x.args[:len(x.args):len(x.args)], keys[0])}
			keys = keys[1:]
			b.WriteString(p.use(r) + " IS NOT NULL AND ")
			guarded = true
			continue
		}
		// The steps read whole from here: up to the last list, or map
		// without a key, before the next map with one.
		end := i
		for k := i; k < len(steps) && !(steps[k] == Entry && len(keys) > 0); k++ {
			if steps[k] == Each || steps[k] == Entry {
				end = k
			}
		}
		p.aliases++
		j := "pf_j" + strconv.Itoa(p.aliases)
		x := at()
		switch {
		case end > i:
			path := "lax $"
			for _, s := range steps[i : end+1] {
				switch s {
				case Each:
					path += "[*]"
				case Entry:
					path += ".*"
				default:
					path += ".\"" + s + "\""
				}
			}
			b.WriteString("EXISTS (SELECT 1 FROM jsonb_path_query(" + p.use(x) + ", '" + path + "') AS " + j + "(v) WHERE ")
		case step == Each:
			b.WriteString("EXISTS (SELECT 1 FROM jsonb_array_elements(CASE WHEN jsonb_typeof(" + p.use(x) + ") = 'array' THEN " + p.use(x) + " END) AS " + j + "(v) WHERE ")
		default:
			b.WriteString("EXISTS (SELECT 1 FROM jsonb_each(CASE WHEN jsonb_typeof(" + p.use(x) + ") = 'object' THEN " + p.use(x) + " END) AS " + j + "(k, v) WHERE ")
		}
		r = jsonRef{base: j + ".v"}
		i = end
		open++
	}
	b.WriteString(leaf(r))
	b.WriteString(strings.Repeat(")", open))
	if guarded {
		return "(" + b.String() + ")"
	}
	return b.String()
}

// use returns r's base for the SQL, adding the arguments it binds.
func (p *filterParser) use(r jsonRef) string {
	p.args = append(p.args, r.args...)
	return r.base
}

// pgPath spells keys as a PostgreSQL text array literal, each quoted (a
// bare null in one is NULL).
func pgPath(keys []string) string {
	return "{\"" + strings.Join(keys, "\",\"") + "\"}"
}

// mysqlPath spells keys as a JSON path of MySQL and SQLite.
func mysqlPath(keys []string) string {
	if len(keys) == 0 {
		return "$"
	}
	return "$." + strings.Join(keys, ".")
}

// text is the SQL of r as text (a string unquoted), NULL where the JSON
// leaves it out.
func (p *filterParser) text(r jsonRef) string {
	switch p.t.Dialect {
	case Postgres:
		return "(" + p.use(r) + " #>> '" + pgPathOrRoot(r.keys) + "')"
	case MySQL:
		return "JSON_UNQUOTE(JSON_EXTRACT(" + r.base + ", '" + mysqlPath(r.keys) + "'))"
	}
	if r.elem != "" && len(r.keys) == 0 {
		return r.elem + ".value"
	}
	return "json_extract(" + r.base + ", '" + mysqlPath(r.keys) + "')"
}

// present is the condition that the JSON holds r.
func (p *filterParser) present(r jsonRef) string {
	switch p.t.Dialect {
	case Postgres:
		return "(" + p.use(r) + " #> '" + pgPathOrRoot(r.keys) + "') IS NOT NULL"
	case MySQL:
		if r.entry && len(r.keys) == 0 {
			return "1 = 1"
		}
		return "JSON_EXTRACT(" + r.base + ", '" + mysqlPath(r.keys) + "') IS NOT NULL"
	}
	if r.elem != "" && len(r.keys) == 0 {
		return r.elem + ".type IS NOT NULL"
	}
	return "json_type(" + r.base + ", '" + mysqlPath(r.keys) + "') IS NOT NULL"
}

func pgPathOrRoot(keys []string) string {
	if len(keys) == 0 {
		return "{}"
	}
	return pgPath(keys)
}

// traversalError is the error for a path that names a list or a map
// where a plain field is needed (order_by).
func traversalError(path string) string {
	return fmt.Sprintf("field %s is inside a list or map, and cannot be ordered by", quoteText(path))
}
