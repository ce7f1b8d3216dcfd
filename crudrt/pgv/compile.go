package pgv

import (
	"fmt"
	"sort"
	"strings"
	"sync"

	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// A messagePlan is what Check does for one message type.
type messagePlan struct {
	// off is set by (validate.disabled) and (validate.ignored): PGV
	// generates no checks for such a message, nor for what it holds.
	off    bool
	fields []*fieldPlan
	// oneofs are the oneofs marked (validate.required).
	oneofs []oneofPlan
}

type oneofPlan struct {
	od   protoreflect.OneofDescriptor
	desc string
}

// A fieldPlan is what Check does for one field.
type fieldPlan struct {
	fd   protoreflect.FieldDescriptor
	name string
	// onlyIfSet: members of a oneof (real or proto3-optional synthetic) are
	// validated only when set, as PGV's switch over the oneof does.
	onlyIfSet bool
	// broken lists problems that make the rules unenforceable; Check then
	// fails the field whatever its value (fail closed).
	broken []string
	list   *listPlan
	mapp   *mapPlan
	value  *valuePlan // singular fields
}

type listPlan struct {
	minItems, maxItems *uint64
	unique             bool
	ignoreEmpty        bool
	items              *valuePlan
}

type mapPlan struct {
	minPairs, maxPairs *uint64
	noSparse           bool
	ignoreEmpty        bool
	keys, values       *valuePlan
}

// A valuePlan checks one value: a singular field, a list item, a map key or
// a map value.
type valuePlan struct {
	// isMsg: the value is a message (presence matters, required applies).
	isMsg    bool
	required bool
	// wrapper: a google.protobuf.*Value message whose `value` field the
	// checks apply to.
	wrapper bool
	// ignoreEmpty: the checks are skipped when zero reports the (unwrapped)
	// value empty.
	ignoreEmpty bool
	zero        func(protoreflect.Value) bool
	// valid, if set, is checked first on a message value (Timestamp and
	// Duration ranges); when it fails, checks are not run.
	valid  func(protoreflect.Message) string
	checks []check
	// recurse: validate the nested message by its own rules.
	recurse bool
}

// A check returns the description of a violation, or "".
type check func(v protoreflect.Value) string

func (p *valuePlan) empty() bool {
	return p == nil || (!p.required && len(p.checks) == 0 && !p.recurse)
}

var plans sync.Map // protoreflect.MessageDescriptor → *messagePlan

// planFor returns the compiled plan of md.
func planFor(md protoreflect.MessageDescriptor) *messagePlan {
	if p, ok := plans.Load(md); ok {
		return p.(*messagePlan)
	}
	p, _ := plans.LoadOrStore(md, compileMessage(md))
	return p.(*messagePlan)
}

func compileMessage(md protoreflect.MessageDescriptor) *messagePlan {
	p := &messagePlan{}
	if messageOff(md) {
		p.off = true
		return p
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		c := &compiler{}
		fp := c.field(fd)
		for _, pr := range c.problems {
			if pr.fatal {
				fp.broken = append(fp.broken, pr.msg)
			}
		}
		if fp.list == nil && fp.mapp == nil && fp.value.empty() && len(fp.broken) == 0 {
			continue
		}
		p.fields = append(p.fields, fp)
	}
	oneofs := md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		od := oneofs.Get(i)
		if od.IsSynthetic() || !boolOption(od.Options(), pgvpb.E_Required) {
			continue
		}
		var names []string
		for j := 0; j < od.Fields().Len(); j++ {
			names = append(names, string(od.Fields().Get(j).Name()))
		}
		p.oneofs = append(p.oneofs, oneofPlan{od: od, desc: "one of " + strings.Join(names, ", ") + " is required"})
	}
	return p
}

// messageOff reports whether PGV generates no validation for md.
func messageOff(md protoreflect.MessageDescriptor) bool {
	return boolOption(md.Options(), pgvpb.E_Disabled) || boolOption(md.Options(), pgvpb.E_Ignored)
}

