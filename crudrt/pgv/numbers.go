package pgv

import (
	"fmt"
	"strconv"
	"strings"

	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// numOps compares numbers of one kind as Go does for that type, so that
// NaN and the integer ranges behave as in PGV's generated code.
type numOps struct {
	kind protoreflect.Kind
}

func (o numOps) class() byte {
	switch o.kind {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Sint32Kind, protoreflect.Sint64Kind,
		protoreflect.Sfixed32Kind, protoreflect.Sfixed64Kind:
		return 'i'
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		return 'u'
	}
	return 'f'
}

// lt is a < b.
func (o numOps) lt(a, b protoreflect.Value) bool {
	switch o.class() {
	case 'i':
		return a.Int() < b.Int()
	case 'u':
		return a.Uint() < b.Uint()
	}
	return a.Float() < b.Float()
}

// le is a <= b.
func (o numOps) le(a, b protoreflect.Value) bool {
	switch o.class() {
	case 'i':
		return a.Int() <= b.Int()
	case 'u':
		return a.Uint() <= b.Uint()
	}
	return a.Float() <= b.Float()
}

func (o numOps) eq(a, b protoreflect.Value) bool {
	switch o.class() {
	case 'i':
		return a.Int() == b.Int()
	case 'u':
		return a.Uint() == b.Uint()
	}
	return a.Float() == b.Float()
}

func (o numOps) isZero(v protoreflect.Value) bool {
	switch o.class() {
	case 'i':
		return v.Int() == 0
	case 'u':
		return v.Uint() == 0
	}
	return v.Float() == 0
}

func (o numOps) format(v protoreflect.Value) string {
	switch o.class() {
	case 'i':
		return strconv.FormatInt(v.Int(), 10)
	case 'u':
		return strconv.FormatUint(v.Uint(), 10)
	}
	bits := 64
	if o.kind == protoreflect.FloatKind {
		bits = 32
	}
	return strconv.FormatFloat(v.Float(), 'g', -1, bits)
}

func (o numOps) formatList(vs []protoreflect.Value) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = o.format(v)
	}
	return strings.Join(s, ", ")
}

// numberRules compiles FloatRules, Int32Rules, … (which all spell their
// fields alike) for values of kind.
func (c *compiler) numberRules(path string, r protoreflect.Message, kind protoreflect.Kind) ([]check, bool) {
	o := numOps{kind: kind}
	get := func(name protoreflect.Name) (protoreflect.Value, bool) {
		fd := r.Descriptor().Fields().ByName(name)
		return r.Get(fd), r.Has(fd)
	}
	list := func(name protoreflect.Name) []protoreflect.Value {
		l := r.Get(r.Descriptor().Fields().ByName(name)).List()
		out := make([]protoreflect.Value, l.Len())
		for i := range out {
			out[i] = l.Get(i)
		}
		return out
	}
	cnst, hasConst := get("const")
	lt, hasLt := get("lt")
	lte, hasLte := get("lte")
	gt, hasGt := get("gt")
	gte, hasGte := get("gte")
	in, notIn := list("in"), list("not_in")
	ignoreEmpty, _ := get("ignore_empty")

	// The combinations PGV's generator refuses (module/checker.go).
	hasRange := hasLt || hasLte || hasGt || hasGte
	if hasConst && (hasRange || len(in) > 0 || len(notIn) > 0) {
		c.refusef("%s.const cannot be combined with other rules; keep const alone", path)
	}
	if len(in) > 0 && hasRange {
		c.refusef("%s.in cannot be combined with lt, lte, gt or gte; keep one", path)
	}
	c.inNotIn(path, len(in), len(notIn))
	if hasLt && hasLte {
		c.refusef("%s has both lt and lte; keep one", path)
	}
	if hasGt && hasGte {
		c.refusef("%s has both gt and gte; keep one", path)
	}
	switch {
	case hasLt && hasGt && o.eq(lt, gt):
		c.refusef("%s has equal gt and lt; use not_in: [%s]", path, o.format(lt))
	case hasLt && hasGte && o.eq(lt, gte):
		c.refusef("%s has equal gte and lt; no value satisfies both", path)
	case !hasLt && hasLte && hasGt && o.eq(lte, gt):
		c.refusef("%s has equal gt and lte; no value satisfies both", path)
	case !hasLt && hasLte && hasGte && o.eq(lte, gte):
		c.refusef("%s has equal gte and lte; use const: %s", path, o.format(lte))
	}

	var checks []check
	if hasConst {
		checks = append(checks, func(v protoreflect.Value) string {
			if !o.eq(v, cnst) {
				return fmt.Sprintf("must be %s (got %s)", o.format(cnst), o.format(v))
			}
			return ""
		})
	}
	checks = append(checks, rangeChecks(o, lt, lte, gt, gte, hasLt, hasLte, hasGt, hasGte)...)
	if len(in) > 0 {
		checks = append(checks, func(v protoreflect.Value) string {
			for _, x := range in {
				if o.eq(v, x) {
					return ""
				}
			}
			return fmt.Sprintf("must be one of %s (got %s)", o.formatList(in), o.format(v))
		})
	}
	if len(notIn) > 0 {
		checks = append(checks, func(v protoreflect.Value) string {
			for _, x := range notIn {
				if o.eq(v, x) {
					return "must not be " + o.format(v)
				}
			}
			return ""
		})
	}
	return checks, ignoreEmpty.Bool()
}

