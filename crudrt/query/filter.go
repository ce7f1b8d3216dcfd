package query

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"go.einride.tech/aip/filtering"
	expr "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/ormrt"
)

// Limits on filters.
const (
	// MaxFilterLength is the longest filter ParseFilter accepts, in bytes.
	MaxFilterLength = 4096
	// MaxFilterDepth is the deepest nesting of parentheses ParseFilter
	// accepts.
	MaxFilterDepth = 32
	// MaxFilterWildcards is the most * wildcards ParseFilter accepts in
	// the string comparisons of one filter. Each costs a pass over the
	// compared string (on SQLite, a string that holds NUL is matched
	// literal by literal, copying what is left of it at each one), so
	// that a filter of many would make every row cost its size that many
	// times over.
	MaxFilterWildcards = 32
)

// ParseFilter parses an AIP-160 filter and translates it to a Condition
// on t. An empty (or all-space) filter gives the zero Condition.
//
// The filter is parsed with go.einride.tech/aip/filtering, checked against
// t's columns, translated, and then type-checked again by that package's
// Checker with one identifier declared per column. Every value is bound as
// a parameter; the SQL holds only t's quoted column names, operators and
// placeholders.
//
// The language:
//
//   - AND, OR, NOT (or a leading -), parentheses, and juxtaposition
//     ("a = 1 b = 2"), which means AND. As in AIP-160, OR binds tighter than
//     AND. The keywords are upper case.
//   - Comparisons field op value, with op one of = != < <= > >=. The left
//     side names a column by its Path; the right side is a literal.
//   - bool fields: = and != with true or false; a bool field alone is a
//     condition ("archived", "NOT archived").
//   - Integer fields: int64 literals, decimal (leading zeros do not make
//     octal) or 0x hexadecimal.
//   - uint64 fields: integer literals from 0 to 18446744073709551615. The
//     filtering package parses integer literals as int64 and refuses larger
//     ones, so ParseFilter reads the digits of every integer literal itself
//     before parsing, as a 64-bit magnitude whose sign the parser supplies
//     (which also admits -9223372036854775808). A literal outside the
//     compared field's range is an error.
//   - float fields: integer literals of any size, or decimal literals with
//     an optional exponent (2.5, 2.997e9, 1E-3); one beyond a double's
//     range is an error.
//   - string fields: quoted literals, with the filtering package's escapes,
//     or a bare word that names no field, the text it spells (env = prod).
//     With = and !=, each * is a wildcard matching any run of characters
//     (title = "Dune*", title = "*Messiah"); \* is a literal star. The
//     other operators compare the text as it is, stars included. Wildcard
//     comparisons use LIKE with ! as escape character on PostgreSQL and
//     MySQL, and the case-sensitive GLOB on SQLite (whose LIKE ignores
//     ASCII case, unlike its =); on SQLite a stored string that holds a
//     NUL, past which GLOB reads nothing, is matched as a BLOB instead.
//     Literals may not contain NUL.
//   - A resource name that spans columns (Column.Parts): = and != with a
//     whole name of its pattern, compared id by id with the columns of
//     its variables; an id that is * matches any, an id with * matches as
//     a string does (a * never matches a /). <, <=, > and >= with a whole
//     name, stars as text, compare its ids with the columns in turn, in
//     the order of order_by name. Another form is an error.
//   - timestamp fields: an RFC 3339 string, create_time > "2024-01-01T00:00:00Z",
//     or timestamp("2024-01-01T00:00:00Z"). Literals are converted as
//     stored timestamps are (UTC, rounded down to the microsecond), and
//     must lie within 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z.
//   - enum fields: = and != with a value name of the field's enum, unquoted
//     (state = BOOK_STATE_DRAFT).
//   - The has operator as field:*, true when a nullable field is set.
//   - Lists of strings (KindStringList): tags:"sf" is true when an element
//     is "sf"; tags:* when the list is not empty. Maps of strings
//     (KindStringMap): metadata:"lang" is true when the map has the key
//     "lang"; metadata.lang = "en" (or metadata.lang:"en") when its value
//     at "lang" is "en", metadata.lang != "en" when it is not (or the key
//     is absent), metadata.lang:* when the key is present; metadata:* when
//     the map is not empty. Keys and values are literals without
//     wildcards, compared byte for byte, however the stored JSON text
//     spells them (escaped or not): jsonb containment on PostgreSQL,
//     JSON_CONTAINS on MySQL and MariaDB (and JSON_TABLE where the JSON
//     text holds escapes, see mysqlEither), json_each on SQLite.
//   - Values inside JSON (Column.JSON): spec.size.width > 3 in a message;
//     through a list, with the has operator only, as AIP-160 has it:
//     levels:42 for an element of a list of integers, bools or enums,
//     events.attribute:"type" for an element of a list of messages whose
//     field is "type" (each condition finds its own element), levels:*
//     for a list that is not empty, events.where:* for an element that
//     holds the field; in maps of any values and keys: counts:"hits" for
//     a key, counts.hits > 5 for its value (false without the key, !=
//     being the negation of =), by_source.gcs.count = 2 for a field of a
//     message value; see traverse.
//
// See Column.Nullable for how NULL compares.
//
// Errors in the filter are *Error with Field "filter", naming the problem
// and where it is. A Table that is not valid gives an error that is not an
// *Error.
func ParseFilter(t *Table, filter string) (Condition, error) {
	if err := t.checkColumns(); err != nil {
		return Condition{}, err
	}
	if len(filter) > MaxFilterLength {
		return Condition{}, &Error{Field: "filter", Msg: fmt.Sprintf("longer than %d bytes", MaxFilterLength)}
	}
	if !utf8.ValidString(filter) {
		return Condition{}, &Error{Field: "filter", Msg: "not valid UTF-8"}
	}
	trimmed := strings.TrimSpace(filter)
	if trimmed == "" {
		return Condition{}, nil
	}
	p := &filterParser{
		t:      t,
		src:    filter,
		lead:   len(filter) - len(strings.TrimLeftFunc(filter, unicode.IsSpace)),
		ints:   make(map[int32]uint64),
		strs:   make(map[int32]string),
		floats: make(map[int32]float64),
		bigs:   make(map[int32]bigInt),
		durs:   make(map[int32]string),
	}
	prepared, err := p.prepare(trimmed)
	if err != nil {
		return Condition{}, err
	}
	var parser filtering.Parser
	parser.Init(prepared)
	parsed, err := parser.Parse()
	if err != nil {
		return Condition{}, p.syntaxError(err, int32(len(trimmed)))
	}
	p.positions = parsed.GetSourceInfo().GetPositions()
	f, err := p.cond(parsed.GetExpr())
	if err != nil {
		return Condition{}, err
	}
	if p.wildcards > MaxFilterWildcards {
		return Condition{}, &Error{Field: "filter", Msg: fmt.Sprintf("%d wildcards (*) in its strings, more than %d", p.wildcards, MaxFilterWildcards)}
	}
	if err := p.typeCheck(parsed); err != nil {
		return Condition{}, err
	}
	return Condition{SQL: f.sql, Args: p.args}, nil
}

