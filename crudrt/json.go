package crudrt

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/wrapperspb"
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
	return marshalJSON(nil, m)
}

// MarshalAppend is Marshal appending to dst, as connect-go's own codec
// does, so that connect-go writes answers into its pooled buffers.
func (JSON) MarshalAppend(dst []byte, msg any) ([]byte, error) {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil, errNotProto
	}
	return marshalJSON(dst, m)
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
// the same strict reading. What it writes is protojson's (fields at their
// defaults left out, as in Connect's answers): the transcoder writes a
// REST body again with it before the handler reads it, whose limit on a
// message (connect.WithReadMaxBytes) the body written again must meet as
// the body sent met the limit on a request body.
type RESTJSON struct{}

// Name is "json".
func (RESTJSON) Name() string { return "json" }

// IsBinary is false: JSON is text.
func (RESTJSON) IsBinary() bool { return false }

// MarshalAppend appends msg as protojson to b: null for a message that is
// not set (the unset message field a binding's response_body names, which
// protojson would write as its zero, 0 for a DoubleValue, 1970 for a
// Timestamp: absence and zero stay distinct).
func (RESTJSON) MarshalAppend(b []byte, msg proto.Message) ([]byte, error) {
	if !msg.ProtoReflect().IsValid() {
		return append(b, "null"...), nil
	}
	return marshalJSON(b, msg)
}

// marshalJSON appends msg as protojson to b, and writes the FieldMasks
// that protojson refuses to write (AIP-134's "*", a map key quoted in
// backticks, which unmarshalJSON takes) as the text of their paths joined
// by commas, which unmarshalJSON reads back the same: the transcoder
// writes a REST request again (a body "*" on a route with path
// variables) before its handler reads it, and answered 500 for
// `{"updateMask": "*"}` in it.
func marshalJSON(b []byte, msg proto.Message) ([]byte, error) {
	out, err := protojson.MarshalOptions{}.MarshalAppend(b, msg)
	if err == nil || !strings.Contains(err.Error(), "FieldMask.paths contains invalid path") {
		return out, err
	}
	c := proto.Clone(msg)
	var texts []string
	placeholder := func(i int) string { return "pfmask" + strconv.Itoa(i) + "xq7zk3w9v" }
	var walk func(m protoreflect.Message)
	mask := func(fm protoreflect.Message) {
		paths := fm.Descriptor().Fields().ByName("paths")
		l := fm.Mutable(paths).List()
		var text []string
		for i := range l.Len() {
			text = append(text, l.Get(i).String())
		}
		l.Truncate(0)
		l.Append(protoreflect.ValueOfString(placeholder(len(texts))))
		texts = append(texts, strings.Join(text, ","))
	}
	visit := func(v protoreflect.Value) {
		if m := v.Message(); m.Descriptor().FullName() == fieldMaskName {
			mask(m)
		} else {
			walk(m)
		}
	}
	walk = func(m protoreflect.Message) {
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsMap():
				if fd.MapValue().Message() != nil {
					v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
						visit(mv)
						return true
					})
				}
			case fd.IsList():
				if fd.Message() != nil {
					for i := range v.List().Len() {
						visit(v.List().Get(i))
					}
				}
			case fd.Message() != nil:
				visit(v)
			}
			return true
		})
	}
	walk(c.ProtoReflect())
	doc, err := protojson.Marshal(c)
	if err != nil {
		return nil, err
	}
	for i, text := range texts {
		q, _ := json.Marshal(text)
		doc = bytes.Replace(doc, []byte(`"`+placeholder(i)+`"`), q, 1)
	}
	return append(b, doc...), nil
}

// Unmarshal reads data into msg, strictly; its errors are
// InvalidArgument (vanguard would answer a plain error Unknown, HTTP 500).
func (RESTJSON) Unmarshal(data []byte, msg proto.Message) error {
	if err := unmarshalJSON(data, msg); err != nil {
		// A field's path starts in the message the body holds; RESTGuard
		// puts the body's field before it.
		return malformedJSON(err)
	}
	return nil
}

// MarshalAppendField appends field of msg to b as protojson writes it in
// msg: the answer of a route whose response_body is a field that is not a
// message (a string, a list, a map), which vanguard refuses to write
// without it (HTTP 500). A field that is not set is written at its default
// value ("", 0, [], {}), as google.api.http gateways write it.
func (c RESTJSON) MarshalAppendField(b []byte, msg proto.Message, field protoreflect.FieldDescriptor) ([]byte, error) {
	m := msg.ProtoReflect()
	if field.Message() != nil && !field.IsList() && !field.IsMap() {
		return c.MarshalAppend(b, m.Get(field).Message().Interface())
	}
	// The field alone in a message of msg's type, written as protojson
	// writes it in msg (its elements without their unset fields), or at
	// its default when it is not set.
	one := m.Type().New()
	opts := protojson.MarshalOptions{}
	if m.Has(field) || field.HasPresence() {
		one.Set(field, m.Get(field))
	} else {
		opts.EmitUnpopulated = true
	}
	doc, err := opts.Marshal(one.Interface())
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(doc, &fields); err != nil {
		return nil, err
	}
	v, ok := fields[field.JSONName()]
	if !ok {
		return nil, fmt.Errorf("protojson wrote no %s in %s", field.JSONName(), m.Descriptor().FullName())
	}
	return append(b, v...), nil
}

