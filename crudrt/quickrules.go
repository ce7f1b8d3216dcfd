package crudrt

import (
	"slices"
	"strings"
	"unicode/utf8"

	bufvalidate "buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// quickRules holds the protovalidate rules of one message type when each
// of them is one whose outcome it computes exactly: string lengths,
// affixes and lists, integer bounds and lists, enum membership, a bool's
// constant, required. It answers only whether they all hold (holds):
// where one may not, protovalidate validates the message and says which
// and why, so that every violation is protovalidate's own, and a message
// that passes is spared protovalidate's walk of its evaluators. A message
// with any other rule (CEL, formats, patterns, floats, lists' and maps'
// rules, a rule of a message it holds, predefined rules) has none
// (newQuickRules is nil) and is always validated by protovalidate.
type quickRules struct{ fields []quickField }

// quickField is one field's rules, applied as protovalidate applies them
// (its field evaluator): none under IGNORE_ALWAYS, required first, none
// on an unset field that has presence or is ignored when zero.
type quickField struct {
	fd        protoreflect.FieldDescriptor
	required  bool
	skipUnset bool
	holds     func(protoreflect.Value) bool // nil: required alone
}

// holds reports whether m, of the message type q was made for, passes
// every rule q holds; false says only that protovalidate must tell.
func (q *quickRules) holds(m protoreflect.Message) bool {
	if q == nil {
		return false
	}
	for i := range q.fields {
		f := &q.fields[i]
		if !m.Has(f.fd) {
			if f.required {
				return false
			}
			if f.skipUnset {
				continue
			}
		}
		if f.holds != nil && !f.holds(m.Get(f.fd)) {
			return false
		}
	}
	return true
}

// newQuickRules is the quick check of md's protovalidate rules, or nil
// where md (or a message it holds) has a rule quickRules does not compute.
// md's fields that hold a message named skip (a request's resource, which
// its method validates on its own, see checkRequest) are left out, with
// their rules.
func newQuickRules(md protoreflect.MessageDescriptor, skip protoreflect.FullName) *quickRules {
	if mr, err := protovalidate.ResolveMessageRules(md); err != nil || mr != nil {
		return nil
	}
	for i := 0; i < md.Oneofs().Len(); i++ {
		if or, err := protovalidate.ResolveOneofRules(md.Oneofs().Get(i)); err != nil || or != nil {
			return nil
		}
	}
	q := &quickRules{}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if skip != "" && !fd.IsMap() && fd.Message() != nil && fd.Message().FullName() == skip {
			continue
		}
		fr, err := protovalidate.ResolveFieldRules(fd)
		if err != nil {
			return nil
		}
		if fr.GetIgnore() == bufvalidate.Ignore_IGNORE_ALWAYS {
			continue
		}
		// protovalidate walks into every message a field holds.
		held := fd.Message()
		if fd.IsMap() {
			held = fd.MapValue().Message()
		}
		if held != nil && rulesIn(held, "", map[protoreflect.FullName]bool{}).pv {
			return nil
		}
		if fr == nil {
			continue
		}
		f, ok := quickFieldOf(fd, fr)
		if !ok {
			return nil
		}
		q.fields = append(q.fields, f)
	}
	return q
}

// quickFieldOf is fd's rules fr as a quickField, if quickRules computes
// each of them.
func quickFieldOf(fd protoreflect.FieldDescriptor, fr *bufvalidate.FieldRules) (quickField, bool) {
	f := quickField{fd: fd, required: fr.GetRequired()}
	switch fr.GetIgnore() {
	case bufvalidate.Ignore_IGNORE_UNSPECIFIED:
		f.skipUnset = fd.HasPresence()
	case bufvalidate.Ignore_IGNORE_IF_ZERO_VALUE:
		f.skipUnset = true
	default:
		return f, false
	}
	r := fr.ProtoReflect()
	if len(r.GetUnknown()) > 0 {
		return f, false
	}
	ok := true
	r.Range(func(rd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case rd.IsExtension():
			ok = false
		case rd.Name() == "required" || rd.Name() == "ignore":
		case rd.ContainingOneof() != nil && rd.ContainingOneof().Name() == "type":
			// The rules of the field's type: of its kind, on a single value.
			if fd.IsList() || fd.IsMap() || string(rd.Name()) != ruleKindName[fd.Kind()] {
				ok = false
				break
			}
			f.holds = quickTypeRules(fd, v.Message())
			ok = f.holds != nil
		default:
			ok = false
		}
		return ok
	})
	return f, ok
}

// ruleKindName is the FieldRules type rules that apply to each kind,
// of those quickRules computes.
var ruleKindName = map[protoreflect.Kind]string{
	protoreflect.StringKind:   "string",
	protoreflect.EnumKind:     "enum",
	protoreflect.BoolKind:     "bool",
	protoreflect.Int32Kind:    "int32",
	protoreflect.Sint32Kind:   "sint32",
	protoreflect.Sfixed32Kind: "sfixed32",
	protoreflect.Int64Kind:    "int64",
	protoreflect.Sint64Kind:   "sint64",
	protoreflect.Sfixed64Kind: "sfixed64",
	protoreflect.Uint32Kind:   "uint32",
	protoreflect.Fixed32Kind:  "fixed32",
	protoreflect.Uint64Kind:   "uint64",
	protoreflect.Fixed64Kind:  "fixed64",
}