var reach sync.Map // protoreflect.MessageDescriptor → bool

// hasRules reports whether a value of md, or any message it can hold,
// carries a rule: the nested messages Check must visit.
func hasRules(md protoreflect.MessageDescriptor) bool {
	if v, ok := reach.Load(md); ok {
		return v.(bool)
	}
	// A walk from md alone: caching the types met on the way could record a
	// wrong answer for a type on a cycle that is still being explored.
	seen := map[protoreflect.FullName]bool{}
	queue := []protoreflect.MessageDescriptor{md}
	found := false
	for len(queue) > 0 && !found {
		m := queue[0]
		queue = queue[1:]
		if seen[m.FullName()] || messageOff(m) {
			continue
		}
		seen[m.FullName()] = true
		oneofs := m.Oneofs()
		for i := 0; i < oneofs.Len(); i++ {
			if boolOption(oneofs.Get(i).Options(), pgvpb.E_Required) {
				found = true
			}
		}
		fields := m.Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if hasRuleOption(fd) {
				found = true
				break
			}
			if fd.IsMap() {
				fd = fd.MapValue()
			}
			if fd.Message() != nil {
				queue = append(queue, fd.Message())
			}
		}
	}
	reach.Store(md, found)
	return found
}

// Problems lists what is wrong with the PGV rules of fd, each starting with
// the rule's path, e.g.
//
//	(validate.rules).string.pattern "(" does not compile: error parsing regexp: missing closing ): `(`
//	(validate.rules).string is for string fields, not int32; use (validate.rules).int32
//
// It reports rules that Check cannot enforce (a rule kind that does not fit
// the field, a pattern RE2 rejects, rule fields unknown to PGV v1.3.3) and
// the rule combinations that PGV's own generator refuses. It is empty for
// valid rules, and for fields of a (validate.disabled) message.
func Problems(fd protoreflect.FieldDescriptor) []string {
	if fd.ContainingMessage() != nil && boolOption(fd.ContainingMessage().Options(), pgvpb.E_Disabled) {
		return nil
	}
	c := &compiler{}
	c.field(fd)
	out := make([]string, len(c.problems))
	for i, p := range c.problems {
		out[i] = p.msg
	}
	return out
}

type problem struct {
	msg string
	// fatal: Check cannot enforce the rule. Other problems are rules PGV
	// refuses to generate that Check still enforces.
	fatal bool
}

// compiler turns the rules of one field into a fieldPlan, noting problems.
type compiler struct {
	problems []problem
}

func (c *compiler) fatalf(format string, args ...any) {
	c.problems = append(c.problems, problem{msg: fmt.Sprintf(format, args...), fatal: true})
}

func (c *compiler) refusef(format string, args ...any) {
	c.problems = append(c.problems, problem{msg: fmt.Sprintf(format, args...)})
}

// A target is what a set of rules applies to: a field, or the items, keys
// or values of one.
type target struct {
	kind protoreflect.Kind
	msg  protoreflect.MessageDescriptor
	enum protoreflect.EnumDescriptor
	// list and mapf are set for a whole repeated or map field.
	list, mapf bool
}

func targetOf(fd protoreflect.FieldDescriptor) target {
	return target{kind: fd.Kind(), msg: fd.Message(), enum: fd.Enum()}
}

func (t target) isMsg() bool {
	return !t.list && !t.mapf && (t.kind == protoreflect.MessageKind || t.kind == protoreflect.GroupKind)
}

func (t target) msgName() protoreflect.FullName {
	if t.msg == nil {
		return ""
	}
	return t.msg.FullName()
}

// String spells the target's type for messages: `int32`, `repeated string`,
// `map`, `google.protobuf.Timestamp`.
func (t target) String() string {
	var s string
	switch {
	case t.mapf:
		return "map"
	case t.kind == protoreflect.MessageKind || t.kind == protoreflect.GroupKind:
		s = string(t.msgName())
	case t.kind == protoreflect.EnumKind:
		s = string(t.enum.FullName())
	default:
		s = t.kind.String()
	}
	if t.list {
		return "repeated " + s
	}
	return s
}