// filterParser holds the state of one ParseFilter call.
type filterParser struct {
	t    *Table
	src  string // the filter as given
	lead int    // bytes of leading space trimmed off src before parsing

	// ints maps the offset of each integer literal, and of a minus sign
	// directly before one, to the literal's magnitude.
	ints map[int32]uint64
	// strs maps the offset of each string literal to its source text.
	strs map[int32]string
	// bigs maps the offset of each decimal integer literal above
	// 18446744073709551615, and of a minus sign directly before one, to
	// its text and its value as a double (±Inf beyond a double's range).
	bigs map[int32]bigInt
	// floats maps the offset of each decimal literal, and of a minus sign
	// directly before one, to its magnitude: the parser, which reads no
	// exponents, sees zeros in its place.
	floats map[int32]float64
	// durs maps the offset of each duration literal (AIP-160's 20s,
	// 1.2s, -1s) to its text: the parser sees a string in its place.
	durs map[int32]string

	positions map[int64]int32 // offset of each parsed expression, by id
	// wildcards counts the * wildcards of the string comparisons
	// translated so far (MaxFilterWildcards).
	wildcards int
	args      []any
	// aliases counts the subqueries of paths through lists and maps,
	// which name their rows pf_j1, pf_j2…
	aliases int
	// opaque holds the ids of the conditions on paths through lists and
	// maps, which the Checker's types cannot describe: typeCheck sees
	// them as true, and the translation alone checks their values.
	opaque map[int64]bool
	// texts holds the ids of the bare words read as text (env = prod),
	// which typeCheck sees as the strings they spell.
	texts map[int64]string
}

// errorAt returns an *Error for the problem at byte offset off of the
// trimmed filter.
func (p *filterParser) errorAt(off int32, format string, args ...any) *Error {
	return &Error{Field: "filter", Msg: p.where(off) + ": " + fmt.Sprintf(format, args...)}
}

// where spells byte offset off of the trimmed filter as a position in the
// filter as given, counting characters from 1.
func (p *filterParser) where(off int32) string {
	end := p.lead + int(off)
	if end > len(p.src) {
		end = len(p.src)
	}
	before := p.src[:end]
	line := 1 + strings.Count(before, "\n")
	col := 1 + utf8.RuneCountInString(before[strings.LastIndexByte(before, '\n')+1:])
	if line == 1 {
		return fmt.Sprintf("column %d", col)
	}
	return fmt.Sprintf("line %d, column %d", line, col)
}

func (p *filterParser) pos(e *expr.Expr) int32 { return p.positions[e.GetId()] }

// prepare lexes the trimmed filter, enforces MaxFilterDepth and records
// the literals the filtering package cannot represent, rewriting them in
// place to text of the same length it parses:
//
//   - each integer literal's digits become zeros ending in 1 (hexadecimal
//     ones keep their 0x), so it parses as 1 or -1 whatever its size: the
//     sign comes from the parser and the magnitude from ints;
//   - each \* in a string literal becomes \?, a valid escape; the value is
//     read again from the source text, where \* is a literal star;
//   - each decimal literal, with or without an exponent (AIP-160's
//     2.997e9, which the parser does not read), becomes 0.0…0, so that it
//     parses as 0 or -0: the sign comes from the parser and the magnitude
//     from floats, and a magnitude no double holds (1e309) is refused.
func (p *filterParser) prepare(f string) (string, error) {
	var lx filtering.Lexer
	lx.Init(f)
	var toks []filtering.Token
	for {
		tok, err := lx.Lex()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", p.syntaxError(err, int32(len(f)))
		}
		toks = append(toks, tok)
	}
	buf := []byte(f)
	depth := 0
	for i := 0; i < len(toks); i++ {
		tok := toks[i]
		off := tok.Position.Offset
		if start, end, ok := durationLiteral(toks, i); ok {
			// AIP-160's 20s, 1.2s, -1s: a string of the same length,
			// read as a duration from durs.
			from := toks[start].Position.Offset
			to := int(toks[end-1].Position.Offset) + len(toks[end-1].Value)
			p.durs[from] = f[from:to]
			span := buf[from:to]
			for j := range span {
				span[j] = '0'
			}
			span[0], span[len(span)-1] = '"', '"'
			i = end - 1
			continue
		}
		if end, text, ok := floatLiteral(toks, i); ok {
			v, err := strconv.ParseFloat(text, 64)
			if err != nil {
				return "", p.errorAt(off, "number %s is out of range (a double holds at most ±1.7976931348623157e308)", quoteText(text))
			}
			p.floats[off] = v
			if i > 0 && toks[i-1].Type == filtering.TokenTypeMinus {
				p.floats[toks[i-1].Position.Offset] = v
			}
			span := buf[off : int(off)+len(text)]
			for j := range span {
				span[j] = '0'
			}
			span[1] = '.'
			i = end - 1
			continue
		}
		switch tok.Type {
		case filtering.TokenTypeLeftParen:
			if depth++; depth > MaxFilterDepth {
				return "", p.errorAt(off, "parentheses nested deeper than %d", MaxFilterDepth)
			}
		case filtering.TokenTypeRightParen:
			depth--
		case filtering.TokenTypeNumber:
			// Digits next to a dot belong to a float (or a member name).
			if (i > 0 && toks[i-1].Type == filtering.TokenTypeDot) ||
				(i+1 < len(toks) && toks[i+1].Type == filtering.TokenTypeDot) {
				continue
			}
			for j := 0; j < len(tok.Value); j++ {
				if tok.Value[j] < '0' || tok.Value[j] > '9' {
					return "", p.errorAt(off, "invalid number %s", quoteText(tok.Value))
				}
			}
			n, err := strconv.ParseUint(tok.Value, 10, 64)
			if err != nil {
				// Beyond every integer field, but a number a float field
				// compares with: which one the field is, is known later.
				f, _ := strconv.ParseFloat(tok.Value, 64)
				p.bigs[off] = bigInt{tok.Value, f}
				if i > 0 && toks[i-1].Type == filtering.TokenTypeMinus {
					p.bigs[toks[i-1].Position.Offset] = p.bigs[off]
				}
			}
			p.recordInt(toks, i, n)
			placeholder(buf[off : int(off)+len(tok.Value)])
		case filtering.TokenTypeHexNumber:
			digits := tok.Value[2:]
			if !strings.HasPrefix(tok.Value, "0x") || digits == "" {
				return "", p.errorAt(off, "invalid number %s", quoteText(tok.Value))
			}
			n, err := strconv.ParseUint(digits, 16, 64)
			if err != nil {
				return "", p.errorAt(off, "integer %s is out of range (the largest is 0xffffffffffffffff)", quoteText(tok.Value))
			}
			p.recordInt(toks, i, n)
			placeholder(buf[int(off)+2 : int(off)+len(tok.Value)])
		case filtering.TokenTypeString:
			p.strs[off] = tok.Value
			for j := int(off) + 1; j < int(off)+len(tok.Value)-1; j++ {
				if buf[j] == '\\' {
					if buf[j+1] == '*' {
						buf[j+1] = '?'
					}
					j++
				}
			}
		}
	}
	return string(buf), nil
}

// tokenTests are two tests of toks: whether toks[a] ends where toks[b]
// begins, and whether toks[k] is part of a name or a number.
func tokenTests(toks []filtering.Token) (touches func(a, b int) bool, word func(k int) bool) {
	touches = func(a, b int) bool {
		return int(toks[a].Position.Offset)+len(toks[a].Value) == int(toks[b].Position.Offset)
	}
	word = func(k int) bool {
		switch toks[k].Type {
		case filtering.TokenTypeText, filtering.TokenTypeNumber, filtering.TokenTypeHexNumber, filtering.TokenTypeDot:
			return true
		}
		return false
	}
	return touches, word
}

