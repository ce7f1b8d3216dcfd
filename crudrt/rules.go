package crudrt

import (
	"fmt"
	"regexp"
	"unicode/utf8"

	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// behaviors are the google.api.field_behavior marks of a message's fields.
type behaviors struct {
	required, outputOnly, immutable map[protoreflect.FieldDescriptor]bool
}

func readBehaviors(md protoreflect.MessageDescriptor) behaviors {
	b := behaviors{
		required:   map[protoreflect.FieldDescriptor]bool{},
		outputOnly: map[protoreflect.FieldDescriptor]bool{},
		immutable:  map[protoreflect.FieldDescriptor]bool{},
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		v, _ := proto.GetExtension(fd.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
		for _, fb := range v {
			switch fb {
			case annotations.FieldBehavior_REQUIRED:
				b.required[fd] = true
			case annotations.FieldBehavior_OUTPUT_ONLY:
				b.outputOnly[fd] = true
			case annotations.FieldBehavior_IMMUTABLE:
				b.immutable[fd] = true
			}
		}
	}
	return b
}

// pgvViolations checks the protoc-gen-validate rules (`validate.rules`)
// of m's fields: string lengths and patterns, numeric bounds, const/in/
// not_in, enum defined_only, required messages and repeated sizes. Paths
// are prefixed with prefix.
func pgvViolations(prefix string, m protoreflect.Message) []FieldViolation {
	var out []FieldViolation
	fields := m.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		rules, _ := proto.GetExtension(fd.Options(), pgvpb.E_Rules).(*pgvpb.FieldRules)
		if rules == nil {
			continue
		}
		path := joinPath(prefix, string(fd.Name()))
		add := func(format string, args ...any) {
			out = append(out, FieldViolation{Field: path, Description: fmt.Sprintf(format, args...)})
		}
		if rules.GetMessage().GetRequired() && !m.Has(fd) {
			add("value is required")
		}
		if r := rules.GetRepeated(); r != nil && fd.IsList() {
			n := uint64(m.Get(fd).List().Len())
			if r.MinItems != nil && n < r.GetMinItems() {
				add("at least %d items (got %d)", r.GetMinItems(), n)
			}
			if r.MaxItems != nil && n > r.GetMaxItems() {
				add("at most %d items (got %d)", r.GetMaxItems(), n)
			}
			continue
		}
		if fd.IsList() || fd.IsMap() {
			continue
		}
		v := m.Get(fd)
		if s := rules.GetString_(); s != nil && fd.Kind() == protoreflect.StringKind {
			str := v.String()
			n := uint64(utf8.RuneCountInString(str))
			switch {
			case s.Len != nil && n != s.GetLen():
				add("exactly %d characters (got %d)", s.GetLen(), n)
			case s.MinLen != nil && n < s.GetMinLen():
				add("at least %d characters (got %d)", s.GetMinLen(), n)
			case s.MaxLen != nil && n > s.GetMaxLen():
				add("at most %d characters (got %d)", s.GetMaxLen(), n)
			}
			if s.Pattern != nil {
				if re, err := regexp.Compile(s.GetPattern()); err == nil && !re.MatchString(str) {
					add("must match %q", s.GetPattern())
				}
			}
			if s.Const != nil && str != s.GetConst() {
				add("must be %q", s.GetConst())
			}
			if len(s.GetIn()) > 0 && !contains(s.GetIn(), str) {
				add("must be one of %q", s.GetIn())
			}
			if contains(s.GetNotIn(), str) {
				add("must not be %q", str)
			}
			continue
		}
		if e := rules.GetEnum(); e != nil && fd.Kind() == protoreflect.EnumKind {
			n := int32(v.Enum())
			if e.GetDefinedOnly() && fd.Enum().Values().ByNumber(v.Enum()) == nil {
				add("must be a defined value of %s (got %d)", fd.Enum().FullName(), n)
			}
			if len(e.GetIn()) > 0 && !contains(e.GetIn(), n) {
				add("must be one of %v", e.GetIn())
			}
			if contains(e.GetNotIn(), n) {
				add("must not be %d", n)
			}
			continue
		}
		if b := numericBounds(rules); b != nil {
			x, ok := number(v, fd.Kind())
			if !ok {
				continue
			}
			for _, c := range b {
				if !c.ok(x) {
					add("%s", c.desc)
				}
			}
		}
	}
	return out
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// bound is one numeric rule.
type bound struct {
	ok   func(float64) bool
	desc string
}

// numericBounds reads gt/gte/lt/lte/const/in/not_in of any numeric rule
// message of PGV (Int64Rules, UInt32Rules, DoubleRules, …), which all
// spell them alike.
func numericBounds(rules *pgvpb.FieldRules) []bound {
	r := rules.ProtoReflect()
	oneof := r.Descriptor().Oneofs().ByName("type")
	fd := r.WhichOneof(oneof)
	if fd == nil || fd.Message() == nil {
		return nil
	}
	m := r.Get(fd).Message()
	get := func(name protoreflect.Name) (float64, bool) {
		f := m.Descriptor().Fields().ByName(name)
		if f == nil || f.IsList() || !m.Has(f) {
			return 0, false
		}
		return number(m.Get(f), f.Kind())
	}
	var out []bound
	if x, ok := get("gt"); ok {
		out = append(out, bound{func(v float64) bool { return v > x }, fmt.Sprintf("must be greater than %v", x)})
	}
	if x, ok := get("gte"); ok {
		out = append(out, bound{func(v float64) bool { return v >= x }, fmt.Sprintf("must be at least %v", x)})
	}
	if x, ok := get("lt"); ok {
		out = append(out, bound{func(v float64) bool { return v < x }, fmt.Sprintf("must be less than %v", x)})
	}
	if x, ok := get("lte"); ok {
		out = append(out, bound{func(v float64) bool { return v <= x }, fmt.Sprintf("must be at most %v", x)})
	}
	if x, ok := get("const"); ok {
		out = append(out, bound{func(v float64) bool { return v == x }, fmt.Sprintf("must be %v", x)})
	}
	for _, name := range []protoreflect.Name{"in", "not_in"} {
		f := m.Descriptor().Fields().ByName(name)
		if f == nil || !f.IsList() || m.Get(f).List().Len() == 0 {
			continue
		}
		var set []float64
		l := m.Get(f).List()
		for i := 0; i < l.Len(); i++ {
			x, _ := number(l.Get(i), f.Kind())
			set = append(set, x)
		}
		if name == "in" {
			out = append(out, bound{func(v float64) bool { return contains(set, v) }, fmt.Sprintf("must be one of %v", set)})
		} else {
			out = append(out, bound{func(v float64) bool { return !contains(set, v) }, fmt.Sprintf("must not be one of %v", set)})
		}
	}
	return out
}

// number reads a numeric value. Comparisons run in float64: exact for
// every bound a rule writes below 2^53, and for the usual ones beyond.
func number(v protoreflect.Value, k protoreflect.Kind) (float64, bool) {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return float64(v.Int()), true
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return float64(v.Uint()), true
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return v.Float(), true
	}
	return 0, false
}