// ruleKind names the FieldRules case that fits t, for hints.
func (t target) ruleKind() string {
	switch {
	case t.list:
		return "repeated"
	case t.mapf:
		return "map"
	case t.kind == protoreflect.EnumKind:
		return "enum"
	case t.isMsg():
		switch n := t.msgName(); n {
		case "google.protobuf.Any":
			return "any"
		case "google.protobuf.Duration":
			return "duration"
		case "google.protobuf.Timestamp":
			return "timestamp"
		default:
			if k, ok := wrapperKinds[n]; ok {
				return ruleKindOfScalar(k)
			}
		}
		return "message"
	}
	return ruleKindOfScalar(t.kind)
}

func ruleKindOfScalar(k protoreflect.Kind) string {
	for name, rk := range scalarRuleKinds {
		if rk.kind == k {
			return string(name)
		}
	}
	return k.String()
}

// wrapperKinds maps the wrapper messages PGV unwraps to the kind of their
// `value` field.
var wrapperKinds = map[protoreflect.FullName]protoreflect.Kind{
	"google.protobuf.FloatValue":  protoreflect.FloatKind,
	"google.protobuf.DoubleValue": protoreflect.DoubleKind,
	"google.protobuf.Int32Value":  protoreflect.Int32Kind,
	"google.protobuf.Int64Value":  protoreflect.Int64Kind,
	"google.protobuf.UInt32Value": protoreflect.Uint32Kind,
	"google.protobuf.UInt64Value": protoreflect.Uint64Kind,
	"google.protobuf.BoolValue":   protoreflect.BoolKind,
	"google.protobuf.StringValue": protoreflect.StringKind,
	"google.protobuf.BytesValue":  protoreflect.BytesKind,
}

// scalarRuleKinds are the FieldRules cases for scalars: the field kind each
// fits, and whether it also fits that kind's wrapper message.
var scalarRuleKinds = map[protoreflect.Name]struct {
	kind    protoreflect.Kind
	wrapped bool
}{
	"float":    {protoreflect.FloatKind, true},
	"double":   {protoreflect.DoubleKind, true},
	"int32":    {protoreflect.Int32Kind, true},
	"int64":    {protoreflect.Int64Kind, true},
	"uint32":   {protoreflect.Uint32Kind, true},
	"uint64":   {protoreflect.Uint64Kind, true},
	"sint32":   {protoreflect.Sint32Kind, false},
	"sint64":   {protoreflect.Sint64Kind, false},
	"fixed32":  {protoreflect.Fixed32Kind, false},
	"fixed64":  {protoreflect.Fixed64Kind, false},
	"sfixed32": {protoreflect.Sfixed32Kind, false},
	"sfixed64": {protoreflect.Sfixed64Kind, false},
	"bool":     {protoreflect.BoolKind, true},
	"string":   {protoreflect.StringKind, true},
	"bytes":    {protoreflect.BytesKind, true},
}

const rootPath = "(validate.rules)"

func (c *compiler) field(fd protoreflect.FieldDescriptor) *fieldPlan {
	fp := &fieldPlan{fd: fd, name: string(fd.Name())}
	// Real and synthetic (proto3 optional) oneof members alike.
	fp.onlyIfSet = fd.ContainingOneof() != nil
	rules, err := fieldRules(fd)
	if err != nil {
		c.fatalf("%s cannot be read: %v", rootPath, err)
		return fp
	}
	if rules == nil {
		rules = &pgvpb.FieldRules{}
	}
	c.unknownFields(rootPath, rules.ProtoReflect())
	switch {
	case fd.IsList():
		t := targetOf(fd)
		t.list = true
		rr := rules.GetRepeated()
		if rules.GetType() != nil && rr == nil {
			c.mismatch(rootPath, rules, t)
		}
		if rules.Message != nil {
			c.fatalf("%s.message is for singular message fields, not %s; use %s.repeated.items.message", rootPath, t, rootPath)
		}
		fp.list = c.list(rootPath+".repeated", fd, rr)
		if fp.list.items.empty() && rr == nil {
			fp.list = nil
		}
	case fd.IsMap():
		t := targetOf(fd)
		t.mapf = true
		mr := rules.GetMap()
		if rules.GetType() != nil && mr == nil {
			c.mismatch(rootPath, rules, t)
		}
		if rules.Message != nil {
			c.fatalf("%s.message is for singular message fields, not a map; use %s.map.values.message", rootPath, rootPath)
		}
		fp.mapp = c.mapRules(rootPath+".map", fd, mr)
		if fp.mapp.keys.empty() && fp.mapp.values.empty() && mr == nil {
			fp.mapp = nil
		}
	default:
		fp.value = c.value(rootPath, targetOf(fd), rules)
	}
	return fp
}