// durationLiteral reports whether AIP-160's duration literal starts at
// toks[i]: a number in seconds followed by s, its tokens touching each
// other (20s, 1.2s, .5s, and -20s from its minus where no name or number
// touches the minus), and no name or number touching it on either side.
// It returns the indexes of its first token and of the token after it.
func durationLiteral(toks []filtering.Token, i int) (start, end int, ok bool) {
	touches, word := tokenTests(toks)
	start, k := i, i
	if toks[k].Type == filtering.TokenTypeMinus {
		if k+1 >= len(toks) || !touches(k, k+1) {
			return 0, 0, false
		}
		k++
	}
	if start > 0 && (word(start-1) || toks[start-1].Type == filtering.TokenTypeMinus) && touches(start-1, start) {
		return 0, 0, false
	}
	digits := false
	if toks[k].Type == filtering.TokenTypeNumber {
		digits = true
		k++
	}
	if k < len(toks) && toks[k].Type == filtering.TokenTypeDot && touches(k-1, k) {
		k++
		if k < len(toks) && toks[k].Type == filtering.TokenTypeNumber && touches(k-1, k) {
			digits = true
			k++
		}
	}
	if !digits || k >= len(toks) || k == start || !touches(k-1, k) ||
		toks[k].Type != filtering.TokenTypeText || toks[k].Value != "s" {
		return 0, 0, false
	}
	k++
	if k < len(toks) && word(k) && touches(k-1, k) {
		return 0, 0, false
	}
	return start, k, true
}

// floatLiteral reports whether a decimal number starts at toks[i] (a
// number with a dot, an exponent or both: 2.5, .5, 2., 2.5e10, 1E-3,
// 1e+3), the index of the token after it, and its text. Its tokens touch
// each other, and no name or number touches it on either side (x.5 is a
// field path, 1.5.2 and 1.5x are left to the parser to refuse).
func floatLiteral(toks []filtering.Token, i int) (end int, text string, ok bool) {
	touches, word := tokenTests(toks)
	is := func(k int, t filtering.TokenType) bool {
		return k < len(toks) && toks[k].Type == t && (k == i || touches(k-1, k))
	}
	if i > 0 && word(i-1) && touches(i-1, i) {
		return 0, "", false
	}
	k, dot := i, false
	if is(k, filtering.TokenTypeNumber) {
		k++
	}
	if is(k, filtering.TokenTypeDot) {
		k, dot = k+1, true
		if is(k, filtering.TokenTypeNumber) {
			k++
		}
	}
	if k == i || (k == i+1 && dot) {
		return 0, "", false // no digits
	}
	exp := false
	if is(k, filtering.TokenTypeText) {
		v := toks[k].Value
		switch {
		case (v == "e" || v == "E") && is(k+1, filtering.TokenTypeMinus) && is(k+2, filtering.TokenTypeNumber):
			k, exp = k+3, true
		case len(v) > 1 && (v[0] == 'e' || v[0] == 'E') && allDigits(strings.TrimPrefix(v[1:], "+")):
			k, exp = k+1, true
		}
	}
	if !dot && !exp || (k < len(toks) && word(k) && touches(k-1, k)) {
		return 0, "", false
	}
	var b strings.Builder
	for _, t := range toks[i:k] {
		b.WriteString(t.Value)
	}
	return k, b.String(), true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// bigInt is an integer literal no integer field holds.
type bigInt struct {
	text string
	f    float64
}

// recordInt records magnitude n of the integer literal toks[i] at its
// offset, and at the offset of a minus sign directly before it, where the
// parser places a negative literal.
func (p *filterParser) recordInt(toks []filtering.Token, i int, n uint64) {
	p.ints[toks[i].Position.Offset] = n
	if i > 0 && toks[i-1].Type == filtering.TokenTypeMinus {
		p.ints[toks[i-1].Position.Offset] = n
	}
}

// placeholder overwrites digits with zeros ending in 1.
func placeholder(digits []byte) {
	for j := range digits {
		digits[j] = '0'
	}
	digits[len(digits)-1] = '1'
}

// grammarRules are the messages with which the filtering parser wraps
// errors at each rule; they say where, not what.
var grammarRules = map[string]bool{
	"expression": true, "sequence": true, "factor": true, "term": true,
	"simple": true, "restriction": true, "comparable": true, "member": true,
	"function": true, "composite": true, "number": true, "float": true,
	"int": true, "arg": true, "parse token": true,
}

// syntaxError turns an error of the filtering lexer or parser into an
// *Error naming its innermost cause and position. end is the length of
// the trimmed filter.
func (p *filterParser) syntaxError(err error, end int32) error {
	type positioned interface {
		Position() filtering.Position
		Message() string
	}
	msg, off := "", int32(0)
	for e := err; e != nil; e = errors.Unwrap(e) {
		pe, ok := e.(positioned)
		if !ok {
			if errors.Is(e, io.EOF) {
				msg, off = "unexpected end of filter", end
			} else if msg == "" {
				msg = e.Error()
			}
			break
		}
		off = pe.Position().Offset
		if !grammarRules[pe.Message()] {
			msg = pe.Message()
		}
	}
	if msg == "" {
		msg = "invalid filter"
	}
	return p.errorAt(off, "syntax error: %s", msg)
}

// frag is a translated condition.
type frag struct {
	sql string
	// enclosed reports whether sql is wrapped in parentheses as a whole.
	enclosed bool
}

func (f frag) wrapped() string {
	if f.enclosed {
		return f.sql
	}
	return "(" + f.sql + ")"
}

// cond translates e, which must be a condition.
func (p *filterParser) cond(e *expr.Expr) (frag, error) {
	switch k := e.GetExprKind().(type) {
	case *expr.Expr_CallExpr:
		call := k.CallExpr
		args := call.GetArgs()
		switch fn := call.GetFunction(); fn {
		case filtering.FunctionAnd, filtering.FunctionFuzzyAnd, filtering.FunctionOr:
			if len(args) == 2 {
				return p.junction(e, fn)
			}
		case filtering.FunctionNot:
			if len(args) == 1 {
				f, err := p.cond(args[0])
				if err != nil {
					return frag{}, err
				}
				return frag{sql: "NOT " + f.wrapped()}, nil
			}
		case filtering.FunctionEquals, filtering.FunctionNotEquals,
			filtering.FunctionLessThan, filtering.FunctionLessEquals,
			filtering.FunctionGreaterThan, filtering.FunctionGreaterEquals,
			filtering.FunctionHas:
			if len(args) == 2 {
				return p.comparison(e, fn, args[0], args[1])
			}
		case filtering.FunctionTimestamp, filtering.FunctionDuration:
			return frag{}, p.errorAt(p.pos(e), "%s(…) is a value, not a condition; compare a field with it", fn)
		}
		return frag{}, p.errorAt(p.pos(e), "unknown function %s", quoteText(call.GetFunction()))
	case *expr.Expr_IdentExpr:
		name := k.IdentExpr.GetName()
		if c, keys, ok := p.traversal(e); ok {
			p.markOpaque(e)
			return p.traversalCond(e, c, keys)
		}
		c := p.t.column(name)
		if c == nil {
			return frag{}, p.unknownField(e, name)
		}
		if c.Presence {
			return frag{}, p.errorAt(p.pos(e), "field %s is not a condition; test whether it is set, %s:*, or compare its fields, e.g. %s.field = …", quoteText(name), name, name)
		}
		switch c.Kind {
		case KindBool:
			return p.compare(c, "=", true), nil
		case KindStringList:
			return frag{}, p.errorAt(p.pos(e), "field %s is not a condition; test for an element, e.g. %s:\"…\"", quoteText(name), name)
		case KindStringMap:
			return frag{}, p.errorAt(p.pos(e), "field %s is not a condition; test for a key, e.g. %s:\"…\", or compare a value, e.g. %s.key = \"…\"", quoteText(name), name, name)
		}
		return frag{}, p.errorAt(p.pos(e), "field %s is not a condition; compare it with a value, e.g. %s = …", quoteText(name), name)
	case *expr.Expr_SelectExpr:
		if c, keys, ok := p.traversal(e); ok {
			p.markOpaque(e)
			return p.traversalCond(e, c, keys)
		}
		if c, key, ok := p.mapEntry(e); ok {
			return frag{}, p.errorAt(p.pos(e), "%s is not a condition; compare it with a value, e.g. %s.%s = \"…\"", quoteText(memberName(e)), c.Path, key)
		}
		c := p.t.column(memberName(e))
		switch {
		case c == nil || c.JSON == nil:
			return frag{}, p.unknownField(e, memberName(e))
		case c.Presence:
			return frag{}, p.errorAt(p.pos(e), "field %s is not a condition; test whether it is set, %s:*, or compare its fields, e.g. %s.field = …", quoteText(c.Path), c.Path, c.Path)
		case c.Kind == KindBool:
			return p.compare(c, "=", true), nil
		}
		return frag{}, p.errorAt(p.pos(e), "field %s is not a condition; compare it with a value, e.g. %s = …", quoteText(c.Path), c.Path)
	case *expr.Expr_ConstExpr:
		return frag{}, p.errorAt(p.pos(e), "a bare value is not a condition (free-text search is not supported); compare a field with it, e.g. field = %s", constText(k.ConstExpr))
	}
	return frag{}, p.errorAt(p.pos(e), "unsupported expression")
}

// junction translates a chain of AND (or OR) as one flat, parenthesized
// list.
func (p *filterParser) junction(e *expr.Expr, fn string) (frag, error) {
	isAnd := fn != filtering.FunctionOr
	same := func(x *expr.Expr) bool {
		c := x.GetCallExpr()
		if c == nil || len(c.GetArgs()) != 2 {
			return false
		}
		switch c.GetFunction() {
		case filtering.FunctionAnd, filtering.FunctionFuzzyAnd:
			return isAnd
		case filtering.FunctionOr:
			return !isAnd
		}
		return false
	}
	// Collect operands left to right without recursion on the chain.
	var operands []*expr.Expr
	stack := []*expr.Expr{e}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if same(x) {
			a := x.GetCallExpr().GetArgs()
			stack = append(stack, a[1], a[0])
			continue
		}
		operands = append(operands, x)
	}
	parts := make([]string, len(operands))
	for i, x := range operands {
		f, err := p.cond(x)
		if err != nil {
			return frag{}, err
		}
		parts[i] = f.sql
	}
	sep := " OR "
	if isAnd {
		sep = " AND "
	}
	// A database parses a chain as a tree as deep as the chain is long
	// (SQLite refuses one over 1000 deep): long chains are grouped in
	// parenthesized runs, which keeps the tree shallow.
	for len(parts) > maxRun {
		var grouped []string
		for i := 0; i < len(parts); i += maxRun {
			grouped = append(grouped, "("+strings.Join(parts[i:min(i+maxRun, len(parts))], sep)+")")
		}
		parts = grouped
	}
	return frag{sql: "(" + strings.Join(parts, sep) + ")", enclosed: true}, nil
}