// UnmarshalField reads data, the body of a route whose body is a field
// that is not a message (a string, a number), into that field of msg,
// strictly, as Unmarshal reads a message; its errors name the field, at
// their place in data.
func (c RESTJSON) UnmarshalField(data []byte, msg proto.Message, field protoreflect.FieldDescriptor) error {
	m := msg.ProtoReflect()
	if field.Message() != nil && !field.IsList() && !field.IsMap() {
		return c.Unmarshal(data, m.Mutable(field).Message().Interface())
	}
	name, _ := json.Marshal(field.JSONName())
	// The value starts a line of its own, so that the lines protojson
	// counts in data are one more than data's own.
	doc := make([]byte, 0, len(name)+len(data)+5)
	doc = append(append(append(doc, '{'), name...), ":\n"...)
	doc = append(append(doc, data...), "\n}"...)
	one := m.Type().New()
	if err := unmarshalJSON(doc, one.Interface()); err != nil {
		if pe, ok := asPathError(err); ok {
			pe.Msg = lineBefore(pe.Msg)
			return malformedJSON(pe)
		}
		return malformedJSON(errors.New(lineBefore(err.Error())))
	}
	if one.Has(field) {
		m.Set(field, one.Get(field))
	}
	return nil
}

// lineAt is the position at the end of the words of a protojson error.
var lineAt = regexp.MustCompile(`\(line (\d+):(\d+)\)`)

// lineBefore is msg with the line of its position one less: the
// position in the body of a field that UnmarshalField read a line below.
func lineBefore(msg string) string {
	return lineAt.ReplaceAllStringFunc(msg, func(at string) string {
		m := lineAt.FindStringSubmatch(at)
		line, _ := strconv.Atoi(m[1])
		if line > 1 {
			line--
		}
		return "(line " + strconv.Itoa(line) + ":" + m[2] + ")"
	})
}

// unmarshalJSON is protojson.Unmarshal that also takes, in a
// google.protobuf.FieldMask field anywhere in the request (the request's
// own, or one of each of BatchUpdate's requests), what JSON's FieldMask
// cannot hold: "*" (AIP-134's full replacement, `"updateMask": "*"`) and
// map keys quoted in backticks (AIP-161, "metadata.`x.y`"), as gRPC and
// the REST query parameter take them, and proto names and map keys with
// an underscore ("metadata.a_b"). When protojson refuses a mask, every
// mask of the request is read in a second pass: protojson reads the
// document with the masks blanked, and the masks are set from their text.
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
	// request quotes a key in backticks). Each mask's string is blanked
	// in place, `""` and as many spaces as it had characters, so that
	// protojson reads the rest of the document as sent, with its errors at
	// their places, and the masks are then set from their text.
	masks := scanMasks(data, md)
	if len(masks) == 0 {
		return located(data, md, err)
	}
	// Masks are in the order of the document; a mask's characters of
	// several bytes take fewer spaces, so that columns (counted in
	// characters) stay where they were.
	blank := make([]byte, 0, len(data))
	at := 0
	for _, mk := range masks {
		blank = append(blank, data[at:mk.start]...)
		blank = append(blank, '"', '"')
		for range utf8.RuneCount(data[mk.start:mk.end]) - 2 {
			blank = append(blank, ' ')
		}
		at = mk.end
	}
	blank = append(blank, data[at:]...)
	proto.Reset(m)
	if err := protojson.Unmarshal(blank, m); err != nil {
		return located(blank, md, err)
	}
	for _, mk := range masks {
		setMask(m.ProtoReflect(), mk)
	}
	return nil
}

// jsonMask is a FieldMask of a request as JSON spells it: where its string
// is in the document (the quotes included), the text it holds, and the
// steps from the request to it.
type jsonMask struct {
	start, end int
	text       string
	steps      []maskStep
}

// maskStep is one step from a message to a mask: a field, and in a list
// its index, in a map its key.
type maskStep struct {
	fd    protoreflect.FieldDescriptor
	index int
	key   string
}

// scanMasks finds the FieldMask strings of the JSON document data of
// message md, as far as the document reads; protojson reports what does
// not.
func scanMasks(data []byte, md protoreflect.MessageDescriptor) []jsonMask {
	sc := &maskScanner{dec: json.NewDecoder(bytes.NewReader(data)), data: data}
	sc.dec.UseNumber()
	_ = sc.value(md, nil)
	return sc.masks
}

// maxMaskDepth bounds the nesting scanMasks follows, which protojson
// refuses past 10,000 levels anyway.
const maxMaskDepth = 10000

var errTooDeep = errors.New("json: nested too deep")

type maskScanner struct {
	dec   *json.Decoder
	data  []byte
	masks []jsonMask
}

