package crudrt

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// JSON is the connect-go codec (connect.WithCodec) that servers of
// generated services read JSON requests with: protojson as connect-go uses
// it, but strict. An unknown field or an unknown enum name is
// InvalidArgument naming it, as Google's JSON APIs answer, where the
// default codec drops both silently (an enum name it does not know would
// be stored as 0). An unknown enum number stays accepted where the enum
// is open, as protojson does. RESTJSON is the same for vanguard.
type JSON struct{}

// Name is "json".
func (JSON) Name() string { return "json" }

// Marshal writes msg as protojson.
func (JSON) Marshal(msg any) ([]byte, error) {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil, errNotProto
	}
	return protojson.Marshal(m)
}

// Unmarshal reads data into msg, strictly; connect-go answers its errors
// InvalidArgument.
func (JSON) Unmarshal(data []byte, msg any) error {
	m, ok := msg.(proto.Message)
	if !ok {
		return errNotProto
	}
	return unmarshalJSON(data, m)
}

// RESTJSON is JSON for vanguard's REST transcoding (vanguard.WithCodec):
// the same strict reading; responses carry every field, as vanguard's
// default codec writes them.
type RESTJSON struct{}

// Name is "json".
func (RESTJSON) Name() string { return "json" }

// IsBinary is false: JSON is text.
func (RESTJSON) IsBinary() bool { return false }

// MarshalAppend appends msg as protojson to b.
func (RESTJSON) MarshalAppend(b []byte, msg proto.Message) ([]byte, error) {
	return protojson.MarshalOptions{EmitUnpopulated: true}.MarshalAppend(b, msg)
}

// Unmarshal reads data into msg, strictly; its errors are
// InvalidArgument (vanguard would answer a plain error Unknown, HTTP 500).
func (RESTJSON) Unmarshal(data []byte, msg proto.Message) error {
	if err := unmarshalJSON(data, msg); err != nil {
		if pe, ok := asPathError(err); ok {
			// The field, in the message the body holds.
			return InvalidArgument("", FieldViolation{Field: pe.Path, Description: pe.Msg}).WithReason("MALFORMED_JSON")
		}
		return Errorf(connect.CodeInvalidArgument, "%v", err).WithReason("MALFORMED_JSON")
	}
	return nil
}

// unmarshalJSON is protojson.Unmarshal that also takes, in a
// google.protobuf.FieldMask field anywhere in the request (the request's
// own, or one of each of BatchUpdate's requests), what JSON's FieldMask
// cannot hold: "*" (AIP-134's full replacement, `"updateMask": "*"`) and
// map keys quoted in backticks (AIP-161, "metadata.`x.y`"), as gRPC and
// the REST query parameter take them, and proto names and map keys with
// an underscore ("metadata.a_b"). When protojson refuses a mask, every
// mask of the request is read in a second pass, spelled in hexadecimal
// behind maskSentinel, which protojson takes as a path, and read back
// once the message is decoded.
//
// A mask of a request a Service serves (the masks of Update, BatchUpdate
// and read masks) is also read in that second pass when protojson's
// reading of it passes through a map or names no field of the resource:
// protojson turns every segment of a path from camelCase into snake_case,
// map keys too ("metadata.someKey" would name the key "some_key"), and a
// segment that names no field comes back as another ("Title" as
// "_title"). The second pass turns the segments that name fields into
// their names and keeps map keys, and segments that name nothing, as sent.
func unmarshalJSON(data []byte, m proto.Message) error {
	md := m.ProtoReflect().Descriptor()
	err := protojson.Unmarshal(data, m)
	switch {
	case err == nil:
		if !rawMasksNeeded(m.ProtoReflect()) {
			return nil
		}
	case !strings.Contains(err.Error(), `FieldMask.paths contains invalid path`):
		return located(data, md, err)
	}
	// Every mask is read again, not only those protojson could not read:
	// protojson's reading of the others is what the second pass corrects
	// (a map key in camelCase in one request of a batch whose other
	// request quotes a key in backticks).
	var out bytes.Buffer
	n, rerr := encodeMasks(&out, data, md)
	if rerr != nil || n == 0 {
		return located(data, md, err)
	}
	proto.Reset(m)
	if err := protojson.Unmarshal(out.Bytes(), m); err != nil {
		return located(out.Bytes(), md, err)
	}
	decodeMasks(m.ProtoReflect(), nil)
	return nil
}

// maskTargets holds, for the FieldMask fields of the requests services
// serve, the message their paths name: maskField → its resource.
var maskTargets sync.Map