func (p *filterParser) unknownField(e *expr.Expr, name string) error {
	if msg := p.t.inputOnlyError(name); msg != "" {
		return p.errorAt(p.pos(e), "%s", msg)
	}
	hint := ""
	switch strings.ToUpper(name) {
	case "AND", "OR", "NOT":
		hint = "; the keywords AND, OR and NOT are upper case"
	}
	// The fields inside messages stored as JSON go under their message.
	for i := range p.t.Columns {
		if c := &p.t.Columns[i]; c.Presence && strings.HasPrefix(name, c.Path+".") && !strings.Contains(c.Path, Entry) {
			what := "a message stored as JSON"
			if len(c.JSON) > 0 && c.JSON[len(c.JSON)-1] == Each {
				what = "a list of messages stored as JSON"
			} else if len(c.JSON) > 0 && c.JSON[len(c.JSON)-1] == Entry {
				what = "a map of messages stored as JSON"
			}
			hint = fmt.Sprintf("; %s is inside %s, %s, of which filters compare the strings, integers, bools and enums, to four levels", quoteText(name), c.Path, what)
		}
	}
	return p.errorAt(p.pos(e), "unknown field %s (fields: %s)%s", quoteText(name), p.t.fieldList(topLevel), hint)
}

// memberName spells a.b.c for an error message.
func memberName(e *expr.Expr) string {
	switch k := e.GetExprKind().(type) {
	case *expr.Expr_IdentExpr:
		return k.IdentExpr.GetName()
	case *expr.Expr_SelectExpr:
		return memberName(k.SelectExpr.GetOperand()) + "." + k.SelectExpr.GetField()
	}
	return "…"
}

func constText(c *expr.Constant) string {
	switch k := c.GetConstantKind().(type) {
	case *expr.Constant_StringValue:
		return quoteText(k.StringValue)
	case *expr.Constant_DoubleValue:
		return strconv.FormatFloat(k.DoubleValue, 'g', -1, 64)
	}
	return "…"
}

// sqlOps maps filter comparators to SQL.
var sqlOps = map[string]string{
	filtering.FunctionEquals:        "=",
	filtering.FunctionNotEquals:     "<>",
	filtering.FunctionLessThan:      "<",
	filtering.FunctionLessEquals:    "<=",
	filtering.FunctionGreaterThan:   ">",
	filtering.FunctionGreaterEquals: ">=",
}

// comparison translates lhs op rhs.
func (p *filterParser) comparison(e *expr.Expr, op string, lhs, rhs *expr.Expr) (frag, error) {
	if c, keys, ok := p.traversal(lhs); ok {
		p.markOpaque(e)
		return p.traverse(c, keys, op, lhs, rhs)
	}
	var c *Column
	switch k := lhs.GetExprKind().(type) {
	case *expr.Expr_IdentExpr:
		if c = p.t.column(k.IdentExpr.GetName()); c == nil {
			return frag{}, p.unknownField(lhs, k.IdentExpr.GetName())
		}
		if c.Kind.collection() {
			return p.collection(c, op, rhs)
		}
		if c.Parts != nil {
			return p.resourceName(c, op, rhs)
		}
	case *expr.Expr_SelectExpr:
		if c, key, ok := p.mapEntry(lhs); ok {
			if strings.IndexByte(key, 0) >= 0 {
				return frag{}, p.errorAt(p.pos(lhs), "map keys may not contain NUL characters")
			}
			return p.mapValue(c, key, op, rhs)
		}
		if c = p.t.column(memberName(lhs)); c == nil || c.JSON == nil {
			return frag{}, p.unknownField(lhs, memberName(lhs))
		}
		if c.Kind == KindEnumName && op != filtering.FunctionEquals && op != filtering.FunctionNotEquals && op != filtering.FunctionHas {
			return frag{}, p.errorAt(p.pos(rhs), "%s is an enum inside a message stored as JSON: it compares only with = and !=", c.Path)
		}
	default:
		return frag{}, p.errorAt(p.pos(lhs), "the left side of %s must be a field name", op)
	}
	if op == filtering.FunctionHas {
		if s := rhs.GetConstExpr(); c.JSON != nil && !c.Presence && (s == nil || s.GetStringValue() != "*") {
			// AIP-160's m.foo:42 in a message: m.foo = 42, which the
			// Checker's has operator does not take.
			p.markOpaque(e)
			return p.hasValue(c, rhs)
		}
		return p.has(c, rhs)
	}
	if c.Presence {
		return frag{}, p.errorAt(p.pos(rhs), "%s is a message: test whether it is set, %s:*, or compare its fields, e.g. %s.field = …", c.Path, c.Path, c.Path)
	}
	v, err := p.literal(c, op, rhs)
	if err != nil {
		return frag{}, err
	}
	if s, ok := v.(pattern); ok {
		return p.like(c, op == filtering.FunctionNotEquals, s), nil
	}
	return p.compare(c, sqlOps[op], v), nil
}