// rangeChecks implements PGV's ltgt template: a lower and an upper bound
// form a range, inside it when the upper bound is above the lower one and
// outside it (exclusive of the bounds) otherwise. Bounds PGV would ignore
// (lte next to lt, gte next to gt) are checked on their own.
func rangeChecks(o numOps, lt, lte, gt, gte protoreflect.Value, hasLt, hasLte, hasGt, hasGte bool) []check {
	f := o.format
	var out []check
	add := func(bad func(v protoreflect.Value) bool, desc func(v protoreflect.Value) string) {
		out = append(out, func(v protoreflect.Value) string {
			if bad(v) {
				return desc(v)
			}
			return ""
		})
	}
	got := func(format string, args ...any) func(protoreflect.Value) string {
		return func(v protoreflect.Value) string { return fmt.Sprintf(format, args...) + " (got " + f(v) + ")" }
	}
	// upper is lt or lte; lower is gt or gte.
	type bound struct {
		v    protoreflect.Value
		incl bool
	}
	var upper, lower *bound
	// Bounds PGV ignores, lte next to lt and gte next to gt.
	var extraUpper, extraLower *bound
	switch {
	case hasLt:
		upper = &bound{lt, false}
		if hasLte {
			extraUpper = &bound{lte, true}
		}
	case hasLte:
		upper = &bound{lte, true}
	}
	switch {
	case hasGt:
		lower = &bound{gt, false}
		if hasGte {
			extraLower = &bound{gte, true}
		}
	case hasGte:
		lower = &bound{gte, true}
	}
	above := func(v protoreflect.Value, b bound) bool { // v is beyond upper bound b
		if b.incl {
			return o.lt(b.v, v)
		}
		return o.le(b.v, v)
	}
	below := func(v protoreflect.Value, b bound) bool { // v is beyond lower bound b
		if b.incl {
			return o.lt(v, b.v)
		}
		return o.le(v, b.v)
	}
	open := func(b bound, incl, excl string) string {
		if b.incl {
			return incl
		}
		return excl
	}
	switch {
	case upper != nil && lower != nil:
		u, l := *upper, *lower
		if o.lt(l.v, u.v) {
			add(func(v protoreflect.Value) bool { return below(v, l) || above(v, u) },
				got("must be inside the range %s%s, %s%s", open(l, "[", "("), f(l.v), f(u.v), open(u, "]", ")")))
		} else {
			// Outside: a value beyond both bounds is inside the gap, e.g.
			// lt: 0, gt: 10 rejects [0, 10].
			add(func(v protoreflect.Value) bool { return above(v, u) && below(v, l) },
				got("must be outside the range %s%s, %s%s", open(u, "(", "["), f(u.v), f(l.v), open(l, ")", "]")))
		}
	case upper != nil:
		u := *upper
		add(func(v protoreflect.Value) bool { return above(v, u) }, got("must be %s %s", open(u, "at most", "less than"), f(u.v)))
	case lower != nil:
		l := *lower
		add(func(v protoreflect.Value) bool { return below(v, l) }, got("must be %s %s", open(l, "at least", "greater than"), f(l.v)))
	}
	if b := extraUpper; b != nil {
		add(func(v protoreflect.Value) bool { return above(v, *b) }, got("must be at most %s", f(b.v)))
	}
	if b := extraLower; b != nil {
		add(func(v protoreflect.Value) bool { return below(v, *b) }, got("must be at least %s", f(b.v)))
	}
	return out
}

func (c *compiler) inNotIn(path string, in, notIn int) {
	if in > 0 && notIn > 0 {
		c.refusef("%s has both in and not_in; keep one", path)
	}
}

func boolRules(r *pgvpb.BoolRules) []check {
	if r.Const == nil {
		return nil
	}
	want := r.GetConst()
	return []check{func(v protoreflect.Value) string {
		if v.Bool() != want {
			return fmt.Sprintf("must be %t", want)
		}
		return ""
	}}
}

func (c *compiler) enumRules(path string, ed protoreflect.EnumDescriptor, r *pgvpb.EnumRules) []check {
	name := func(n protoreflect.EnumNumber) string {
		if ev := ed.Values().ByNumber(n); ev != nil {
			return string(ev.Name())
		}
		return strconv.Itoa(int(n))
	}
	names := func(ns []int32) string {
		s := make([]string, len(ns))
		for i, n := range ns {
			s[i] = name(protoreflect.EnumNumber(n))
		}
		return strings.Join(s, ", ")
	}
	c.inNotIn(path, len(r.In), len(r.NotIn))
	if r.GetDefinedOnly() {
		for _, n := range r.In {
			if ed.Values().ByNumber(protoreflect.EnumNumber(n)) == nil {
				c.refusef("%s.in lists %d, which %s does not define, next to defined_only; remove it", path, n, ed.FullName())
			}
		}
	}
	var checks []check
	if r.Const != nil {
		want := protoreflect.EnumNumber(r.GetConst())
		checks = append(checks, func(v protoreflect.Value) string {
			if v.Enum() != want {
				return fmt.Sprintf("must be %s (got %s)", name(want), name(v.Enum()))
			}
			return ""
		})
	}
	if in := r.In; len(in) > 0 {
		checks = append(checks, func(v protoreflect.Value) string {
			for _, x := range in {
				if v.Enum() == protoreflect.EnumNumber(x) {
					return ""
				}
			}
			return fmt.Sprintf("must be one of %s (got %s)", names(in), name(v.Enum()))
		})
	}
	if notIn := r.NotIn; len(notIn) > 0 {
		checks = append(checks, func(v protoreflect.Value) string {
			for _, x := range notIn {
				if v.Enum() == protoreflect.EnumNumber(x) {
					return "must not be " + name(v.Enum())
				}
			}
			return ""
		})
	}
	if r.GetDefinedOnly() {
		checks = append(checks, func(v protoreflect.Value) string {
			if ed.Values().ByNumber(v.Enum()) == nil {
				return fmt.Sprintf("must be a defined value of %s (got %d)", ed.FullName(), v.Enum())
			}
			return ""
		})
	}
	return checks
}
