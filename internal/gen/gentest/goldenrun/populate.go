package goldenrun

import (
	"fmt"
	"math"
	"regexp"
	"regexp/syntax"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
)

// baseTime is the first timestamp generated; timestamps are whole
// microseconds, the precision every dialect keeps (DESIGN.md §3).
var baseTime = time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)

// populator builds valid messages of the case's models.
type populator struct {
	reg *registry
	// parents holds the key of a stored row of each model, for foreign
	// keys.
	parents map[*modelInfo]protoreflect.Value
	// tenant is the value of tenant fields.
	tenant func(fd protoreflect.FieldDescriptor) protoreflect.Value
}

// message returns a valid message of mi: every field the client may set
// is populated, distinct per seed, within its rules; server-managed
// fields, ignored fields and associations are left unset.
func (p *populator) message(mi *modelInfo, seed int) (proto.Message, error) {
	msg := mi.msg.ProtoReflect().New()
	fields := mi.desc.Fields()
	oneofs := map[protoreflect.OneofDescriptor]bool{}
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd == mi.tenant && p.tenant != nil {
			// The caller's, which the server stamps on every row, an
			// OUTPUT_ONLY tenant field's too.
			msg.Set(fd, p.tenant(fd))
			continue
		}
		if mi.serverManaged(fd) || mi.ignored[fd] || mi.assoc[fd] || mi.inputOnly[fd] || mi.selfRefs[fd] {
			// Input-only fields are never answered back (AIP-203), so
			// the runs' comparisons leave them out; e2e tests store them.
			continue
		}
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			if oneofs[od] {
				continue // one member per oneof
			}
			oneofs[od] = true
		}
		if target := mi.refs[fd]; target != nil {
			key, ok := p.parents[target]
			if !ok {
				if fd.HasPresence() {
					continue
				}
				return nil, fmt.Errorf("%s references %s, which has no stored row yet", fd.FullName(), target.desc.FullName())
			}
			msg.Set(fd, key)
			continue
		}
		if target := mi.resRefs[fd]; target != nil {
			if name, ok := p.parents[target]; ok {
				msg.Set(fd, name) // a stored resource's name
			} else if target.singleton && target.parentName != "" {
				// A singleton exists with its parent, written or not.
				msg.Set(fd, protoreflect.ValueOfString(target.singletonName()))
			}
			continue
		}
		if mi.namePrefix != "" && mi.isKey(fd) {
			msg.Set(fd, protoreflect.ValueOfString(fmt.Sprintf("%sn%d", mi.namePrefix, seed)))
			continue
		}
		if err := setField(msg, fd, fieldRules(fd), seed, 0); err != nil {
			return nil, err
		}
	}
	return msg.Interface(), nil
}

// setField sets fd of msg to a valid value for seed; depth bounds
// recursive message types.
func setField(msg protoreflect.Message, fd protoreflect.FieldDescriptor, r *rules, seed, depth int) error {
	switch {
	case fd.IsMap():
		n := count(r, 2)
		m := msg.Mutable(fd).Map()
		kr, vr := orEmpty(r.keys), orEmpty(r.values)
		for i := 0; i < n; i++ {
			k, err := scalar(fd.MapKey(), kr, seed*10+i)
			if err != nil {
				return err
			}
			if s, ok := formatted(fd, seed*10+i); ok {
				// The format of a map's values sits on the map field.
				m.Set(k.MapKey(), protoreflect.ValueOfString(s))
				continue
			}
			v, err := element(m.NewValue, fd.MapValue(), vr, seed*10+i, depth)
			if err != nil {
				return err
			}
			m.Set(k.MapKey(), v)
		}
		return nil
	case fd.IsList():
		n := count(r, 2)
		l := msg.Mutable(fd).List()
		ir := orEmpty(r.items)
		for i := 0; i < n; i++ {
			v, err := element(l.NewElement, fd, ir, seed*10+i, depth)
			if err != nil {
				return err
			}
			l.Append(v)
		}
		return nil
	}
	v, err := element(func() protoreflect.Value { return msg.NewField(fd) }, fd, r, seed, depth)
	if err != nil {
		return err
	}
	msg.Set(fd, v)
	return nil
}