// maskField is a FieldMask field of a request message.
type maskField struct {
	msg   protoreflect.FullName
	field protoreflect.Name
}

// maskLists holds the repeated message fields of requests whose elements
// have masks of their own (BatchUpdate's requests): msg → []field.
var (
	maskLists   sync.Map
	maskListsMu sync.Mutex
)

// registerMask records that the paths of in's FieldMask field fd name
// fields of target; within is set for a mask of each element of a list
// field of outer (BatchUpdate's requests).
func registerMask(in protoreflect.MessageDescriptor, fd protoreflect.FieldDescriptor, target protoreflect.MessageDescriptor, outer protoreflect.MessageDescriptor, within protoreflect.FieldDescriptor) {
	if fd == nil || target == nil {
		return
	}
	maskTargets.Store(maskField{in.FullName(), fd.Name()}, target)
	if outer == nil || within == nil {
		return
	}
	maskListsMu.Lock()
	defer maskListsMu.Unlock()
	var fields []protoreflect.Name
	if old, ok := maskLists.Load(outer.FullName()); ok {
		fields = old.([]protoreflect.Name)
	}
	if !slices.Contains(fields, within.Name()) {
		maskLists.Store(outer.FullName(), append(slices.Clip(fields), within.Name()))
	}
}

// rawMasksNeeded reports whether a mask of m that a service reads holds a
// path, as protojson read it, through a map or naming no field.
func rawMasksNeeded(m protoreflect.Message) bool {
	md := m.Descriptor()
	if lists, ok := maskLists.Load(md.FullName()); ok {
		for _, name := range lists.([]protoreflect.Name) {
			fd := md.Fields().ByName(name)
			if fd == nil || !fd.IsList() || fd.Message() == nil {
				continue
			}
			l := m.Get(fd).List()
			for i := range l.Len() {
				if rawMasksNeeded(l.Get(i).Message()) {
					return true
				}
			}
		}
	}
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Message() == nil || fd.Message().FullName() != fieldMaskName || fd.IsList() || !m.Has(fd) {
			continue
		}
		target, ok := maskTargets.Load(maskField{md.FullName(), fd.Name()})
		if !ok {
			continue
		}
		fm, ok := m.Get(fd).Message().Interface().(*fieldmaskpb.FieldMask)
		if !ok {
			continue
		}
		for _, p := range fm.Paths {
			if !plainPath(p, target.(protoreflect.MessageDescriptor)) {
				return true
			}
		}
	}
	return false
}

// plainPath reports whether path names a field of md at each segment and
// passes through no map.
func plainPath(path string, md protoreflect.MessageDescriptor) bool {
	for seg := range strings.SplitSeq(path, ".") {
		if md == nil {
			return false
		}
		fd := md.Fields().ByName(protoreflect.Name(seg))
		if fd == nil || fd.IsMap() {
			return false
		}
		md = fd.Message()
	}
	return true
}

// maskSentinel starts a FieldMask path that stands for a mask encodeMasks
// spelled in hexadecimal.
const maskSentinel = "xprotoforgemaskx"

var fieldMaskName = (&fieldmaskpb.FieldMask{}).ProtoReflect().Descriptor().FullName()

// encodeMasks copies the JSON value data of message md to out, with every
// FieldMask spelled behind maskSentinel, and counts them. Members keep their order and repetitions.
func encodeMasks(out *bytes.Buffer, data []byte, md protoreflect.MessageDescriptor) (int, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		out.Write(data)
		return 0, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if _, err := dec.Token(); err != nil {
		return 0, err
	}
	n := 0
	out.WriteByte('{')
	first := true
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return 0, err
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return 0, err
		}
		if !first {
			out.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(key)
		out.Write(k)
		out.WriteByte(':')
		fd := md.Fields().ByJSONName(key)
		if fd == nil {
			fd = md.Fields().ByName(protoreflect.Name(key))
		}
		c, err := encodeValue(out, raw, fd)
		if err != nil {
			return 0, err
		}
		n += c
	}
	if _, err := dec.Token(); err != nil {
		return 0, err
	}
	out.WriteByte('}')
	return n, nil
}

