package query

import (
	"math"
	"strconv"
	"strings"
	"time"

	"go.einride.tech/aip/filtering"
	expr "google.golang.org/genproto/googleapis/api/expr/v1alpha1"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// literal resolves rhs, the value column c is compared with by op, to a
// canonical value of c's kind (see normalize), or to a pattern for a
// string with wildcards.
func (p *filterParser) literal(c *Column, op string, rhs *expr.Expr) (any, error) {
	equality := op == filtering.FunctionEquals || op == filtering.FunctionNotEquals
	if d, ok := p.durs[p.pos(rhs)]; ok && rhs.GetConstExpr() != nil {
		if c.Kind != KindDuration && c.Kind != KindDurationNanos {
			return nil, p.mismatch(c, rhs, "a duration")
		}
		return p.durationLiteral(c, rhs, d)
	}
	switch c.Kind {
	case KindBool, KindEnum, KindEnumName:
		if !equality {
			return nil, p.errorAt(p.pos(rhs), "%s is a %v field: it compares only with = and !=", c.Path, c.Kind)
		}
	}
	switch k := rhs.GetExprKind().(type) {
	case *expr.Expr_ConstExpr:
		switch v := k.ConstExpr.GetConstantKind().(type) {
		case *expr.Constant_Int64Value:
			return p.intLiteral(c, rhs, v.Int64Value)
		case *expr.Constant_DoubleValue:
			if c.Kind == KindFloat {
				f, ok := p.floats[p.pos(rhs)]
				if !ok {
					return v.DoubleValue, nil
				}
				if math.Signbit(v.DoubleValue) {
					f = -f
				}
				return f, nil
			}
			return nil, p.mismatch(c, rhs, "a decimal number")
		case *expr.Constant_StringValue:
			switch c.Kind {
			case KindString:
				lit, err := p.stringLiteral(rhs, v.StringValue, equality)
				if s, ok := lit.(string); ok && c.Canonical != nil {
					lit = c.Canonical(s)
				}
				if err != nil || c.Prefix == "" {
					return lit, err
				}
				return p.stripPrefix(c, rhs, lit)
			case KindTimestamp:
				return p.timeLiteral(rhs, v.StringValue)
			case KindDuration, KindDurationNanos:
				return p.durationLiteral(c, rhs, v.StringValue)
			case KindEnum, KindEnumName:
				return nil, p.errorAt(p.pos(rhs), "enum values are written without quotes, e.g. %s = %s", c.Path, enumExample(c))
			}
			return nil, p.mismatch(c, rhs, "a string")
		}
	case *expr.Expr_IdentExpr:
		name := k.IdentExpr.GetName()
		switch {
		case c.Kind == KindEnum || c.Kind == KindEnumName:
			ev := c.Enum.Values().ByName(protoreflect.Name(name))
			if ev == nil {
				return nil, p.errorAt(p.pos(rhs), "%s is not a value of enum %s (values: %s)", quoteText(name), c.Enum.FullName(), enumValues(c.Enum))
			}
			if c.Kind == KindEnum {
				return int64(ev.Number()), nil
			}
			// By name, a number is stored under its first name (as
			// protojson writes it): an alias means that one.
			return string(c.Enum.Values().ByNumber(ev.Number()).Name()), nil
		case name == "true" || name == "false":
			if c.Kind == KindBool {
				return name == "true", nil
			}
			return nil, p.mismatch(c, rhs, "a bool")
		case p.t.column(name) != nil:
			return nil, p.errorAt(p.pos(rhs), "the right side of %s must be a value; comparing two fields is not supported", op)
		case c.Kind == KindString && !textWord(name):
			return nil, p.errorAt(p.pos(rhs), "bare word %s: quote string values, e.g. %s = %s", quoteText(name), c.Path, strconv.Quote(name))
		case c.Kind == KindString:
			// AIP-160's values are text or quoted strings: a word that
			// names no field is the text it spells (labels.env = prod,
			// as Google's APIs document their filters), without
			// wildcards.
			if p.texts == nil {
				p.texts = make(map[int64]string)
			}
			p.texts[rhs.GetId()] = name
			return name, nil
		}
		return nil, p.errorAt(p.pos(rhs), "unexpected word %s: %s takes %s", quoteText(name), c.Path, takes(c))
	case *expr.Expr_CallExpr:
		call := k.CallExpr
		if call.GetFunction() == filtering.FunctionTimestamp && len(call.GetArgs()) == 1 {
			arg := call.GetArgs()[0]
			if s := arg.GetConstExpr(); s != nil {
				if _, ok := s.GetConstantKind().(*expr.Constant_StringValue); ok {
					if c.Kind != KindTimestamp {
						return nil, p.mismatch(c, rhs, "a timestamp")
					}
					return p.timeLiteral(arg, s.GetStringValue())
				}
			}
			return nil, p.errorAt(p.pos(rhs), "timestamp(…) takes one quoted RFC 3339 string")
		}
		if call.GetFunction() == filtering.FunctionDuration && len(call.GetArgs()) == 1 {
			arg := call.GetArgs()[0]
			if s := arg.GetConstExpr(); s != nil {
				if _, ok := s.GetConstantKind().(*expr.Constant_StringValue); ok {
					if c.Kind != KindDuration && c.Kind != KindDurationNanos {
						return nil, p.mismatch(c, rhs, "a duration")
					}
					return p.durationLiteral(c, arg, s.GetStringValue())
				}
			}
			return nil, p.errorAt(p.pos(rhs), "duration(…) takes one quoted duration, e.g. \"90s\"")
		}
	}
	return nil, p.errorAt(p.pos(rhs), "the right side of %s must be a value", op)
}

// takes describes the literals column c compares with.
func takes(c *Column) string {
	switch c.Kind {
	case KindBool:
		return "true or false"
	case KindInt:
		return "an integer"
	case KindUint64:
		return "an integer from 0 to 18446744073709551615"
	case KindFloat:
		return "a number"
	case KindString:
		return "a quoted string"
	case KindTimestamp:
		return `an RFC 3339 timestamp such as "2024-01-01T00:00:00Z"`
	case KindDuration, KindDurationNanos:
		return `a duration such as "90s" or "1.5h"`
	}
	return "a value of enum " + string(c.Enum.FullName()) + ", e.g. " + enumExample(c)
}

func (p *filterParser) mismatch(c *Column, rhs *expr.Expr, got string) error {
	return p.errorAt(p.pos(rhs), "%s takes %s, not %s", c.Path, takes(c), got)
}

func enumExample(c *Column) string {
	vals := c.Enum.Values()
	if vals.Len() == 0 {
		return "…"
	}
	return string(vals.Get(vals.Len() - 1).Name())
}

// enumValues lists the value names of e for an error message.
func enumValues(e protoreflect.EnumDescriptor) string {
	const max = 20
	vals := e.Values()
	names := make([]string, 0, min(vals.Len(), max+1))
	for i := 0; i < vals.Len() && i < max; i++ {
		names = append(names, string(vals.Get(i).Name()))
	}
	if vals.Len() > max {
		names = append(names, "…")
	}
	return strings.Join(names, ", ")
}

// intLiteral resolves an integer literal. The parser saw a placeholder
// whose sign, +1 or -1, it computed; the magnitude was recorded before
// parsing.
func (p *filterParser) intLiteral(c *Column, rhs *expr.Expr, parsed int64) (any, error) {
	neg := parsed < 0
	if big, ok := p.bigs[p.pos(rhs)]; ok {
		switch {
		case c.Kind == KindFloat && !math.IsInf(big.f, 0):
			if neg {
				return -big.f, nil
			}
			return big.f, nil
		case c.Kind == KindFloat:
			return nil, p.errorAt(p.pos(rhs), "number %s is out of range (a double holds at most ±1.7976931348623157e308)", quoteText(big.text))
		case c.Kind == KindInt || c.Kind == KindUint64:
			return nil, p.errorAt(p.pos(rhs), "integer %s is out of range (the largest is 18446744073709551615)", quoteText(big.text))
		}
		return nil, p.mismatch(c, rhs, "an integer")
	}
	mag, ok := p.ints[p.pos(rhs)]
	if !ok {
		mag = uint64(parsed)
		if neg {
			mag = -mag
		}
	}
	text := strconv.FormatUint(mag, 10)
	if neg {
		text = "-" + text
	}
	switch c.Kind {
	case KindInt:
		switch {
		case !neg && mag <= math.MaxInt64:
			return int64(mag), nil
		case neg && mag <= 1<<63:
			// -mag wraps around to the two's complement of mag, which as
			// an int64 is exactly -mag, MinInt64 included.
			return int64(-mag), nil
		}
		return nil, p.errorAt(p.pos(rhs), "%s is out of range for %s, an int64 (-9223372036854775808 to 9223372036854775807)", text, c.Path)
	case KindUint64:
		if neg && mag != 0 {
			return nil, p.errorAt(p.pos(rhs), "%s is out of range for %s, a uint64 (0 to 18446744073709551615)", text, c.Path)
		}
		return mag, nil
	case KindFloat:
		f := float64(mag)
		if neg {
			f = -f
		}
		return f, nil
	}
	return nil, p.mismatch(c, rhs, "an integer")
}

// stringLiteral resolves a string literal. With wildcards, each * that is
// not written \* separates the parts of a pattern.
func (p *filterParser) stringLiteral(rhs *expr.Expr, value string, wildcards bool) (any, error) {
	parts := []string{value}
	if raw, ok := p.strs[p.pos(rhs)]; ok {
		var err error
		if parts, err = splitStars(raw); err != nil {
			return nil, p.errorAt(p.pos(rhs), "syntax error: %v", err)
		}
	}
	for _, s := range parts {
		if strings.IndexByte(s, 0) >= 0 {
			return nil, p.errorAt(p.pos(rhs), "string values may not contain NUL characters")
		}
	}
	if wildcards && len(parts) > 1 {
		return pattern(parts), nil
	}
	return strings.Join(parts, "*"), nil
}

// stripPrefix turns a resource name literal into the id its column holds:
// "shelves/1" → "1" for a column with Prefix "shelves/", wildcards kept.
func (p *filterParser) stripPrefix(c *Column, rhs *expr.Expr, lit any) (any, error) {
	bad := func() (any, error) {
		return nil, p.errorAt(p.pos(rhs), "%s holds resource names: write %s, e.g. %s = %s", c.Path, quoteText(c.Prefix+"…"), c.Path, strconv.Quote(c.Prefix+"x"))
	}
	switch v := lit.(type) {
	case string:
		id, ok := strings.CutPrefix(v, c.Prefix)
		if !ok {
			return bad()
		}
		return id, nil
	case pattern:
		if len(v) == 0 {
			return bad()
		}
		first, ok := strings.CutPrefix(v[0], c.Prefix)
		if !ok {
			return bad()
		}
		out := append(pattern{first}, v[1:]...)
		return out, nil
	}
	return lit, nil
}

// splitStars unquotes raw, a string literal as written, and splits it at
// each * that is not written \*.
func splitStars(raw string) ([]string, error) {
	quote, content := raw[:1], raw[1:len(raw)-1]
	var segments []string
	start := 0
	for i := 0; i < len(content); i++ {
		if content[i] == '\\' && i+1 < len(content) {
			if content[i+1] == '*' {
				segments = append(segments, content[start:i])
				start = i + 2
			}
			i++
		}
	}
	segments = append(segments, content[start:])
	var parts []string
	var cur strings.Builder
	for i, seg := range segments {
		if i > 0 {
			cur.WriteByte('*') // written \*
		}
		text, err := filtering.Token{Type: filtering.TokenTypeString, Value: quote + escapeCR(seg) + quote}.Unquote()
		if err != nil {
			return nil, err
		}
		for j, part := range strings.Split(text, "*") {
			if j > 0 {
				parts = append(parts, cur.String())
				cur.Reset()
			}
			cur.WriteString(part)
		}
	}
	return append(parts, cur.String()), nil
}

// escapeCR writes each raw carriage return of a literal's source as the
// escape \r, which keeps it: unquoting reads a raw one (alone or before a
// line feed) as a line feed. A carriage return after an odd run of
// backslashes is left as it is, an invalid escape.
func escapeCR(seg string) string {
	if !strings.Contains(seg, "\r") {
		return seg
	}
	var b strings.Builder
	slashes := 0
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c == '\r' && slashes%2 == 0 {
			b.WriteString(`\r`)
			slashes = 0
			continue
		}
		if c == '\\' {
			slashes++
		} else {
			slashes = 0
		}
		b.WriteByte(c)
	}
	return b.String()
}