func orEmpty(r *rules) *rules {
	if r == nil {
		return &rules{maxLen: -1, maxBytes: -1, maxItems: -1, exactLen: -1}
	}
	return r
}

// count is the number of elements of a repeated field or map: n within
// its item-count rules.
func count(r *rules, n int) int {
	n = max(n, r.minItems)
	if r.maxItems >= 0 && n > r.maxItems {
		n = r.maxItems
	}
	return n
}

// element builds one value of fd's kind (an element of a list or map
// when fd is one); newMsg gives a fresh message of the right type.
func element(newMsg func() protoreflect.Value, fd protoreflect.FieldDescriptor, r *rules, seed, depth int) (protoreflect.Value, error) {
	if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
		return scalar(fd, r, seed)
	}
	v := newMsg()
	m := v.Message()
	switch m.Descriptor().FullName() {
	case "google.protobuf.Timestamp":
		t := baseTime.Add(time.Duration(seed) * time.Hour)
		if r.gtNow {
			t = time.Now().UTC().Add(365 * 24 * time.Hour).Add(time.Duration(seed) * time.Hour).Truncate(time.Microsecond)
		}
		if r.gt != nil {
			if lo := r.gt.Message().Interface().(*timestamppb.Timestamp).AsTime(); !t.After(lo) {
				t = lo.Add(time.Duration(seed+1) * time.Second).Truncate(time.Microsecond)
			}
		}
		if r.gte != nil {
			if lo := r.gte.Message().Interface().(*timestamppb.Timestamp).AsTime(); t.Before(lo) {
				t = lo.Add(time.Duration(seed) * time.Second).Truncate(time.Microsecond)
			}
		}
		proto.Merge(m.Interface(), timestamppb.New(t))
	case "google.protobuf.Duration":
		d := time.Duration(seed+1)*time.Second + 250*time.Microsecond
		if r.gt != nil {
			if lo := r.gt.Message().Interface().(*durationpb.Duration).AsDuration(); d <= lo {
				d = lo + time.Duration(seed+1)*time.Millisecond
			}
		}
		if r.gte != nil {
			if lo := r.gte.Message().Interface().(*durationpb.Duration).AsDuration(); d < lo {
				d = lo + time.Duration(seed)*time.Millisecond
			}
		}
		if r.lt != nil {
			if hi := r.lt.Message().Interface().(*durationpb.Duration).AsDuration(); d >= hi {
				d = hi - time.Millisecond
			}
		}
		if r.lte != nil {
			if hi := r.lte.Message().Interface().(*durationpb.Duration).AsDuration(); d > hi {
				d = hi
			}
		}
		proto.Merge(m.Interface(), durationpb.New(d))
	case "google.protobuf.Struct":
		s, _ := structpb.NewStruct(map[string]any{"k": fmt.Sprintf("v%d", seed), "n": float64(seed)})
		proto.Merge(m.Interface(), s)
	case "google.protobuf.Value":
		proto.Merge(m.Interface(), structpb.NewStringValue(fmt.Sprintf("v%d", seed)))
	case "google.protobuf.ListValue":
		l, _ := structpb.NewList([]any{fmt.Sprintf("v%d", seed), float64(seed)})
		proto.Merge(m.Interface(), l)
	case "google.protobuf.FieldMask":
		// Paths that protojson can write (snake_case that round-trips
		// through lowerCamelCase): letters, no digits.
		proto.Merge(m.Interface(), &fieldmaskpb.FieldMask{Paths: []string{"title", fmt.Sprintf("a.path_%c", 'a'+rune(seed%26))}})
	case "google.protobuf.Any":
		a, err := anypb.New(wrapperspb.String(fmt.Sprintf("any-%d", seed)))
		if err != nil {
			return protoreflect.Value{}, err
		}
		proto.Merge(m.Interface(), a)
	default:
		if depth > 2 {
			return v, nil
		}
		// Wrappers and other messages: their own fields, recursively.
		fields := m.Descriptor().Fields()
		oneofs := map[protoreflect.OneofDescriptor]bool{}
		for i := 0; i < fields.Len(); i++ {
			sub := fields.Get(i)
			if od := sub.ContainingOneof(); od != nil && !od.IsSynthetic() {
				if oneofs[od] {
					continue
				}
				oneofs[od] = true
			}
			if sub.Message() != nil && sub.Message().FullName() == m.Descriptor().FullName() {
				continue
			}
			sr := fieldRules(sub)
			if strings.HasPrefix(string(m.Descriptor().FullName()), "google.protobuf.") {
				sr = r // a wrapper's rules are its value's
			}
			if err := setField(m, sub, sr, seed, depth+1); err != nil {
				return protoreflect.Value{}, err
			}
		}
	}
	return v, nil
}