// resourceName translates name = "…" and name != "…" for a resource name
// that spans columns (Column.Parts): each id of the literal is compared
// with the column of its variable, a bare * matches any id and an id
// with wildcards matches as a string does; the collections must be the
// pattern's. A name of another form is an error, which says the form.
func (p *filterParser) resourceName(c *Column, op string, rhs *expr.Expr) (frag, error) {
	example := strconv.Quote(c.Pattern)
	ordered := op == filtering.FunctionLessThan || op == filtering.FunctionLessEquals ||
		op == filtering.FunctionGreaterThan || op == filtering.FunctionGreaterEquals
	if op != filtering.FunctionEquals && op != filtering.FunctionNotEquals && !ordered {
		return frag{}, p.errorAt(p.pos(rhs), "%s is a resource name, %s: it compares only with = and != (a whole name, * for any id) and with <, <=, > and >= (a whole name), e.g. %s = %s", c.Path, c.Pattern, c.Path, example)
	}
	lit := rhs.GetConstExpr()
	if _, dur := p.durs[p.pos(rhs)]; dur {
		return frag{}, p.mismatch(c, rhs, "a duration")
	}
	if _, ok := lit.GetConstantKind().(*expr.Constant_StringValue); !ok || rhs.GetCallExpr() != nil {
		return frag{}, p.errorAt(p.pos(rhs), "%s is a resource name: compare it with a quoted name, e.g. %s = %s", c.Path, c.Path, example)
	}
	// An ordering compares the text as it is, stars included, as it does
	// for a string.
	v, err := p.stringLiteral(rhs, lit.GetStringValue(), !ordered)
	if err != nil {
		return frag{}, err
	}
	segs := nameSegments(v)
	bad := func() (frag, error) {
		return frag{}, p.errorAt(p.pos(rhs), "%s holds resource names of the form %s (* for any id): %s is not one", c.Path, ormrt.PatternText(c.Pattern), quoteText(lit.GetStringValue()))
	}
	// The pattern of the name's form: the one of its set whose
	// collections it has (ormrt.Patterns); the parts of the variables it
	// lacks hold "".
	vars := ormrt.PatternVars(c.Pattern)
	var form []string
	for _, alt := range ormrt.Patterns(c.Pattern) {
		if f := strings.Split(alt, "/"); len(f) == len(segs) && sameCollections(f, segs) {
			form = f
			break
		}
	}
	if form == nil {
		return bad()
	}
	if ordered {
		return p.nameOrder(c, op, vars, form, segs, bad)
	}
	var parts []string
	held := map[int]bool{}
	for i, want := range form {
		seg := segs[i]
		if !strings.HasPrefix(want, "{") {
			continue
		}
		at := slices.Index(vars, strings.Trim(want, "{}"))
		held[at] = true
		col := p.t.keyColumn(c.Parts[at])
		switch {
		case len(seg) == 1 && seg[0] == "":
			return bad() // an empty id
		case len(seg) == 1:
			parts = append(parts, p.compare(col, "=", seg[0]).sql)
		case strings.Join(seg, "") == "":
			// Only wildcards: any id.
		default:
			parts = append(parts, p.like(col, false, seg).sql)
		}
	}
	for i := range vars {
		if !held[i] {
			parts = append(parts, p.compare(p.t.keyColumn(c.Parts[i]), "=", "").sql)
		}
	}
	sql := "1 = 1"
	if len(parts) > 0 {
		sql = strings.Join(parts, " AND ")
	}
	if op == filtering.FunctionNotEquals {
		return frag{sql: "NOT (" + sql + ")"}, nil
	}
	return frag{sql: "(" + sql + ")", enclosed: true}, nil
}

// nameOrder translates name < "…", <=, > and >= for a resource name that
// spans columns: the name's ids, in the order of the pattern's
// variables, compare with the columns in turn, as order_by name sorts
// them (an id after the first compares only where those before it are
// equal), so that name > the last name of a page ordered by name is
// what follows it. The name is a whole one of form (segs, without
// wildcards); the variables it lacks compare with "".
func (p *filterParser) nameOrder(c *Column, op string, vars, form []string, segs []pattern, bad func() (frag, error)) (frag, error) {
	ids := make([]string, len(vars))
	for i, want := range form {
		if strings.HasPrefix(want, "{") {
			if segs[i][0] == "" {
				return bad() // an empty id
			}
			ids[slices.Index(vars, strings.Trim(want, "{}"))] = segs[i][0]
		}
	}
	strict := sqlOps[op][:1] // < or >
	var sql strings.Builder
	for i, id := range ids {
		col := p.t.keyColumn(c.Parts[i])
		if i == len(ids)-1 {
			sql.WriteString(p.compare(col, sqlOps[op], id).sql)
			break
		}
		sql.WriteString("(" + p.compare(col, strict, id).sql + " OR (" + p.compare(col, "=", id).sql + " AND ")
	}
	sql.WriteString(strings.Repeat("))", len(ids)-1))
	return frag{sql: sql.String(), enclosed: true}, nil
}

// sameCollections reports whether the segments of a name have the
// collections of form, a pattern split at its slashes.
func sameCollections(form []string, segs []pattern) bool {
	for i, want := range form {
		if !strings.HasPrefix(want, "{") && (len(segs[i]) != 1 || segs[i][0] != want) {
			return false
		}
	}
	return true
}

// nameSegments splits a string literal, or a pattern of one, at each /
// into the segments of a resource name, each a pattern: one part where it
// has no wildcard.
func nameSegments(v any) []pattern {
	s, ok := v.(pattern)
	if !ok {
		s = pattern{v.(string)}
	}
	segs := []pattern{{""}}
	for i, piece := range s {
		cur := &segs[len(segs)-1]
		if i > 0 {
			*cur = append(*cur, "") // a wildcard between pieces
		}
		chunks := strings.Split(piece, "/")
		(*cur)[len(*cur)-1] += chunks[0]
		for _, ch := range chunks[1:] {
			segs = append(segs, pattern{ch})
		}
	}
	return segs
}

// has translates field:*, the only form of the has operator a column
// supports.
func (p *filterParser) has(c *Column, rhs *expr.Expr) (frag, error) {
	if s := rhs.GetConstExpr(); s == nil || s.GetStringValue() != "*" {
		return frag{}, p.errorAt(p.pos(rhs), "the has operator ':' is supported only as %s:* (is the field set)", c.Path)
	}
	if c.JSON != nil {
		// Set: the object holds it (protojson leaves zero values out).
		return frag{sql: p.jsonPresent(c)}, nil
	}
	if !c.Nullable {
		return frag{}, p.errorAt(p.pos(rhs), "%s:* tests whether a field is set, but %s is always set", c.Path, c.Path)
	}
	return frag{sql: p.t.quote(c.Name) + " IS NOT NULL"}, nil
}

// hasValue translates field:value for a value inside a message stored
// as JSON: field = value, the value written whole (no wildcards), as the
// has operator takes it through lists and maps.
func (p *filterParser) hasValue(c *Column, rhs *expr.Expr) (frag, error) {
	if c.Kind != KindString {
		rhs = p.bareWord(rhs)
	}
	v, err := p.literal(c, filtering.FunctionEquals, rhs)
	if err != nil {
		return frag{}, err
	}
	if _, ok := v.(pattern); ok {
		return frag{}, p.errorAt(p.pos(rhs), "%s takes no wildcards after ':'; write \\* for a star, or %s = … to match a pattern", c.Path, c.Path)
	}
	return p.compare(c, "=", v), nil
}