func (c *compiler) list(path string, fd protoreflect.FieldDescriptor, r *pgvpb.RepeatedRules) *listPlan {
	if r == nil {
		r = &pgvpb.RepeatedRules{}
	}
	lp := &listPlan{minItems: r.MinItems, maxItems: r.MaxItems, unique: r.GetUnique(), ignoreEmpty: r.GetIgnoreEmpty()}
	c.minMax(path, "min_items", "max_items", r.MinItems, r.MaxItems)
	t := targetOf(fd)
	if lp.unique && t.isMsg() {
		c.fatalf("%s.unique is only for scalar and enum items, not %s", path, t)
	}
	lp.items = c.value(path+".items", t, r.GetItems())
	return lp
}

func (c *compiler) mapRules(path string, fd protoreflect.FieldDescriptor, r *pgvpb.MapRules) *mapPlan {
	if r == nil {
		r = &pgvpb.MapRules{}
	}
	mp := &mapPlan{minPairs: r.MinPairs, maxPairs: r.MaxPairs, noSparse: r.GetNoSparse(), ignoreEmpty: r.GetIgnoreEmpty()}
	c.minMax(path, "min_pairs", "max_pairs", r.MinPairs, r.MaxPairs)
	vt := targetOf(fd.MapValue())
	if mp.noSparse && !vt.isMsg() {
		c.refusef("%s.no_sparse is only for message values, not %s", path, vt)
	}
	mp.keys = c.value(path+".keys", targetOf(fd.MapKey()), r.GetKeys())
	mp.values = c.value(path+".values", vt, r.GetValues())
	return mp
}

