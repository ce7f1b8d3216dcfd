package crudrt

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Proto is the connect-go codec (connect.WithCodec) that servers of
// generated services read binary (protobuf) requests with: proto.Unmarshal
// as connect-go's own, but a message it refuses at a field (a string of
// invalid UTF-8, at any depth: in a nested message, a list, a map's key or
// value; data cut short inside a field) is InvalidArgument naming the
// field, `invalid request: book.tags[1]: string field contains invalid
// UTF-8`, with the ErrorInfo MALFORMED_PROTOBUF and a BadRequest, where
// connect-go says only `string field contains invalid UTF-8`. crudrt.RPCGuard
// writes connect-go's answer so; GRPCServerOptions gives grpc-go servers the
// same answer.
type Proto struct{}

// Name is "proto".
func (Proto) Name() string { return "proto" }

// Marshal writes msg in the protobuf binary format.
func (Proto) Marshal(msg any) ([]byte, error) {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil, errNotProto
	}
	return proto.Marshal(m)
}

// MarshalAppend is Marshal appending to dst, as connect-go's own codec
// does, so that connect-go writes answers into its pooled buffers.
func (Proto) MarshalAppend(dst []byte, msg any) ([]byte, error) {
	m, ok := msg.(proto.Message)
	if !ok {
		return nil, errNotProto
	}
	return proto.MarshalOptions{}.MarshalAppend(dst, m)
}

// Unmarshal reads data into msg; its errors name the field they are at
// (see Proto).
func (Proto) Unmarshal(data []byte, msg any) error {
	m, ok := msg.(proto.Message)
	if !ok {
		return errNotProto
	}
	return unmarshalProto(data, m)
}

// The descriptions of the faults a binary message can have at a field.
const (
	faultUTF8    = "string field contains invalid UTF-8"
	faultMapKey  = "map key contains invalid UTF-8"
	faultWire    = "cannot parse invalid wire-format data"
	faultTooDeep = "exceeds the maximum nesting depth"
)

// unmarshalProto is proto.Unmarshal of data into m, whose error, when the
// data is wrong at a field, is a pathError naming it (proto names, list
// indexes in brackets, map keys as quotedKey writes them).
func unmarshalProto(data []byte, m proto.Message) error {
	err := proto.Unmarshal(data, m)
	if err == nil {
		return nil
	}
	if path, fault, ok := wireFault(data, m.ProtoReflect().Descriptor(), "", 0); ok && path != "" && !protobufWords(path, fault) {
		return &pathError{Path: path, Msg: fault}
	}
	return err
}

// protobufWords reports whether a pathError's text would read as
// protobuf-go's own error, "proto: cannot parse invalid wire-format data"
// (a top-level field named proto): such a fault is left unnamed, so that
// connect-go's message of it reads back the same (malformedProtoMessage).
func protobufWords(path, fault string) bool {
	return path == "proto" && fault == faultWire
}

// malformedProto is the status of a binary request message that could not
// be read, the same on every protocol: InvalidArgument with the ErrorInfo
// MALFORMED_PROTOBUF and, when the error is at a field (a pathError), a
// BadRequest naming it, with the field in the message; otherwise
// connect-go's words ("unmarshal message: proto: …").
func malformedProto(err error) *Error {
	var pe *pathError
	if errors.As(err, &pe) {
		return InvalidArgument("", FieldViolation{Field: pe.Path, Description: pe.Msg}).WithReason("MALFORMED_PROTOBUF")
	}
	return Errorf(connect.CodeInvalidArgument, "%s%v", unmarshalPrefix, err).WithReason("MALFORMED_PROTOBUF")
}

// protoFaultText is a pathError's text from unmarshalProto.
var protoFaultText = regexp.MustCompile("(?s)^((?:[A-Za-z_][A-Za-z0-9_]*|`(?:[^`]|``)*`)(?:\\[\\d+\\])*" +
	"(?:\\.(?:[A-Za-z_][A-Za-z0-9_]*|`(?:[^`]|``)*`)(?:\\[\\d+\\])*)*): (" +
	regexp.QuoteMeta(faultUTF8) + "|" + regexp.QuoteMeta(faultMapKey) + "|" + regexp.QuoteMeta(faultWire) + "|" + regexp.QuoteMeta(faultTooDeep) + ")$")

// malformedProtoMessage is malformedProto for the error message
// connect-go sends when a binary codec refused a request: "unmarshal
// message: " and the codec's error, unmarshalProto's pathError where it
// found the field (Proto). ok is false for another message.
func malformedProtoMessage(msg string) (*Error, bool) {
	rest, ok := strings.CutPrefix(msg, unmarshalPrefix)
	if !ok {
		return nil, false
	}
	if m := protoFaultText.FindStringSubmatch(rest); m != nil && !protobufWords(m[1], m[2]) {
		return malformedProto(&pathError{Path: m[1], Msg: m[2]}), true
	}
	return malformedProto(errors.New(rest)), true
}

// maxWireDepth bounds how deep wireFault follows nested messages, as
// proto.Unmarshal bounds it (protowire's default recursion limit).
const maxWireDepth = 10000