// scalar builds a valid value of a scalar or enum field.
func scalar(fd protoreflect.FieldDescriptor, r *rules, seed int) (protoreflect.Value, error) {
	if r.constant != nil {
		return *r.constant, nil
	}
	if len(r.in) > 0 {
		return r.in[seed%len(r.in)], nil
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(seed%2 == 1), nil
	case protoreflect.EnumKind:
		return enumValue(fd, r, seed)
	case protoreflect.StringKind:
		if v, ok := formatted(fd, seed); ok {
			return protoreflect.ValueOfString(v), nil
		}
		s, err := stringValue(string(fd.Name()), r, seed)
		return protoreflect.ValueOfString(s), err
	case protoreflect.BytesKind:
		b := []byte(fmt.Sprintf("b\x00%d\xff", seed))
		for len(b) < r.minBytes || len(b) < r.exactLen {
			b = append(b, 'x')
		}
		if r.maxBytes >= 0 && len(b) > r.maxBytes {
			b = b[len(b)-r.maxBytes:]
		}
		return protoreflect.ValueOfBytes(b), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		v, err := signed(r, seed, math.MinInt32, math.MaxInt32)
		return protoreflect.ValueOfInt32(int32(v)), err
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		v, err := signed(r, seed, math.MinInt64, math.MaxInt64)
		return protoreflect.ValueOfInt64(v), err
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		v, err := unsigned(r, seed, math.MaxUint32)
		return protoreflect.ValueOfUint32(uint32(v)), err
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		v, err := unsigned(r, seed, math.MaxUint64)
		return protoreflect.ValueOfUint64(v), err
	case protoreflect.FloatKind:
		v, err := float(r, seed)
		return protoreflect.ValueOfFloat32(float32(v)), err
	case protoreflect.DoubleKind:
		v, err := float(r, seed)
		return protoreflect.ValueOfFloat64(v), err
	}
	return protoreflect.Value{}, fmt.Errorf("%s: no value for kind %v", fd.FullName(), fd.Kind())
}

// enumValue is a defined non-zero value (the zero one only when it is the
// only choice), varied by seed.
func enumValue(fd protoreflect.FieldDescriptor, r *rules, seed int) (protoreflect.Value, error) {
	var choices []protoreflect.EnumNumber
	vals := fd.Enum().Values()
	for i := 0; i < vals.Len(); i++ {
		n := vals.Get(i).Number()
		if n != 0 && !contains(r.notIn, protoreflect.ValueOfEnum(n)) {
			choices = append(choices, n)
		}
	}
	if len(choices) == 0 {
		return protoreflect.ValueOfEnum(0), nil
	}
	return protoreflect.ValueOfEnum(choices[seed%len(choices)]), nil
}

func contains(list []protoreflect.Value, v protoreflect.Value) bool {
	for _, x := range list {
		if x.Equal(v) {
			return true
		}
	}
	return false
}

