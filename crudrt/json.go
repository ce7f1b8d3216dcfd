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

// unmarshalJSON is protojson.Unmarshal that also takes "*" for a
// google.protobuf.FieldMask field of the request (AIP-134's full
// replacement, `"updateMask": "*"`), which JSON's FieldMask cannot hold.
func unmarshalJSON(data []byte, m proto.Message) error {
	err := protojson.Unmarshal(data, m)
	if err == nil || !strings.Contains(err.Error(), `FieldMask.paths contains invalid path: "*"`) {
		return err
	}
	masks := map[string]protoreflect.FieldDescriptor{}
	fields := m.ProtoReflect().Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		if fd := fields.Get(i); fd.Message() != nil && fd.Message().FullName() == "google.protobuf.FieldMask" && !fd.IsList() {
			masks[fd.JSONName()], masks[string(fd.Name())] = fd, fd
		}
	}
	rebuilt, star, rerr := withoutStarMasks(data, masks)
	if rerr != nil || len(star) == 0 {
		return err
	}
	proto.Reset(m)
	if err := protojson.Unmarshal(rebuilt, m); err != nil {
		return err
	}
	for _, fd := range star {
		m.ProtoReflect().Set(fd, protoreflect.ValueOfMessage((&fieldmaskpb.FieldMask{Paths: []string{"*"}}).ProtoReflect()))
	}
	return nil
}

// withoutStarMasks copies the JSON object data without its members that
// are one of masks and hold "*", which it returns; the other members keep
// their order and repetitions.
func withoutStarMasks(data []byte, masks map[string]protoreflect.FieldDescriptor) ([]byte, []protoreflect.FieldDescriptor, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, nil, errors.New("not an object")
	}
	var out bytes.Buffer
	var star []protoreflect.FieldDescriptor
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
			if string(bytes.TrimSpace(raw)) == `"*"` {
				star = append(star, fd)
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
	return out.Bytes(), star, nil
}

var errNotProto = errors.New("json: not a protobuf message")