// mapEntry reports whether e is m.key for a KindStringMap column m.
func (p *filterParser) mapEntry(e *expr.Expr) (*Column, string, bool) {
	sel := e.GetSelectExpr()
	id := sel.GetOperand().GetIdentExpr()
	if id == nil {
		return nil, "", false
	}
	c := p.t.column(id.GetName())
	if c == nil || c.Kind != KindStringMap {
		return nil, "", false
	}
	return c, sel.GetField(), true
}

// element reads the string a list or map is tested for: a literal without
// wildcards. star reports a bare *.
func (p *filterParser) element(c *Column, op, what string, rhs *expr.Expr) (v string, star bool, err error) {
	if rhs.GetCallExpr() != nil {
		return "", false, p.errorAt(p.pos(rhs), "the right side of %s must be a value", op)
	}
	if s := rhs.GetConstExpr(); s != nil && s.GetStringValue() == "*" {
		return "", true, nil
	}
	lit, err := p.literal(&Column{Path: c.Path, Name: c.Name, Kind: KindString}, filtering.FunctionEquals, rhs)
	if err != nil {
		return "", false, err
	}
	v, ok := lit.(string)
	if !ok {
		return "", false, p.errorAt(p.pos(rhs), "%s takes no wildcards; write \\* for a star", what)
	}
	return v, false, nil
}

// collection translates list:"value" (an element equals value), map:"key"
// (the map has the key), and list:* or map:* (not empty), the has
// operator being the only comparison of a whole list or map (AIP-160).
func (p *filterParser) collection(c *Column, op string, rhs *expr.Expr) (frag, error) {
	if op != filtering.FunctionHas {
		if c.Kind == KindStringList {
			return frag{}, p.errorAt(p.pos(rhs), "%s is a list: test for an element with %s:\"…\"", c.Path, c.Path)
		}
		return frag{}, p.errorAt(p.pos(rhs), "%s is a map: test for a key with %s:\"…\", or compare a value with %s.key = \"…\"", c.Path, c.Path, c.Path)
	}
	what := "an element of " + c.Path
	if c.Kind == KindStringMap {
		what = "a key of " + c.Path
	}
	v, star, err := p.element(c, op, what, rhs)
	if err != nil {
		return frag{}, err
	}
	if c.Kind == KindStringMap && !star {
		return p.collectionKey(c, v), nil
	}
	if c.Canonical != nil && !star {
		v = c.Canonical(v) // an element, as stored
	}
	q, qq := p.t.quote(c.Name), p.t.From+"."+p.t.quote(c.Name)
	if star {
		switch {
		case p.t.Dialect == Postgres && c.Kind == KindStringList:
			return frag{sql: "jsonb_array_length(" + q + ") > 0"}, nil
		case p.t.Dialect == Postgres:
			return frag{sql: q + " <> '{}'::jsonb"}, nil
		case p.t.Dialect == MySQL:
			return frag{sql: "JSON_LENGTH(" + q + ") > 0"}, nil
		}
		return frag{sql: "EXISTS (SELECT 1 FROM json_each(" + qq + "))"}, nil
	}
	has := listHas(p.t.Dialect, q, qq, v)
	p.args = append(p.args, has.Args...)
	return frag{sql: has.SQL, enclosed: p.t.Dialect == MySQL}, nil
}

// ListHolds is the condition that the list of strings that column name
// of table from (quoted) stores as a JSON array holds v, tested as
// filters test tags:"sf": byte for byte, however the JSON text spells it.
func ListHolds(d Dialect, from, name, v string) Condition {
	q := ormrt.QuoteIdent(d, name)
	return listHas(d, q, from+"."+q, v)
}

// listHas is the test that the list in column q (qq: q qualified by its
// table) holds v, with its arguments.
func listHas(d Dialect, q, qq, v string) Condition {
	switch d {
	case Postgres:
		return Condition{SQL: q + " @> jsonb_build_array(CAST(? AS text))", Args: []any{v}}
	case MySQL:
		return Condition{SQL: mysqlEitherSQL(q, "JSON_CONTAINS("+q+", JSON_QUOTE(?))",
			"EXISTS (SELECT 1 FROM JSON_TABLE("+qq+", '$[*]' COLUMNS ("+mysqlText+" PATH '$', e JSON PATH '$')) AS j "+
				"WHERE JSON_TYPE(j.e) = 'STRING' AND "+mysqlSame("j.s")+")"), Args: []any{v, v}}
	}
	return Condition{SQL: "EXISTS (SELECT 1 FROM json_each(" + qq + ") AS j WHERE j.type = 'text' AND j.value = ?)", Args: []any{v}}
}

// mapValue translates map.key op rhs: = and != compare the value at key
// (a map without the key has no value equal to any), :"value" is =, and
// :* tests for the key.
func (p *filterParser) mapValue(c *Column, key, op string, rhs *expr.Expr) (frag, error) {
	path := c.Path + "." + key
	switch op {
	case filtering.FunctionEquals, filtering.FunctionNotEquals, filtering.FunctionHas:
	default:
		return frag{}, p.errorAt(p.pos(rhs), "%s compares only with =, != and :", path)
	}
	v, star, err := p.element(c, op, path, rhs)
	if err != nil {
		return frag{}, err
	}
	if c.Canonical != nil && !star {
		v = c.Canonical(v) // a value, as stored
	}
	if star {
		if op != filtering.FunctionHas {
			return frag{}, p.errorAt(p.pos(rhs), "%s takes no wildcards; write \\* for a star, or %s:* to test for the key", path, path)
		}
		return p.collectionKey(c, key), nil
	}
	q, qq := p.t.quote(c.Name), p.t.From+"."+p.t.quote(c.Name)
	p.args = append(p.args, key, v)
	var sql string
	switch p.t.Dialect {
	case Postgres:
		sql = q + " @> jsonb_build_object(CAST(? AS text), CAST(? AS text))"
	case MySQL:
		// The key as the JSON text spells it, from JSON_KEYS, names it in
		// the path: MariaDB's JSON_EXTRACT finds a member by the spelling
		// of its name.
		value := "JSON_EXTRACT(" + qq + ", CONCAT('$.', j.p))"
		sql = p.mysqlEither(q, "JSON_CONTAINS("+q+", JSON_OBJECT(?, ?))",
			"EXISTS (SELECT 1 FROM JSON_TABLE(JSON_KEYS("+qq+"), '$[*]' COLUMNS ("+mysqlText+" PATH '$', p JSON PATH '$')) AS j "+
				"WHERE "+mysqlSame("j.s")+" AND JSON_TYPE("+value+") = 'STRING' AND "+mysqlSame("JSON_UNQUOTE("+value+")")+")").sql
	default:
		sql = "EXISTS (SELECT 1 FROM json_each(" + qq + ") AS j WHERE j.key = ? AND j.type = 'text' AND j.value = ?)"
	}
	if op == filtering.FunctionNotEquals {
		return frag{sql: "NOT (" + sql + ")"}, nil
	}
	return frag{sql: sql}, nil
}

// collectionKey tests map c for key.
func (p *filterParser) collectionKey(c *Column, key string) frag {
	p.args = append(p.args, key)
	q, qq := p.t.quote(c.Name), p.t.From+"."+p.t.quote(c.Name)
	switch p.t.Dialect {
	case Postgres:
		return frag{sql: "(" + q + " -> CAST(? AS text)) IS NOT NULL", enclosed: true}
	case MySQL:
		return p.mysqlEither(q, "JSON_CONTAINS(JSON_KEYS("+q+"), JSON_QUOTE(?))",
			"EXISTS (SELECT 1 FROM JSON_TABLE(JSON_KEYS("+qq+"), '$[*]' COLUMNS ("+mysqlText+" PATH '$')) AS j WHERE "+mysqlSame("j.s")+")")
	}
	return frag{sql: "EXISTS (SELECT 1 FROM json_each(" + qq + ") AS j WHERE j.key = ?)"}
}