// quickTypeRules is the check of a field's type rules rules (StringRules,
// EnumRules, Int64Rules, ...), or nil where one of them is not computed
// here. A rule's example values check nothing.
func quickTypeRules(fd protoreflect.FieldDescriptor, rules protoreflect.Message) func(protoreflect.Value) bool {
	if len(rules.GetUnknown()) > 0 {
		return nil
	}
	var checks []func(protoreflect.Value) bool
	ok := true
	rules.Range(func(rd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if rd.IsExtension() {
			ok = false
			return false
		}
		name := rd.Name()
		if name == "example" {
			return true
		}
		var c func(protoreflect.Value) bool
		switch fd.Kind() {
		case protoreflect.StringKind:
			c = quickString(name, v)
		case protoreflect.EnumKind:
			c = quickEnum(fd, name, v)
		case protoreflect.BoolKind:
			if name == "const" {
				want := v.Bool()
				c = func(x protoreflect.Value) bool { return x.Bool() == want }
			}
		case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
			c = quickBound(name, v, protoreflect.Value.Uint)
		default:
			c = quickBound(name, v, protoreflect.Value.Int)
		}
		if c == nil {
			ok = false
			return false
		}
		checks = append(checks, c)
		return true
	})
	if !ok {
		return nil
	}
	return func(x protoreflect.Value) bool {
		for _, c := range checks {
			if !c(x) {
				return false
			}
		}
		return true
	}
}

// quickString is the check of the StringRules rule name of value v, its
// comparison chosen here, once.
func quickString(name protoreflect.Name, v protoreflect.Value) func(protoreflect.Value) bool {
	runes := func(s string) uint64 { return uint64(utf8.RuneCountInString(s)) }
	byteLen := func(s string) uint64 { return uint64(len(s)) }
	switch name {
	case "len", "min_len", "max_len", "len_bytes", "min_bytes", "max_bytes":
		n, count := v.Uint(), runes
		if strings.HasSuffix(string(name), "bytes") {
			count = byteLen
		}
		switch name {
		case "len", "len_bytes":
			return compareCount(count, func(c uint64) bool { return c == n })
		case "min_len", "min_bytes":
			return compareCount(count, func(c uint64) bool { return c >= n })
		}
		return compareCount(count, func(c uint64) bool { return c <= n })
	case "const":
		want := v.String()
		return func(x protoreflect.Value) bool { return x.String() == want }
	case "prefix":
		return affix(strings.HasPrefix, v.String(), true)
	case "suffix":
		return affix(strings.HasSuffix, v.String(), true)
	case "contains":
		return affix(strings.Contains, v.String(), true)
	case "not_contains":
		return affix(strings.Contains, v.String(), false)
	case "in", "not_in":
		list := listOf(v, protoreflect.Value.String)
		in := name == "in"
		return func(x protoreflect.Value) bool { return slices.Contains(list, x.String()) == in }
	}
	return nil
}

// compareCount checks a string's count (its characters or bytes) with ok.
func compareCount(count func(string) uint64, ok func(uint64) bool) func(protoreflect.Value) bool {
	return func(x protoreflect.Value) bool { return ok(count(x.String())) }
}

// affix checks that has(value, a) is want.
func affix(has func(s, a string) bool, a string, want bool) func(protoreflect.Value) bool {
	return func(x protoreflect.Value) bool { return has(x.String(), a) == want }
}

// quickEnum is the check of the EnumRules rule name of value v on the
// enum field fd.
func quickEnum(fd protoreflect.FieldDescriptor, name protoreflect.Name, v protoreflect.Value) func(protoreflect.Value) bool {
	switch name {
	case "defined_only":
		if !v.Bool() {
			return func(protoreflect.Value) bool { return true }
		}
		values := fd.Enum().Values()
		return func(x protoreflect.Value) bool { return values.ByNumber(x.Enum()) != nil }
	case "const":
		want := protoreflect.EnumNumber(v.Int())
		return func(x protoreflect.Value) bool { return x.Enum() == want }
	case "in", "not_in":
		list := listOf(v, protoreflect.Value.Int)
		in := name == "in"
		return func(x protoreflect.Value) bool { return slices.Contains(list, int64(x.Enum())) == in }
	}
	return nil
}

// quickBound is the check of an integer rule name of value v, the field's
// values read by get (Value.Int or Value.Uint). Bounds are checked each on
// its own: a range whose bounds exclude the values between them (gt above
// lt) is never held here, and protovalidate judges it.
func quickBound[T int64 | uint64](name protoreflect.Name, v protoreflect.Value, get func(protoreflect.Value) T) func(protoreflect.Value) bool {
	if name == "in" || name == "not_in" {
		list := listOf(v, get)
		in := name == "in"
		return func(x protoreflect.Value) bool { return slices.Contains(list, get(x)) == in }
	}
	b := get(v)
	var ok func(n T) bool
	switch name {
	case "const":
		ok = func(n T) bool { return n == b }
	case "lt":
		ok = func(n T) bool { return n < b }
	case "lte":
		ok = func(n T) bool { return n <= b }
	case "gt":
		ok = func(n T) bool { return n > b }
	case "gte":
		ok = func(n T) bool { return n >= b }
	default:
		return nil
	}
	return func(x protoreflect.Value) bool { return ok(get(x)) }
}

// listOf is the list value v read element by element with get.
func listOf[T any](v protoreflect.Value, get func(protoreflect.Value) T) []T {
	l := v.List()
	out := make([]T, l.Len())
	for i := range out {
		out[i] = get(l.Get(i))
	}
	return out
}