// signed is seed+1 moved into the rule's bounds, avoiding not_in.
func signed(r *rules, seed int, lo, hi int64) (int64, error) {
	min0, max0 := lo, hi
	if r.gt != nil {
		lo = max(lo, r.gt.Int()+1)
	}
	if r.gte != nil {
		lo = max(lo, r.gte.Int())
	}
	if r.lt != nil {
		hi = min(hi, r.lt.Int()-1)
	}
	if r.lte != nil {
		hi = min(hi, r.lte.Int())
	}
	if lo > hi && (r.gt != nil || r.gte != nil) && (r.lt != nil || r.lte != nil) {
		// A lower bound above the upper one is an exclusive range
		// (protoc-gen-validate and protovalidate alike): values at or
		// above the lower bound are valid, or at or below the upper one.
		if lo <= max0 {
			hi = max0
		} else {
			lo = min0
		}
	}
	if lo > hi {
		return 0, fmt.Errorf("empty range [%d, %d]", lo, hi)
	}
	start := int64(1)
	if start < lo || start > hi {
		start = lo
	}
	for i := int64(seed); i < int64(seed)+1000; i++ {
		span := uint64(hi - start)
		v := start + int64(uint64(i)%(span+1))
		if span == math.MaxUint64 {
			v = start + i
		}
		if !contains(r.notIn, protoreflect.ValueOfInt64(v)) && !contains(r.notIn, protoreflect.ValueOfInt32(int32(v))) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("no value in [%d, %d] outside not_in", lo, hi)
}

// unsigned is signed for unsigned kinds.
func unsigned(r *rules, seed int, hi uint64) (uint64, error) {
	lo, max0 := uint64(0), hi
	min0 := lo
	if r.gt != nil {
		lo = max(lo, r.gt.Uint()+1)
	}
	if r.gte != nil {
		lo = max(lo, r.gte.Uint())
	}
	if r.lt != nil {
		hi = min(hi, r.lt.Uint()-1)
	}
	if r.lte != nil {
		hi = min(hi, r.lte.Uint())
	}
	if lo > hi && (r.gt != nil || r.gte != nil) && (r.lt != nil || r.lte != nil) {
		if lo <= max0 { // an exclusive range, as in signed
			hi = max0
		} else {
			lo = min0
		}
	}
	if lo > hi {
		return 0, fmt.Errorf("empty range [%d, %d]", lo, hi)
	}
	start := max(uint64(1), lo)
	for i := uint64(seed); i < uint64(seed)+1000; i++ {
		v := start + i
		if span := hi - start; span != math.MaxUint64 {
			v = start + i%(span+1)
		}
		if !contains(r.notIn, protoreflect.ValueOfUint64(v)) && !contains(r.notIn, protoreflect.ValueOfUint32(uint32(v))) {
			return v, nil
		}
	}
	return 0, fmt.Errorf("no value in [%d, %d] outside not_in", lo, hi)
}

// float is seed+1.5 moved into the rule's bounds.
func float(r *rules, seed int) (float64, error) {
	v := float64(seed) + 1.5
	if r.gt != nil && v <= r.gt.Float() {
		v = r.gt.Float() + float64(seed) + 0.5
	}
	if r.gte != nil && v < r.gte.Float() {
		v = r.gte.Float() + float64(seed)
	}
	if r.lt != nil && v >= r.lt.Float() {
		v = r.lt.Float() - 0.25
	}
	if r.lte != nil && v > r.lte.Float() {
		v = r.lte.Float()
	}
	return v, nil
}

// stringValue builds a string within r: a pattern's match, a well-known
// format, or "<field>-<seed>" with the required prefix, infix, suffix and
// length. The seed is kept when the value must be shortened, so that
// values stay distinct.
func stringValue(field string, r *rules, seed int) (string, error) {
	if r.pattern != "" {
		s, err := matching(r.pattern, seed)
		if err != nil {
			return "", fmt.Errorf("%s: %w", field, err)
		}
		return s, nil
	}
	switch r.wellKnown {
	case "email":
		return fmt.Sprintf("user%d@example.com", seed), nil
	case "hostname":
		return fmt.Sprintf("host%d.example.com", seed), nil
	case "ip", "ipv4", "address":
		return fmt.Sprintf("10.0.%d.%d", seed/250, seed%250+1), nil
	case "ipv6":
		return fmt.Sprintf("fd00::%x", seed+1), nil
	case "uri", "uri_ref":
		return fmt.Sprintf("https://example.com/r%d", seed), nil
	case "uuid":
		return fmt.Sprintf("00000000-0000-4000-8000-%012d", seed), nil
	case "tuuid":
		return fmt.Sprintf("000000000000400080000%011d", seed), nil
	case "host_and_port":
		return fmt.Sprintf("host%d.example.com:80", seed), nil
	}
	core := fmt.Sprintf("%s-%d", field, seed)
	minLen := max(r.minLen, r.exactLen)
	maxLen := r.maxLen
	if r.exactLen >= 0 {
		maxLen = r.exactLen
	}
	fixed := utf8.RuneCountInString(r.prefix + r.infix + r.suffix)
	for utf8.RuneCountInString(core)+fixed < minLen {
		core = "x" + core
	}
	if maxLen >= 0 && utf8.RuneCountInString(core)+fixed > maxLen {
		keep := max(0, maxLen-fixed)
		core = core[len(core)-min(keep, len(core)):]
	}
	return r.prefix + core + r.infix + r.suffix, nil
}

// matching builds a string that pattern matches, varied by seed through
// its character classes.
func matching(pattern string, seed int) (string, error) {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return "", err
	}
	re = re.Simplify()
	var b strings.Builder
	n := seed
	var walk func(re *syntax.Regexp)
	pick := func(choices []rune) {
		if len(choices) == 0 {
			return
		}
		b.WriteRune(choices[n%len(choices)])
		n /= len(choices)
	}
	walk = func(re *syntax.Regexp) {
		switch re.Op {
		case syntax.OpLiteral:
			b.WriteString(string(re.Rune))
		case syntax.OpCharClass:
			var choices []rune
			for i := 0; i+1 < len(re.Rune) && len(choices) < 62; i += 2 {
				for c := re.Rune[i]; c <= re.Rune[i+1] && len(choices) < 62; c++ {
					if c > ' ' && c < 0x7f && c != '/' {
						choices = append(choices, c)
					}
				}
			}
			if len(choices) == 0 && len(re.Rune) > 0 {
				choices = []rune{re.Rune[0]}
			}
			pick(choices)
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			pick([]rune("abcdefghijklmnopqrstuvwxyz"))
		case syntax.OpCapture:
			walk(re.Sub[0])
		case syntax.OpConcat:
			for _, s := range re.Sub {
				walk(s)
			}
		case syntax.OpAlternate:
			walk(re.Sub[0])
		case syntax.OpStar, syntax.OpQuest:
			walk(re.Sub[0])
		case syntax.OpPlus:
			walk(re.Sub[0])
			walk(re.Sub[0])
		case syntax.OpRepeat:
			times := re.Min
			if times == 0 && re.Max != 0 {
				times = 1
			}
			for i := 0; i < times; i++ {
				walk(re.Sub[0])
			}
		}
	}
	walk(re)
	s := b.String()
	if !regexp.MustCompile(pattern).MatchString(s) {
		return "", fmt.Errorf("cannot build a value for pattern %q (tried %q)", pattern, s)
	}
	return s, nil
}

