package goldenrun

import (
	validatepb "buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	protoforgev1 "github.com/protoforge/protoforge/options/protoforge/v1"
)

// rules are the constraints a generated value must meet: the field's
// buf.validate and validate.rules annotations and its column size. Both
// rule families name their rules alike (min_len, gt, defined_only…), so
// they are read by field name, through reflection, into one shape.
type rules struct {
	// Strings and bytes: lengths in characters (bytes for bytes fields).
	minLen, maxLen        int
	exactLen              int
	minBytes, maxBytes    int
	pattern               string
	prefix, suffix, infix string
	wellKnown             string
	// Numbers, enums, strings: the value's own rules.
	constant  *protoreflect.Value
	in, notIn []protoreflect.Value
	gt, gte   *protoreflect.Value
	lt, lte   *protoreflect.Value
	// gtNow asks for a future timestamp; lt_now and defined_only hold by
	// construction (past timestamps, defined enum values).
	gtNow        bool
	minItems     int
	maxItems     int
	items        *rules
	keys, values *rules
}

// fieldRules reads the rules of fd, including its column size.
func fieldRules(fd protoreflect.FieldDescriptor) *rules {
	r := &rules{maxLen: -1, maxBytes: -1, maxItems: -1, exactLen: -1}
	for _, ext := range []protoreflect.ExtensionType{validatepb.E_Field, pgvpb.E_Rules} {
		if !proto.HasExtension(fd.Options(), ext) {
			continue
		}
		if m, ok := proto.GetExtension(fd.Options(), ext).(proto.Message); ok && m.ProtoReflect().IsValid() {
			r.merge(m.ProtoReflect())
		}
	}
	if fo, ok := proto.GetExtension(fd.Options(), protoforgev1.E_Field).(*protoforgev1.FieldOptions); ok && fo.GetSize() > 0 {
		r.capLen(int(fo.GetSize()))
	}
	return r
}

func (r *rules) capLen(n int) {
	if r.maxLen < 0 || n < r.maxLen {
		r.maxLen = n
	}
}

// merge reads a FieldRules message of either family. Presence rules
// (required) need nothing: every field the client sets is populated.
func (r *rules) merge(m protoreflect.Message) {
	get := func(m protoreflect.Message, name protoreflect.Name) (protoreflect.Value, bool) {
		fd := m.Descriptor().Fields().ByName(name)
		if fd == nil || !m.Has(fd) {
			return protoreflect.Value{}, false
		}
		return m.Get(fd), true
	}
	od := m.Descriptor().Oneofs().ByName("type")
	if od == nil {
		return
	}
	typ := m.WhichOneof(od)
	if typ == nil {
		return
	}
	t := m.Get(typ).Message()
	num := func(name protoreflect.Name) int {
		if v, ok := get(t, name); ok {
			return int(v.Uint())
		}
		return -1
	}
	value := func(name protoreflect.Name) *protoreflect.Value {
		if v, ok := get(t, name); ok {
			return &v
		}
		return nil
	}
	list := func(name protoreflect.Name) []protoreflect.Value {
		v, ok := get(t, name)
		if !ok || !v.List().IsValid() {
			return nil
		}
		var out []protoreflect.Value
		for i := 0; i < v.List().Len(); i++ {
			out = append(out, v.List().Get(i))
		}
		return out
	}
	str := func(name protoreflect.Name) string {
		if v, ok := get(t, name); ok {
			return v.String()
		}
		return ""
	}
	flag := func(name protoreflect.Name) bool {
		v, ok := get(t, name)
		return ok && v.Bool()
	}
	switch typ.Name() {
	case "repeated":
		if n := num("min_items"); n >= 0 {
			r.minItems = n
		}
		if n := num("max_items"); n >= 0 {
			r.maxItems = n
		}
		if v, ok := get(t, "items"); ok {
			r.items = &rules{maxLen: -1, maxBytes: -1, maxItems: -1, exactLen: -1}
			r.items.merge(v.Message())
		}
		return
	case "map":
		if n := num("min_pairs"); n >= 0 {
			r.minItems = n
		}
		if n := num("max_pairs"); n >= 0 {
			r.maxItems = n
		}
		for name, dst := range map[protoreflect.Name]**rules{"keys": &r.keys, "values": &r.values} {
			if v, ok := get(t, name); ok {
				*dst = &rules{maxLen: -1, maxBytes: -1, maxItems: -1, exactLen: -1}
				(*dst).merge(v.Message())
			}
		}
		return
	}
	if n := num("min_len"); n >= 0 {
		r.minLen = max(r.minLen, n)
	}
	if n := num("max_len"); n >= 0 {
		r.capLen(n)
	}
	if n := num("len"); n >= 0 {
		r.exactLen = n
	}
	if n := num("min_bytes"); n >= 0 {
		r.minBytes = n
	}
	if n := num("max_bytes"); n >= 0 {
		r.maxBytes = n
	}
	if typ.Name() == "bytes" {
		// Bytes lengths are min_len/max_len in bytes.
		r.minBytes, r.maxBytes = max(r.minBytes, r.minLen), r.maxLen
		r.minLen, r.maxLen = 0, -1
	}
	if s := str("pattern"); s != "" {
		r.pattern = s
	}
	r.prefix, r.suffix, r.infix = str("prefix"), str("suffix"), str("contains")
	for _, wk := range []protoreflect.Name{"email", "hostname", "ip", "ipv4", "ipv6", "uri", "uri_ref", "address", "uuid", "tuuid", "host_and_port"} {
		if flag(wk) {
			r.wellKnown = string(wk)
		}
	}
	r.constant = value("const")
	r.in, r.notIn = list("in"), list("not_in")
	r.gt, r.gte, r.lt, r.lte = value("gt"), value("gte"), value("lt"), value("lte")
	r.gtNow = flag("gt_now")
}