// encodeValue copies the JSON value raw of field fd (nil: unknown) to
// out, as encodeMasks does.
func encodeValue(out *bytes.Buffer, raw json.RawMessage, fd protoreflect.FieldDescriptor) (int, error) {
	if fd == nil || fd.Message() == nil {
		out.Write(raw)
		return 0, nil
	}
	md := fd.Message()
	if fd.IsMap() {
		md = fd.MapValue().Message()
		if md == nil {
			out.Write(raw)
			return 0, nil
		}
	}
	each := func(item json.RawMessage) (int, error) {
		var s string
		if md.FullName() == fieldMaskName && json.Unmarshal(item, &s) == nil {
			b, _ := json.Marshal(maskSentinel + hex.EncodeToString([]byte(s)))
			out.Write(b)
			return 1, nil
		}
		if strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
			out.Write(item)
			return 0, nil
		}
		return encodeMasks(out, item, md)
	}
	trimmed := bytes.TrimSpace(raw)
	switch {
	case fd.IsList() && len(trimmed) > 0 && trimmed[0] == '[':
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return 0, err
		}
		n := 0
		out.WriteByte('[')
		for i, it := range items {
			if i > 0 {
				out.WriteByte(',')
			}
			c, err := each(it)
			if err != nil {
				return 0, err
			}
			n += c
		}
		out.WriteByte(']')
		return n, nil
	case fd.IsMap() && len(trimmed) > 0 && trimmed[0] == '{':
		// The keys of a map are not fields: copied as they are.
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		if _, err := dec.Token(); err != nil {
			return 0, err
		}
		n := 0
		out.WriteByte('{')
		for i := 0; dec.More(); i++ {
			t, err := dec.Token()
			if err != nil {
				return 0, err
			}
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return 0, err
			}
			if i > 0 {
				out.WriteByte(',')
			}
			k, _ := json.Marshal(t)
			out.Write(k)
			out.WriteByte(':')
			c, err := each(v)
			if err != nil {
				return 0, err
			}
			n += c
		}
		out.WriteByte('}')
		return n, nil
	case fd.IsList() || fd.IsMap():
		out.Write(raw)
		return 0, nil
	}
	return each(raw)
}

// decodeMasks reads back the FieldMasks of m that encodeMasks spelled
// behind maskSentinel: the paths split at commas outside backticks, their
// fields' JSON names turned back as protojson does. target is the message
// a mask m names, when a service registered it: then the segments that
// name its fields become their names, and map keys and segments that name
// nothing stay as sent.
func decodeMasks(m protoreflect.Message, target protoreflect.MessageDescriptor) {
	if m.Descriptor().FullName() == fieldMaskName {
		fm, ok := m.Interface().(*fieldmaskpb.FieldMask)
		if !ok || len(fm.Paths) != 1 || !strings.HasPrefix(fm.Paths[0], maskSentinel) {
			return
		}
		text, err := hex.DecodeString(strings.TrimPrefix(fm.Paths[0], maskSentinel))
		if err != nil {
			return
		}
		var paths []string
		for _, p := range splitMask(string(text)) {
			paths = append(paths, jsonMaskPath(splitUnquoted(p, '.'), target))
		}
		fm.Paths = paths
		return
	}
	md := m.Descriptor().FullName()
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			for i := range v.List().Len() {
				decodeMasks(v.List().Get(i).Message(), nil)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				decodeMasks(mv.Message(), nil)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			var target protoreflect.MessageDescriptor
			if t, ok := maskTargets.Load(maskField{md, fd.Name()}); ok {
				target = t.(protoreflect.MessageDescriptor)
			}
			decodeMasks(v.Message(), target)
		}
		return true
	})
}

// jsonMaskPath is the path of the JSON mask segments segs in message md
// (nil: not known): a segment that is a field's JSON name becomes the
// field's name, a map key (the segment after a map field, or one in
// backticks) is kept as sent, and so is a segment that names no field of
// a known message, so that the error names what the client sent. Without
// a message, segments are turned back as protojson does.
func jsonMaskPath(segs []string, md protoreflect.MessageDescriptor) string {
	known, key := md != nil, false
	for i, seg := range segs {
		switch {
		case key || strings.HasPrefix(seg, "`"):
			key = false
			continue
		case !known:
			segs[i] = snakeCase(seg)
			continue
		}
		var fd protoreflect.FieldDescriptor
		if md != nil {
			if fd = md.Fields().ByJSONName(seg); fd == nil {
				fd = md.Fields().ByName(protoreflect.Name(seg))
			}
		}
		if fd == nil {
			md = nil
			continue
		}
		segs[i] = string(fd.Name())
		switch {
		case fd.IsMap():
			key, md = true, fd.MapValue().Message()
		default:
			md = fd.Message()
		}
	}
	return strings.Join(segs, ".")
}

// snakeCase is the field name of a JSON name, as protojson reads a
// FieldMask: "authorId" → "author_id".
func snakeCase(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

var errNotProto = errors.New("json: not a protobuf message")