// another returns a valid value of fd different from cur, for updates.
func another(fd protoreflect.FieldDescriptor, cur protoreflect.Value, seed int) (protoreflect.Value, error) {
	r := fieldRules(fd)
	for i := 0; i < 50; i++ {
		v, err := scalar(fd, r, seed+1000+i)
		if err != nil {
			return v, err
		}
		if !v.Equal(cur) {
			return v, nil
		}
	}
	return protoreflect.Value{}, fmt.Errorf("%s: no valid value other than %v", fd.FullName(), cur)
}

// formatted is a value of the AIP-202 format of string field fd
// ((google.api.field_info).format), distinct per seed; ok is false for a
// field without one.
func formatted(fd protoreflect.FieldDescriptor, seed int) (string, bool) {
	if fd.IsMap() && fd.MapValue().Kind() != protoreflect.StringKind {
		return "", false
	}
	info, _ := proto.GetExtension(fd.Options(), annotations.E_FieldInfo).(*annotations.FieldInfo)
	switch info.GetFormat() {
	case annotations.FieldInfo_UUID4:
		return fmt.Sprintf("%08x-0000-4000-8000-%012x", seed, seed), true
	case annotations.FieldInfo_IPV4, annotations.FieldInfo_IPV4_OR_IPV6:
		return fmt.Sprintf("10.%d.%d.%d", seed>>16&255, seed>>8&255, seed&255), true
	case annotations.FieldInfo_IPV6:
		return fmt.Sprintf("2001:db8::%x", seed&0xffff), true
	}
	return "", false
}