// mysqlEither tests a list or map, column q, on MySQL and MariaDB: with
// fast, JSON_CONTAINS of the value as JSON_QUOTE or JSON_OBJECT spell it,
// or else, when the column's JSON text holds an escape (a backslash), with
// decoded, which compares the decoded strings. Each takes the same
// arguments, which the caller has added once.
//
// MariaDB's JSON functions (JSON_CONTAINS, JSON_KEYS, the member names of
// JSON_EXTRACT's paths) compare strings as the JSON text spells them, byte
// for byte, and a string has many spellings: "p\u2029" or "p" and the
// character itself, \u001f or \u001F. They vary by writer: ormrt's
// escapes U+2028, U+2029 and control characters as encoding/json does,
// the protojson it used before leaves U+2028 and U+2029 as they are, and
// JSON_QUOTE escapes only ", \ and control characters, in upper-case
// hexadecimal. The same spelling means the same string, so fast finds no
// row it should not; and text without a backslash has a string in one
// spelling only, JSON_QUOTE's, so there fast misses none. decoded, whose
// JSON_TABLE makes the query several times slower, runs only on the rest.
// (MySQL, which stores JSON parsed, would need only fast.)
func (p *filterParser) mysqlEither(q, fast, decoded string) frag {
	n := strings.Count(fast, "?")
	p.args = append(p.args, p.args[len(p.args)-n:]...)
	return frag{sql: mysqlEitherSQL(q, fast, decoded), enclosed: true}
}

// mysqlEitherSQL is mysqlEither's SQL, whose arguments are fast's, then
// decoded's.
func mysqlEitherSQL(q, fast, decoded string) string {
	return "(" + fast + " OR (LOCATE(CHAR(92), " + q + ") > 0 AND " + decoded + "))"
}

// mysqlText is the column of JSON_TABLE into which decoded compares a
// decoded string: utf8mb4 whatever the defaults, and compared by
// mysqlSame as bytes, so that no collation folds case or ignores trailing
// spaces.
const mysqlText = "s LONGTEXT CHARACTER SET utf8mb4"

// mysqlSame compares the string expression x with the next argument, byte
// for byte.
func mysqlSame(x string) string {
	return "CAST(" + x + " AS BINARY) = CAST(? AS BINARY)"
}

// compare returns the comparison of column c with canonical value v, with
// NULL handled as Column.Nullable describes.
func (p *filterParser) compare(c *Column, op string, v any) frag {
	return p.nullable(c, p.compareWith(c, p.operand(c), op, v), op == "<>")
}

// compareWith compares x, a value of column c (its operand), with v.
func (p *filterParser) compareWith(c *Column, x, op string, v any) string {
	ph, arg := bind(p.t.Dialect, v)
	p.args = append(p.args, arg)
	if c.JSON != nil && p.t.Dialect == MySQL && (c.Kind == KindString || c.Kind == KindEnumName) {
		ph = "CAST(" + ph + " AS BINARY)"
	}
	return x + " " + op + " " + ph
}

// operand is the SQL of column c's value: its quoted name, or for a value
// inside JSON, the value read from the object, its field's zero value
// where the object leaves it out. Strings compare as bytes on every
// database (on MySQL and MariaDB, whatever the collation of what their
// JSON functions return).
func (p *filterParser) operand(c *Column) string {
	q := p.t.quote(c.Name)
	if c.JSON == nil {
		return q
	}
	return p.jsonValue(c, jsonAt(p.t.Dialect, q, c.JSON, false))
}

// jsonValue is the SQL of a value of column c inside JSON, text being
// its text (NULL where the JSON leaves it out, which is then its field's
// zero value).
func (p *filterParser) jsonValue(c *Column, text string) string {
	switch c.Kind {
	case KindInt, KindUint64:
		// Numbers, and 64-bit integers as protojson's strings; unsigned
		// ones as numbers on PostgreSQL and MySQL, and on SQLite, whose
		// integers end at 2^63, as text padded to 20 digits, as ormrt
		// stores a uint64 column.
		zero := c.Zero
		if zero == "" {
			zero = "0"
		}
		switch {
		case c.Kind == KindInt:
			return "COALESCE(CAST(" + text + " AS " + integerType[p.t.Dialect] + "), " + zero + ")"
		case p.t.Dialect == Postgres:
			return "COALESCE(CAST(" + text + " AS NUMERIC), " + zero + ")"
		case p.t.Dialect == MySQL:
			return "COALESCE(CAST(" + text + " AS UNSIGNED), " + zero + ")"
		}
		return "substr('00000000000000000000' || COALESCE(" + text + ", '" + zero + "'), -20)"
	case KindBool:
		zero := "FALSE"
		if c.Zero == "true" {
			zero = "TRUE"
		}
		switch p.t.Dialect {
		case Postgres:
			return "COALESCE(CAST(" + text + " AS BOOLEAN), " + zero + ")"
		case MySQL:
			return "COALESCE(" + text + " = 'true', " + zero + ")"
		}
		return "COALESCE(" + text + ", " + zero + ")" // json_extract reads true as 1
	}
	zero := "'" + c.Zero + "'"
	if c.Kind == KindEnumName && c.Zero == "" {
		// An enum's zero value, by name (by number when it has none).
		zero = "'0'"
		if v := c.Enum.Values().ByNumber(0); v != nil {
			zero = "'" + string(v.Name()) + "'"
		}
	}
	switch p.t.Dialect {
	case MySQL:
		return "CAST(COALESCE(" + text + ", " + zero + ") AS BINARY)"
	case Postgres:
		// Byte order, whatever the database's collation.
		return "(COALESCE(" + text + ", " + zero + ") COLLATE \"C\")"
	}
	return "COALESCE(" + text + ", " + zero + ")"
}

// maxRun is the longest run of AND or OR that a filter's SQL chains
// without parentheses.
const maxRun = 64

// integerType is the 64-bit integer type of CAST, per dialect.
var integerType = map[Dialect]string{Postgres: "BIGINT", MySQL: "SIGNED", SQLite: "INTEGER"}

// jsonPresent tests that the object holds value c.
func (p *filterParser) jsonPresent(c *Column) string {
	return jsonAt(p.t.Dialect, p.t.quote(c.Name), c.JSON, true) + " IS NOT NULL"
}

// jsonAt reads the value at keys of JSON column q: as text (NULL when
// left out), or, with raw, as something NULL exactly when left out. The
// keys are identifiers (checkColumns), which the paths spell bare.
func jsonAt(d Dialect, q string, keys []string, raw bool) string {
	switch d {
	case Postgres:
		// Quoted: a bare null in an array literal is NULL.
		op := " #>> '{\""
		if raw {
			op = " #> '{\""
		}
		return "(" + q + op + strings.Join(keys, "\",\"") + "\"}')"
	case MySQL:
		x := "JSON_EXTRACT(" + q + ", '$." + strings.Join(keys, ".") + "')"
		if raw {
			return x
		}
		return "JSON_UNQUOTE(" + x + ")"
	}
	fn := "json_extract("
	if raw {
		fn = "json_type("
	}
	return fn + q + ", '$." + strings.Join(keys, ".") + "')"
}

func (p *filterParser) nullable(c *Column, sql string, negative bool) frag {
	if !c.Nullable {
		return frag{sql: sql}
	}
	q := p.t.quote(c.Name)
	if negative {
		return frag{sql: "(" + sql + " OR " + q + " IS NULL)", enclosed: true}
	}
	return frag{sql: "(" + sql + " AND " + q + " IS NOT NULL)", enclosed: true}
}

