package model

import (
	"math"
	"math/big"
	"strconv"
	"strings"

	validatepb "buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Rules are the validation rules of a field that shape its column: read
// from protovalidate (`buf.validate.field`) and protoc-gen-validate
// (`validate.rules`) annotations. Where both give a bound, the tighter wins.
type Rules struct {
	// MinLen and MaxLen bound a string's length in characters (nil: none).
	MinLen, MaxLen *uint64
	// Min and Max bound a number, as decimal literals (empty: none), with
	// MinExclusive/MaxExclusive for gt/lt.
	Min, Max                   string
	MinExclusive, MaxExclusive bool
	// DefinedOnly asks that an enum hold one of its declared values.
	DefinedOnly bool
	// Required is protovalidate's `required` (or PGV's message.required).
	Required bool
	// Pattern is a string's RE2 pattern and In the strings it may be,
	// which documents show (the validators enforce them; they shape no
	// column).
	Pattern string
	In      []string
	// ZeroValid says that the validators accept the field's zero value
	// whatever the bounds above: a rule that ignores it, and no other
	// rule that refuses it. protovalidate ignores it on a field without
	// presence (IGNORE_IF_ZERO_VALUE, a field of a message oneof rule);
	// PGV's ignore_empty ignores it whether the field has presence or
	// not (an optional field, a wrapper or a oneof member set to zero).
	// The zero value is the column's default, or a value a client sets,
	// so the column's checks let it through too.
	ZeroValid bool
	// NaNValid says that the validators let NaN through the numeric
	// bounds above: PGV's, whose comparisons NaN fails to fail, when
	// protovalidate (whose bounds refuse NaN) gives none.
	NaNValid bool
	// ignoreEmpty is PGV's ignore_empty, while the rules are read.
	ignoreEmpty bool
	// unmodeled is set, while the rules are read, when the rules hold one
	// that the bounds above do not model (a pattern, a list of values, a
	// prefix, a format…) and that may refuse the zero value.
	unmodeled bool
}

// IsZero reports whether no rule applies.
func (r Rules) IsZero() bool {
	return r.MinLen == nil && r.MaxLen == nil && r.Min == "" && r.Max == "" && !r.DefinedOnly && !r.Required
}

// ReadRules returns the rules of d that have a counterpart in a JSON
// schema: lengths, bounds, defined enums, required.
func ReadRules(d protoreflect.FieldDescriptor) Rules { return readRules(d) }

// readRules collects the rules of d from both validation libraries. A
// protovalidate rule set under IGNORE_ALWAYS is never applied, and
// bounds nothing.
func readRules(d protoreflect.FieldDescriptor) Rules {
	var r Rules
	// Whether some library ignores the zero value, and whether one that
	// does not refuses it.
	ignored, refused := false, false
	add := func(t Rules, ignoresZero bool) {
		if ignoresZero {
			ignored = true
		} else if t.refusesZero() || t.unmodeled {
			refused = true
		}
		r.merge(t)
	}
	pvBounds := false
	if pv, ok := proto.GetExtension(d.Options(), validatepb.E_Field).(*validatepb.FieldRules); ok && pv != nil && pv.GetIgnore() != validatepb.Ignore_IGNORE_ALWAYS {
		r.Required = pv.GetRequired()
		// protovalidate ignores the zero value of a field of a message
		// oneof rule unless the field says otherwise.
		ignore := pv.GetIgnore() == validatepb.Ignore_IGNORE_IF_ZERO_VALUE || !pv.HasIgnore() && inMessageOneof(d)
		t := typeRules(pv.ProtoReflect())
		pvBounds = t.Min != "" || t.Max != ""
		add(t, ignore && !d.HasPresence())
	}
	if pgv, ok := proto.GetExtension(d.Options(), pgvpb.E_Rules).(*pgvpb.FieldRules); ok && pgv != nil {
		if pgv.GetMessage().GetRequired() {
			r.Required = true
		}
		// PGV skips the rules of a zero value, set or not: its
		// generated code compares the value, not its presence, with
		// zero.
		t := typeRules(pgv.ProtoReflect())
		add(t, t.ignoreEmpty)
		// PGV compares a float with its bounds as Go does, and NaN
		// is neither below nor above any of them.
		r.NaNValid = (t.Min != "" || t.Max != "") && !pvBounds && isFloat(d)
	}
	r.ZeroValid = ignored && !refused
	r.ignoreEmpty, r.unmodeled = false, false
	return r
}

// isFloat reports whether d holds a float or a double, or a wrapper of
// one.
func isFloat(d protoreflect.FieldDescriptor) bool {
	switch d.Kind() {
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		return true
	case protoreflect.MessageKind:
		n := d.Message().FullName()
		return n == "google.protobuf.FloatValue" || n == "google.protobuf.DoubleValue"
	}
	return false
}

// inMessageOneof reports whether d is one of the fields of a
// (buf.validate.message).oneof rule of its message.
func inMessageOneof(d protoreflect.FieldDescriptor) bool {
	md, ok := d.Parent().(protoreflect.MessageDescriptor)
	if !ok {
		return false
	}
	rules, ok := proto.GetExtension(md.Options(), validatepb.E_Message).(*validatepb.MessageRules)
	if !ok || rules == nil {
		return false
	}
	for _, o := range rules.GetOneof() {
		for _, name := range o.GetFields() {
			if protoreflect.Name(name) == d.Name() {
				return true
			}
		}
	}
	return false
}

// refusesZero reports whether the bounds that shape checks refuse the
// zero value: an empty string, the number 0.
func (r Rules) refusesZero() bool {
	if r.MinLen != nil && *r.MinLen > 0 {
		return true
	}
	return !r.admits("0")
}

// admits reports whether the numeric bounds let v through.
func (r Rules) admits(v string) bool {
	lower := r.Min == "" || compareDecimal(v, r.Min) > 0 || !r.MinExclusive && compareDecimal(v, r.Min) == 0
	upper := r.Max == "" || compareDecimal(v, r.Max) < 0 || !r.MaxExclusive && compareDecimal(v, r.Max) == 0
	if r.Outside() {
		return lower || upper
	}
	return lower && upper
}

// AdmitsZero reports whether the numeric bounds let 0 through.
func (r Rules) AdmitsZero() bool { return r.admits("0") }

// typeRules reads the kind-specific rules (StringRules, Int64Rules, …) of
// a FieldRules message of either library. Both spell the bounds with the
// same field names, so one reflective reader serves them.
func typeRules(rules protoreflect.Message) Rules {
	var out Rules
	oneof := rules.Descriptor().Oneofs().ByName("type")
	if oneof == nil {
		return out
	}
	fd := rules.WhichOneof(oneof)
	if fd == nil || fd.Message() == nil {
		return out
	}
	m := rules.Get(fd).Message()
	m.Range(func(f protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		if !zeroSafeRules[f.Name()] {
			out.unmodeled = true
		}
		return true
	})
	get := func(name protoreflect.Name) (protoreflect.Value, bool) {
		f := m.Descriptor().Fields().ByName(name)
		if f == nil || f.IsList() || !m.Has(f) {
			return protoreflect.Value{}, false
		}
		return m.Get(f), true
	}
	if v, ok := get("pattern"); ok && fd.Message().Fields().ByName("pattern").Kind() == protoreflect.StringKind {
		out.Pattern = v.String()
	}
	if f := m.Descriptor().Fields().ByName("in"); f != nil && f.IsList() && f.Kind() == protoreflect.StringKind {
		l := m.Get(f).List()
		for i := 0; i < l.Len(); i++ {
			out.In = append(out.In, l.Get(i).String())
		}
	}
	if v, ok := get("len"); ok {
		n := v.Uint()
		out.MinLen, out.MaxLen = &n, &n
	}
	if v, ok := get("min_len"); ok {
		n := v.Uint()
		out.MinLen = &n
	}
	if v, ok := get("max_len"); ok {
		n := v.Uint()
		out.MaxLen = &n
	}
	for _, b := range []struct {
		name      protoreflect.Name
		max, excl bool
	}{{"gt", false, true}, {"gte", false, false}, {"lt", true, true}, {"lte", true, false}} {
		v, ok := get(b.name)
		if !ok {
			continue
		}
		lit := numberLiteral(v, m.Descriptor().Fields().ByName(b.name).Kind())
		if lit == "" {
			continue
		}
		if b.max {
			out.Max, out.MaxExclusive = lit, b.excl
		} else {
			out.Min, out.MinExclusive = lit, b.excl
		}
	}
	if v, ok := get("defined_only"); ok && v.Bool() {
		out.DefinedOnly = true
	}
	if v, ok := get("ignore_empty"); ok && v.Bool() {
		out.ignoreEmpty = true
	}
	return out
}

// zeroSafeRules are the rules of a kind that refusesZero judges, or that
// never refuse a zero value.
var zeroSafeRules = map[protoreflect.Name]bool{
	"len": true, "min_len": true, "max_len": true, "max_bytes": true,
	"gt": true, "gte": true, "lt": true, "lte": true,
	"defined_only": true, "ignore_empty": true,
}

// numberLiteral spells a bound as a decimal literal; timestamps and
// durations (message-typed bounds) are not column checks.
func numberLiteral(v protoreflect.Value, k protoreflect.Kind) string {
	switch k {
	case protoreflect.Int32Kind, protoreflect.Int64Kind, protoreflect.Sint32Kind, protoreflect.Sint64Kind,
		protoreflect.Sfixed32Kind, protoreflect.Sfixed64Kind:
		return strconv.FormatInt(v.Int(), 10)
	case protoreflect.Uint32Kind, protoreflect.Uint64Kind, protoreflect.Fixed32Kind, protoreflect.Fixed64Kind:
		return strconv.FormatUint(v.Uint(), 10)
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		// Infinite and NaN bounds bound nothing a column can check.
		if math.IsNaN(v.Float()) || math.IsInf(v.Float(), 0) {
			return ""
		}
		bits := 64
		if k == protoreflect.FloatKind {
			bits = 32
		}
		return strconv.FormatFloat(v.Float(), 'g', -1, bits)
	}
	return ""
}

// merge keeps the tighter of two rule sets.
func (r *Rules) merge(o Rules) {
	if o.MinLen != nil && (r.MinLen == nil || *o.MinLen > *r.MinLen) {
		r.MinLen = o.MinLen
	}
	if o.MaxLen != nil && (r.MaxLen == nil || *o.MaxLen < *r.MaxLen) {
		r.MaxLen = o.MaxLen
	}
	if o.Min != "" && (r.Min == "" || compareDecimal(o.Min, r.Min) > 0) {
		r.Min, r.MinExclusive = o.Min, o.MinExclusive
	}
	if o.Max != "" && (r.Max == "" || compareDecimal(o.Max, r.Max) < 0) {
		r.Max, r.MaxExclusive = o.Max, o.MaxExclusive
	}
	r.DefinedOnly = r.DefinedOnly || o.DefinedOnly
	r.Required = r.Required || o.Required
	if o.Pattern != "" && r.Pattern == "" {
		r.Pattern = o.Pattern
	}
	if len(o.In) > 0 && len(r.In) == 0 {
		r.In = o.In
	}
}

// Outside reports whether the bounds form an exclusive range: a lower
// bound at or above the upper one, which both libraries read as "outside
// the range between them" (protoc-gen-validate from equal bounds on,
// protovalidate from a lower bound strictly above): a valid value meets
// either bound, not both. At equal bounds, where the libraries differ,
// checks built on it accept what either accepts.
func (r Rules) Outside() bool {
	return r.Min != "" && r.Max != "" && compareDecimal(r.Min, r.Max) >= 0
}

// compareDecimal compares two numeric literals.
func compareDecimal(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA != nil || errB != nil || x == y {
		return 0
	}
	if x < y {
		return -1
	}
	return 1
}

// integerRange is the range of an integer column type, or nils.
func integerRange(t ColumnType) (lo, hi *big.Int) {
	switch t {
	case TypeInt32:
		return big.NewInt(math.MinInt32), big.NewInt(math.MaxInt32)
	case TypeInt64:
		return big.NewInt(math.MinInt64), big.NewInt(math.MaxInt64)
	case TypeUint32:
		return big.NewInt(0), big.NewInt(math.MaxUint32)
	case TypeUint64:
		return big.NewInt(0), new(big.Int).SetUint64(math.MaxUint64)
	}
	return nil, nil
}

// noValue reports whether the numeric bounds of integer field f let no
// value of its type through: a lower bound above the type's largest
// value, an upper one below its smallest, or an inside range with no
// integer in it (an exclusive range fails only when neither side has one).
func noValue(f *Field) bool {
	lo, hi := integerRange(f.Type)
	r := f.Rules
	if lo == nil || r.Min == "" && r.Max == "" {
		return false
	}
	var minEff, maxEff *big.Int
	if r.Min != "" {
		if v, ok := new(big.Int).SetString(r.Min, 10); ok {
			if r.MinExclusive {
				v.Add(v, big.NewInt(1))
			}
			minEff = v
		}
	}
	if r.Max != "" {
		if v, ok := new(big.Int).SetString(r.Max, 10); ok {
			if r.MaxExclusive {
				v.Sub(v, big.NewInt(1))
			}
			maxEff = v
		}
	}
	lowerOK := minEff == nil || minEff.Cmp(hi) <= 0
	upperOK := maxEff == nil || maxEff.Cmp(lo) >= 0
	if r.Outside() {
		return !lowerOK && !upperOK
	}
	if minEff != nil && maxEff != nil && minEff.Cmp(maxEff) > 0 {
		return true
	}
	return !lowerOK || !upperOK
}

// bounds spells the numeric bounds as the rules do.
func (r Rules) bounds() string {
	var parts []string
	if r.Min != "" {
		op := "gte"
		if r.MinExclusive {
			op = "gt"
		}
		parts = append(parts, op+": "+r.Min)
	}
	if r.Max != "" {
		op := "lte"
		if r.MaxExclusive {
			op = "lt"
		}
		parts = append(parts, op+": "+r.Max)
	}
	return strings.Join(parts, ", ")
}