// value compiles the rules r (which may be nil) for one value of type t.
func (c *compiler) value(path string, t target, r *pgvpb.FieldRules) *valuePlan {
	vp := &valuePlan{isMsg: t.isMsg()}
	skip := false
	if mr := r.GetMessage(); mr != nil {
		switch {
		case !t.isMsg():
			c.fatalf("%s.message is for message fields, not %s; use %s.%s", path, t, path, t.ruleKind())
		case r.GetType() != nil && mr.GetSkip():
			c.refusef("%s.message.skip cannot be combined with %s.%s; remove skip", path, path, ruleName(r))
		}
		if k := t.ruleKind(); t.isMsg() && (k == "any" || k == "duration" || k == "timestamp") {
			c.refusef("%s.message on a %s field: use %s.%s, e.g. %s.required", path, t, path, k, k)
		}
		vp.required = t.isMsg() && mr.GetRequired()
		skip = mr.GetSkip()
	}
	if r.GetType() == nil {
		if t.isMsg() && !skip {
			vp.recurse = hasRules(t.msg)
		}
		return vp
	}
	rm := r.ProtoReflect()
	which := rm.WhichOneof(rm.Descriptor().Oneofs().ByName("type"))
	name := which.Name()
	sub := rm.Get(which).Message()
	rpath := path + "." + string(name)
	if sk, ok := scalarRuleKinds[name]; ok {
		kind := t.kind
		if t.isMsg() {
			wk, isWrapper := wrapperKinds[t.msgName()]
			if !isWrapper || !sk.wrapped {
				c.mismatch(path, r, t)
				return vp
			}
			kind, vp.wrapper = wk, true
		}
		if t.list || t.mapf || kind != sk.kind {
			c.mismatch(path, r, t)
			return vp
		}
		switch name {
		case "string":
			vp.checks, vp.ignoreEmpty = c.stringRules(rpath, r.GetString_())
			vp.zero = func(v protoreflect.Value) bool { return v.String() == "" }
		case "bytes":
			vp.checks, vp.ignoreEmpty = c.bytesRules(rpath, r.GetBytes())
			vp.zero = func(v protoreflect.Value) bool { return len(v.Bytes()) == 0 }
		case "bool":
			vp.checks = boolRules(r.GetBool())
		default:
			vp.checks, vp.ignoreEmpty = c.numberRules(rpath, sub, sk.kind)
			vp.zero = numOps{kind: sk.kind}.isZero
		}
		return vp
	}
	switch name {
	case "enum":
		if t.list || t.mapf || t.kind != protoreflect.EnumKind {
			c.mismatch(path, r, t)
			return vp
		}
		vp.checks = c.enumRules(rpath, t.enum, r.GetEnum())
	case "any":
		if t.ruleKind() != "any" {
			c.mismatch(path, r, t)
			return vp
		}
		vp.required = vp.required || r.GetAny().GetRequired()
		vp.checks = c.anyRules(rpath, r.GetAny())
	case "duration":
		if t.ruleKind() != "duration" {
			c.mismatch(path, r, t)
			return vp
		}
		vp.required = vp.required || r.GetDuration().GetRequired()
		vp.checks = c.durationRules(rpath, r.GetDuration())
		if len(vp.checks) > 0 {
			vp.valid = validDuration
		}
	case "timestamp":
		if t.ruleKind() != "timestamp" {
			c.mismatch(path, r, t)
			return vp
		}
		vp.required = vp.required || r.GetTimestamp().GetRequired()
		vp.checks = c.timestampRules(rpath, r.GetTimestamp())
		if len(vp.checks) > 0 {
			vp.valid = validTimestamp
		}
	default: // repeated and map rules on an item, key, value or singular field
		c.mismatch(path, r, t)
	}
	return vp
}

// ruleName is the name of the FieldRules case r holds.
func ruleName(r *pgvpb.FieldRules) protoreflect.Name {
	rm := r.ProtoReflect()
	if fd := rm.WhichOneof(rm.Descriptor().Oneofs().ByName("type")); fd != nil {
		return fd.Name()
	}
	return ""
}

func (c *compiler) mismatch(path string, r *pgvpb.FieldRules, t target) {
	name := ruleName(r)
	var fits string
	switch name {
	case "repeated":
		fits = "repeated fields"
	case "map":
		fits = "map fields"
	case "any":
		fits = "google.protobuf.Any fields"
	case "duration":
		fits = "google.protobuf.Duration fields"
	case "timestamp":
		fits = "google.protobuf.Timestamp fields"
	default:
		fits = string(name) + " fields"
		if scalarRuleKinds[name].wrapped {
			fits = string(name) + " and " + wrapperOf(scalarRuleKinds[name].kind) + " fields"
		}
	}
	hint := path + "." + t.ruleKind()
	element := name != "repeated" && name != "map"
	switch {
	case t.list && element:
		hint = path + ".repeated.items." + string(name)
	case t.mapf && element:
		hint = path + ".map.keys." + string(name) + " or " + path + ".map.values." + string(name)
	}
	c.fatalf("%s.%s is for %s, not %s; use %s", path, name, fits, t, hint)
}

