package crudrt

import (
	"errors"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
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
	return protojson.Unmarshal(data, m)
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
	if err := protojson.Unmarshal(data, msg); err != nil {
		return connect.NewError(connect.CodeInvalidArgument, err)
	}
	return nil
}

var errNotProto = errors.New("json: not a protobuf message")