// like translates a string comparison with wildcards.
func (p *filterParser) like(c *Column, negative bool, s pattern) frag {
	p.wildcards += len(s) - 1
	q := p.operand(c)
	not := ""
	if negative {
		not = "NOT "
	}
	var sql string
	if p.t.Dialect == SQLite {
		sql = p.sqliteGlob(c, q, negative, s)
	} else {
		var rng string
		if p.t.Dialect == MySQL && len(s) > 0 && s[0] != "" {
			// MariaDB (10.11) reads a LIKE with a literal prefix as an
			// index range whose end is the prefix followed by U+FFFF, which
			// leaves out the strings whose next character is past it
			// ("q😀" for "q*"): the column is compared through CONCAT,
			// which no range is read from, and a column that orders by
			// code point gets the prefix's exact range, which is.
			if !negative && !c.Collated && c.JSON == nil {
				rng = q + " >= ? AND "
				p.args = append(p.args, s[0])
				if next, ok := successor(s[0]); ok {
					rng += q + " < ? AND "
					p.args = append(p.args, next)
				}
			}
			q = "CONCAT(" + q + ")"
		}
		sql = rng + q + " " + not + "LIKE ? ESCAPE '!'"
		p.args = append(p.args, s.like())
		if rng != "" {
			sql = "(" + sql + ")"
		}
	}
	return p.nullable(c, sql, negative)
}

// sqliteGlob matches q against s on SQLite. GLOB stops reading a string
// at its first NUL, so it is asked only of strings without one
// ("d\x00lta" GLOB "*lta" is false, "a\x00b" GLOB "*a" true); a string
// with a NUL is matched byte by byte as a BLOB, which SQLite reads whole:
// it starts with the first literal, ends with the last, and holds the
// others in order between them, each found at its first place after the
// one before (a recursive CTE), which is where a wildcard match can put
// it. In UTF-8 a literal found at a byte is found at a character. A
// pattern with a literal prefix also gets that prefix's range of code
// points, which an index on the column can read (SQLite does not read
// one for a GLOB inside CASE) unless the column has a collation of its
// own, whose order is not code points'.
func (p *filterParser) sqliteGlob(c *Column, q string, negative bool, s pattern) string {
	var rng string
	if !negative && !c.Collated && c.JSON == nil && len(s) > 0 && s[0] != "" {
		rng = q + " >= ? AND "
		p.args = append(p.args, s[0])
		if next, ok := successor(s[0]); ok {
			rng += q + " < ? AND "
			p.args = append(p.args, next)
		}
	}
	p.args = append(p.args, s.glob())
	b := "CAST(" + q + " AS BLOB)"
	first, last := s[0], s[len(s)-1]
	whole := []string{"length(" + b + ") >= ?"}
	p.args = append(p.args, int64(len(first)+len(last)))
	if first != "" {
		whole = append(whole, "substr("+b+", 1, ?) = CAST(? AS BLOB)")
		p.args = append(p.args, int64(len(first)), first)
	}
	if last != "" {
		whole = append(whole, "substr("+b+", length("+b+") - ? + 1) = CAST(? AS BLOB)")
		p.args = append(p.args, int64(len(last)), last)
	}
	var middle []string
	for _, part := range s[1 : len(s)-1] {
		if part != "" {
			middle = append(middle, part)
		}
	}
	if len(middle) > 0 {
		parts, _ := json.Marshal(middle) // strings marshal without error
		whole = append(whole, "EXISTS (WITH RECURSIVE pf_glob(k, rest) AS ("+
			"SELECT 0, substr("+b+", ? + 1, length("+b+") - ?) UNION ALL "+
			"SELECT pf_glob.k + 1, substr(pf_glob.rest, instr(pf_glob.rest, CAST(pf_part.value AS BLOB)) + length(CAST(pf_part.value AS BLOB))) "+
			"FROM pf_glob JOIN json_each(?) AS pf_part ON pf_part.key = pf_glob.k "+
			"WHERE instr(pf_glob.rest, CAST(pf_part.value AS BLOB)) > 0) "+
			"SELECT 1 FROM pf_glob WHERE pf_glob.k = ?)")
		p.args = append(p.args, int64(len(first)), int64(len(first)+len(last)), string(parts), int64(len(middle)))
	}
	sql := "CASE WHEN instr(" + q + ", char(0)) = 0 THEN " + q + " GLOB ? ELSE " + strings.Join(whole, " AND ") + " END"
	if negative {
		sql = "NOT " + sql
	}
	if rng != "" {
		sql = "(" + rng + sql + ")"
	}
	return sql
}

// successor is the least string that orders, by code point, after every
// string that starts with prefix: its last character that is not the
// last code point, one code point on (surrogates are no characters).
func successor(prefix string) (string, bool) {
	r := []rune(prefix)
	for i := len(r) - 1; i >= 0; i-- {
		if r[i] < utf8.MaxRune {
			next := r[i] + 1
			if next >= 0xD800 && next <= 0xDFFF {
				next = 0xE000
			}
			return string(r[:i]) + string(next), true
		}
	}
	return "", false
}

// pattern is a string literal with wildcards: the literal text between
// them.
type pattern []string

// like spells s as a LIKE pattern with escape character !.
func (s pattern) like() string {
	var b strings.Builder
	for i, part := range s {
		if i > 0 {
			b.WriteByte('%')
		}
		for _, r := range part {
			if r == '!' || r == '%' || r == '_' {
				b.WriteByte('!')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// glob spells s as an SQLite GLOB pattern.
func (s pattern) glob() string {
	var b strings.Builder
	for i, part := range s {
		if i > 0 {
			b.WriteByte('*')
		}
		for _, r := range part {
			switch r {
			case '*', '?', '[':
				b.WriteByte('[')
				b.WriteRune(r)
				b.WriteByte(']')
			default:
				b.WriteRune(r)
			}
		}
	}
	return b.String()
}

// typeCheck runs the filtering package's Checker over the parsed filter,
// with one identifier declared per column. It cannot run when the
// declarations collide (an enum value named like a field, or two enums
// sharing a value name); the column rules already applied then stand
// alone.
func (p *filterParser) typeCheck(parsed *expr.ParsedExpr) error {
	decls, err := cachedDeclarations(p.t)
	if err != nil {
		return nil
	}
	e := parsed.GetExpr()
	if len(p.opaque) > 0 || len(p.texts) > 0 {
		e = proto.Clone(e).(*expr.Expr)
		p.hideOpaque(e)
	}
	var checker filtering.Checker
	checker.Init(e, parsed.GetSourceInfo(), decls)
	if _, err := checker.Check(); err != nil {
		return &Error{Field: "filter", Msg: "type error: " + err.Error()}
	}
	return nil
}

// hideOpaque replaces the opaque conditions in e by true, and the bare
// words read as text by their strings.
func (p *filterParser) hideOpaque(e *expr.Expr) {
	if p.opaque[e.GetId()] {
		e.ExprKind = &expr.Expr_ConstExpr{ConstExpr: &expr.Constant{ConstantKind: &expr.Constant_BoolValue{BoolValue: true}}}
		return
	}
	if text, ok := p.texts[e.GetId()]; ok {
		e.ExprKind = &expr.Expr_ConstExpr{ConstExpr: &expr.Constant{ConstantKind: &expr.Constant_StringValue{StringValue: text}}}
		return
	}
	for _, arg := range e.GetCallExpr().GetArgs() {
		p.hideOpaque(arg)
	}
}

// markOpaque marks condition e opaque (see filterParser.opaque).
func (p *filterParser) markOpaque(e *expr.Expr) {
	if p.opaque == nil {
		p.opaque = make(map[int64]bool)
	}
	p.opaque[e.GetId()] = true
}

// topLevel reports whether c is a field of the resource itself, not a
// value inside one stored as JSON.
func topLevel(c *Column) bool { return !strings.Contains(c.Path, ".") }
