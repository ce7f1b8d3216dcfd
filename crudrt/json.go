package crudrt

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"

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
		return Errorf(connect.CodeInvalidArgument, "%v", err).WithReason("MALFORMED_JSON")
	}
	return nil
}

// unmarshalJSON is protojson.Unmarshal that also takes, in a
// google.protobuf.FieldMask field of the request, what JSON's FieldMask
// cannot hold: "*" (AIP-134's full replacement, `"updateMask": "*"`) and
// map keys quoted in backticks (AIP-161, "metadata.`x.y`"), as gRPC and
// the REST query parameter take them.
func unmarshalJSON(data []byte, m proto.Message) error {
	err := protojson.Unmarshal(data, m)
	if err == nil || !strings.Contains(err.Error(), `FieldMask.paths contains invalid path`) {
		return err
	}
	masks := map[string]protoreflect.FieldDescriptor{}
	fields := m.ProtoReflect().Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		if fd := fields.Get(i); fd.Message() != nil && fd.Message().FullName() == "google.protobuf.FieldMask" && !fd.IsList() {
			masks[fd.JSONName()], masks[string(fd.Name())] = fd, fd
		}
	}
	rebuilt, taken, rerr := withoutQuotedMasks(data, masks)
	if rerr != nil || len(taken) == 0 {
		return err
	}
	proto.Reset(m)
	if err := protojson.Unmarshal(rebuilt, m); err != nil {
		return err
	}
	for fd, paths := range taken {
		m.ProtoReflect().Set(fd, protoreflect.ValueOfMessage((&fieldmaskpb.FieldMask{Paths: paths}).ProtoReflect()))
	}
	return nil
}

// withoutQuotedMasks copies the JSON object data without its members that
// are one of masks and hold "*" or a backtick, whose paths it returns, in
// proto names (the JSON names of fields turned back as protojson does;
// quoted map keys as they are); the other members keep their order and
// repetitions.
func withoutQuotedMasks(data []byte, masks map[string]protoreflect.FieldDescriptor) ([]byte, map[protoreflect.FieldDescriptor][]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, errors.New("not an object")
	}
	var out bytes.Buffer
	taken := map[protoreflect.FieldDescriptor][]string{}
	seen := map[protoreflect.FieldDescriptor]bool{}
	out.WriteByte('{')
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, nil, err
		}
		key, _ := t.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, nil, err
		}
		if fd, ok := masks[key]; ok {
			if seen[fd] {
				return nil, nil, errors.New("duplicate field " + key)
			}
			seen[fd] = true
			var text string
			if json.Unmarshal(raw, &text) == nil && strings.ContainsAny(text, "*`") {
				var paths []string
				for _, p := range splitMask(text) {
					segs := splitUnquoted(p, '.')
					for i, seg := range segs {
						if !strings.HasPrefix(seg, "`") {
							segs[i] = snakeCase(seg)
						}
					}
					paths = append(paths, strings.Join(segs, "."))
				}
				taken[fd] = paths
				continue
			}
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		k, _ := json.Marshal(key)
		out.Write(k)
		out.WriteByte(':')
		out.Write(raw)
	}
	if _, err := dec.Token(); err != nil {
		return nil, nil, err
	}
	if dec.More() {
		return nil, nil, errors.New("trailing data")
	}
	out.WriteByte('}')
	return out.Bytes(), taken, nil
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