// wireFault finds the first field of b, a message md in the binary
// format, that proto.Unmarshal refuses: the field's path under path and
// the fault. ok is false when it finds none (a fault that is not at a
// field, a required field of proto2 missing); path is path itself for
// data that is wrong between fields.
func wireFault(b []byte, md protoreflect.MessageDescriptor, path string, depth int) (at, fault string, ok bool) {
	if depth > maxWireDepth {
		return path, faultTooDeep, true
	}
	seen := map[protowire.Number]int{}
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return path, faultWire, true
		}
		b = b[n:]
		fd := md.Fields().ByNumber(num)
		here := path
		if fd != nil {
			here = joinPath(path, string(fd.Name()))
			if fd.IsList() {
				here += "[" + strconv.Itoa(seen[num]) + "]"
				seen[num]++
			}
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return here, faultWire, true
		}
		if fd != nil && typ == protowire.BytesType {
			v, _ := protowire.ConsumeBytes(b)
			if at, fault, ok := valueFault(v, fd, here, depth); ok {
				return at, fault, true
			}
		}
		b = b[n:]
	}
	return "", "", false
}

// valueFault is wireFault for v, the bytes of field fd at path.
func valueFault(v []byte, fd protoreflect.FieldDescriptor, path string, depth int) (at, fault string, ok bool) {
	switch {
	case fd.IsMap():
		return entryFault(v, fd, path, depth)
	case fd.Kind() == protoreflect.StringKind:
		if checksUTF8(fd) && !utf8.Valid(v) {
			return path, faultUTF8, true
		}
	case fd.Kind() == protoreflect.MessageKind:
		return wireFault(v, fd.Message(), path, depth+1)
	}
	return "", "", false
}

// entryFault is wireFault for v, an entry of map fd at path: a key of
// invalid UTF-8 is the map's fault, a value's is at its key.
func entryFault(v []byte, fd protoreflect.FieldDescriptor, path string, depth int) (at, fault string, ok bool) {
	key, val := fd.MapKey(), fd.MapValue()
	var keyText string
	var valBytes []byte
	var hasVal bool
	for len(v) > 0 {
		num, typ, n := protowire.ConsumeTag(v)
		if n < 0 {
			return path, faultWire, true
		}
		v = v[n:]
		n = protowire.ConsumeFieldValue(num, typ, v)
		if n < 0 {
			return path, faultWire, true
		}
		switch {
		case num == 1 && typ == protowire.BytesType && key.Kind() == protoreflect.StringKind:
			k, _ := protowire.ConsumeBytes(v)
			if checksUTF8(key) && !utf8.Valid(k) {
				return path, faultMapKey, true
			}
			keyText = string(k)
		case num == 1 && typ == protowire.VarintType:
			k, _ := protowire.ConsumeVarint(v)
			keyText = mapKeyText(key, k)
		case num == 1 && typ == protowire.Fixed32Type:
			k, _ := protowire.ConsumeFixed32(v)
			keyText = strconv.FormatUint(uint64(k), 10)
			if key.Kind() == protoreflect.Sfixed32Kind {
				keyText = strconv.FormatInt(int64(int32(k)), 10)
			}
		case num == 1 && typ == protowire.Fixed64Type:
			k, _ := protowire.ConsumeFixed64(v)
			keyText = strconv.FormatUint(k, 10)
			if key.Kind() == protoreflect.Sfixed64Kind {
				keyText = strconv.FormatInt(int64(k), 10)
			}
		case num == 2 && typ == protowire.BytesType:
			valBytes, _ = protowire.ConsumeBytes(v)
			hasVal = true
		}
		v = v[n:]
	}
	if hasVal {
		return valueFault(valBytes, val, path+"."+quotedKey(keyText), depth)
	}
	return "", "", false
}

// mapKeyText is the text of an integer or bool map key read as a varint.
func mapKeyText(fd protoreflect.FieldDescriptor, k uint64) string {
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return strconv.FormatBool(k != 0)
	case protoreflect.Int32Kind:
		return strconv.FormatInt(int64(int32(k)), 10)
	case protoreflect.Sint32Kind:
		return strconv.FormatInt(int64(int32(protowire.DecodeZigZag(k&0xffffffff))), 10)
	case protoreflect.Sint64Kind:
		return strconv.FormatInt(protowire.DecodeZigZag(k), 10)
	case protoreflect.Int64Kind:
		return strconv.FormatInt(int64(k), 10)
	}
	return strconv.FormatUint(k, 10)
}

// checksUTF8 reports whether proto.Unmarshal refuses invalid UTF-8 in
// string field fd, as protobuf-go decides it: proto3, and editions by the
// field's utf8_validation feature; not proto2.
func checksUTF8(fd protoreflect.FieldDescriptor) bool {
	if fd.Syntax() == protoreflect.Editions {
		if e, ok := fd.(interface{ EnforceUTF8() bool }); ok {
			return e.EnforceUTF8()
		}
	}
	return fd.Syntax() == protoreflect.Proto3
}