// value reads one JSON value of message md (nil: a value that holds no
// mask), at steps.
func (sc *maskScanner) value(md protoreflect.MessageDescriptor, steps []maskStep) error {
	start := int(sc.dec.InputOffset())
	for start < len(sc.data) && strings.IndexByte(" \t\r\n,:", sc.data[start]) >= 0 {
		start++
	}
	tok, err := sc.dec.Token()
	if err != nil {
		return err
	}
	if md != nil && md.FullName() == fieldMaskName {
		if _, ok := tok.(string); ok {
			// The string as protojson reads strings: one it refuses
			// (invalid UTF-8, a lone surrogate) is left for it to refuse.
			end := int(sc.dec.InputOffset())
			var sv wrapperspb.StringValue
			if protojson.Unmarshal(sc.data[start:end], &sv) == nil {
				sc.masks = append(sc.masks, jsonMask{start: start, end: end, text: sv.GetValue(), steps: slices.Clone(steps)})
			}
			return nil
		}
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	if md == nil || d != '{' || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return sc.skip(d)
	}
	if len(steps) > maxMaskDepth {
		// protojson refuses the document past its own limit.
		return errTooDeep
	}
	for sc.dec.More() {
		t, err := sc.dec.Token()
		if err != nil {
			return err
		}
		key, _ := t.(string)
		fd := md.Fields().ByJSONName(key)
		if fd == nil {
			fd = md.Fields().ByName(protoreflect.Name(key))
		}
		if err := sc.field(fd, append(steps, maskStep{fd: fd})); err != nil {
			return err
		}
	}
	_, err = sc.dec.Token() // }
	return err
}

// field reads the value of field fd (nil: unknown), the last of steps.
func (sc *maskScanner) field(fd protoreflect.FieldDescriptor, steps []maskStep) error {
	switch {
	case fd == nil || fd.Message() == nil && !fd.IsMap():
		return sc.value(nil, nil)
	case fd.IsMap():
		vmd := fd.MapValue().Message()
		if vmd == nil || fd.MapKey().Kind() != protoreflect.StringKind {
			return sc.value(nil, nil)
		}
		return sc.each('{', func(key string) error {
			steps[len(steps)-1].key = key
			return sc.value(vmd, steps)
		})
	case fd.IsList():
		i := 0
		return sc.each('[', func(string) error {
			steps[len(steps)-1].index = i
			i++
			return sc.value(fd.Message(), steps)
		})
	}
	return sc.value(fd.Message(), steps)
}

// each reads an object (its members, by name) or an array (its elements)
// with f; anything else is skipped.
func (sc *maskScanner) each(open json.Delim, f func(key string) error) error {
	tok, err := sc.dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != open {
		if ok {
			return sc.skip(d)
		}
		return nil
	}
	for sc.dec.More() {
		key := ""
		if open == '{' {
			t, err := sc.dec.Token()
			if err != nil {
				return err
			}
			key, _ = t.(string)
		}
		if err := f(key); err != nil {
			return err
		}
	}
	_, err = sc.dec.Token()
	return err
}

// skip reads past the object or array d opened.
func (sc *maskScanner) skip(d json.Delim) error {
	if d != '{' && d != '[' {
		return nil
	}
	for depth := 1; depth > 0; {
		tok, err := sc.dec.Token()
		if err != nil {
			return err
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
	return nil
}

// setMask sets the FieldMask mk's steps lead to in m (read from the
// blanked document, empty) to the paths of its text: split at commas
// outside backticks, each read against the message the mask names when a
// service registered it (see jsonMaskPath), else turned back as protojson
// does. It works on any message type, generated or not.
func setMask(m protoreflect.Message, mk jsonMask) {
	var fm protoreflect.Message
	var target protoreflect.MessageDescriptor
	for i, st := range mk.steps {
		if st.fd == nil || st.fd.Message() == nil {
			return
		}
		var next protoreflect.Message
		switch {
		case st.fd.IsList():
			l := m.Mutable(st.fd).List()
			if st.index >= l.Len() {
				return
			}
			next = l.Get(st.index).Message()
		case st.fd.IsMap():
			mv := m.Mutable(st.fd).Map()
			k := protoreflect.ValueOfString(st.key).MapKey()
			if !mv.Has(k) {
				return
			}
			next = mv.Mutable(k).Message()
		default:
			if i == len(mk.steps)-1 {
				if t, ok := maskTargets.Load(maskField{m.Descriptor().FullName(), st.fd.Name()}); ok {
					target = t.(protoreflect.MessageDescriptor)
				}
			} else if !m.Has(st.fd) {
				return
			}
			next = m.Mutable(st.fd).Message()
		}
		m = next
	}
	fm = m
	paths := fm.Descriptor().Fields().ByName("paths")
	if fm.Descriptor().FullName() != fieldMaskName || paths == nil {
		return
	}
	l := fm.Mutable(paths).List()
	l.Truncate(0)
	for _, p := range splitMask(mk.text) {
		l.Append(protoreflect.ValueOfString(jsonMaskPath(splitUnquoted(p, '.'), target)))
	}
}

var fieldMaskName = (&fieldmaskpb.FieldMask{}).ProtoReflect().Descriptor().FullName()

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