func wrapperOf(k protoreflect.Kind) string {
	var names []string
	for n, wk := range wrapperKinds {
		if wk == k {
			names = append(names, string(n))
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// minMax refuses a minimum above a maximum, as PGV does.
func (c *compiler) minMax(path, minName, maxName string, lo, hi *uint64) {
	if lo != nil && hi != nil && *lo > *hi {
		c.refusef("%s.%s %d is greater than %s %d; no value satisfies both", path, minName, *lo, maxName, *hi)
	}
}

// unknownFields reports rule fields that PGV v1.3.3 does not define, e.g.
// written against a newer validate.proto: Check could not enforce them.
func (c *compiler) unknownFields(path string, m protoreflect.Message) {
	if len(m.GetUnknown()) > 0 {
		c.fatalf("%s has rule fields unknown to protoc-gen-validate v1.3.3 (field numbers %s); they cannot be enforced", path, unknownNumbers(m.GetUnknown()))
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Message() == nil {
			return true
		}
		p := path + "." + string(fd.Name())
		if fd.IsList() {
			for i := 0; i < v.List().Len(); i++ {
				c.unknownFields(fmt.Sprintf("%s[%d]", p, i), v.List().Get(i).Message())
			}
			return true
		}
		c.unknownFields(p, v.Message())
		return true
	})
}

func unknownNumbers(b []byte) string {
	var nums []string
	seen := map[protoreflect.FieldNumber]bool{}
	for len(b) > 0 {
		num, _, n := protowire.ConsumeField(b)
		if n <= 0 {
			break
		}
		if !seen[num] {
			seen[num] = true
			nums = append(nums, fmt.Sprint(num))
		}
		b = b[n:]
	}
	return strings.Join(nums, ", ")
}

// fieldRules reads the (validate.rules) of fd, nil if none. Options parsed
// without PGV's Go types (dynamic descriptors, or rules held as unknown
// fields) are converted.
func fieldRules(fd protoreflect.FieldDescriptor) (*pgvpb.FieldRules, error) {
	om := optionsWith(fd.Options(), pgvpb.E_Rules.TypeDescriptor())
	if om == nil {
		return nil, nil
	}
	v := om.Get(pgvpb.E_Rules.TypeDescriptor()).Message().Interface()
	if r, ok := v.(*pgvpb.FieldRules); ok {
		return r, nil
	}
	b, err := proto.Marshal(v)
	if err != nil {
		return nil, err
	}
	r := &pgvpb.FieldRules{}
	if err := proto.Unmarshal(b, r); err != nil {
		return nil, err
	}
	return r, nil
}

// hasRuleOption reports whether fd carries (validate.rules).
func hasRuleOption(fd protoreflect.FieldDescriptor) bool {
	return optionsWith(fd.Options(), pgvpb.E_Rules.TypeDescriptor()) != nil
}

// boolOption reads a bool extension such as (validate.disabled).
func boolOption(opts proto.Message, xt protoreflect.ExtensionType) bool {
	om := optionsWith(opts, xt.TypeDescriptor())
	return om != nil && om.Get(xt.TypeDescriptor()).Bool()
}

// optionsWith returns the options message holding extension xd, or nil.
// Options decoded before the extension was known keep it as unknown
// fields; those are decoded again with the global registry.
func optionsWith(opts proto.Message, xd protoreflect.ExtensionTypeDescriptor) protoreflect.Message {
	if opts == nil {
		return nil
	}
	om := opts.ProtoReflect()
	if !om.IsValid() {
		return nil
	}
	if om.Has(xd) {
		return om
	}
	if len(om.GetUnknown()) == 0 || !hasNumber(om.GetUnknown(), xd.Number()) {
		return nil
	}
	b, err := proto.MarshalOptions{AllowPartial: true}.Marshal(opts)
	if err != nil {
		return nil
	}
	fresh := om.Type().New()
	if err := (proto.UnmarshalOptions{AllowPartial: true, Resolver: protoregistry.GlobalTypes}).Unmarshal(b, fresh.Interface()); err != nil {
		return nil
	}
	if fresh.Has(xd) {
		return fresh
	}
	return nil
}

func hasNumber(b []byte, want protoreflect.FieldNumber) bool {
	for len(b) > 0 {
		num, _, n := protowire.ConsumeField(b)
		if n <= 0 {
			return false
		}
		if num == want {
			return true
		}
		b = b[n:]
	}
	return false
}