// durationLiteral resolves an AIP-160 duration ("90s", "1.5h", as Go
// writes them) as column c stores it: microseconds, rounded toward zero
// as ormrt stores a Duration, or nanoseconds.
func (p *filterParser) durationLiteral(c *Column, at *expr.Expr, s string) (any, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return nil, p.errorAt(p.pos(at), "invalid duration %s: want a number and a unit, e.g. \"90s\" or \"1.5h\"", quoteText(s))
	}
	if c.Kind == KindDurationNanos {
		return d.Nanoseconds(), nil
	}
	return d.Microseconds(), nil
}

// timeLiteral resolves an RFC 3339 timestamp as it would be stored.
func (p *filterParser) timeLiteral(at *expr.Expr, s string) (any, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, p.errorAt(p.pos(at), "invalid timestamp %s: want RFC 3339, e.g. \"2024-01-01T00:00:00Z\"", quoteText(s))
	}
	if timestamppb.New(t).CheckValid() != nil {
		return nil, p.errorAt(p.pos(at), "timestamp %s is outside 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z", quoteText(s))
	}
	return truncateTime(t), nil
}

// textWord reports whether a bare word may stand for the text it spells:
// a letter, then letters, digits and _, as enum-like values are written
// (gRPC, eu_west). Any other word, which the lexer reads more loosely
// (*, $1, @x, a quote or a backslash in it), is more likely a mistake
// than a value, and is refused, saying to quote it; a word with a - is
// two tokens to the lexer.
func textWord(w string) bool {
	for i, r := range w {
		letter := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z'
		if !letter && (i == 0 || !(r >= '0' && r <= '9' || r == '_')) {
			return false
		}
	}
	return w != ""
}
