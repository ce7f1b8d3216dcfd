package crudrt

import (
	"bytes"
	"context"
	"crypto/rand"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"

	spb "google.golang.org/genproto/googleapis/rpc/status"
)

// GRPCServerOptions are the options of a grpc-go server of generated
// services (grpc.NewServer(crudrt.GRPCServerOptions()...)) under which a
// request message that cannot be read, invalid UTF-8 in a string at any
// depth or data cut short, is answered as connect-go servers behind
// RPCGuard with the Proto codec answer it, InvalidArgument naming the
// field (`invalid request: book.title: string field contains invalid
// UTF-8`, ErrorInfo MALFORMED_PROTOBUF, BadRequest), where grpc-go
// answers every message it cannot read Internal. grpc-go fixes that code
// for its codec's errors, so the options are a codec and interceptors
// together: the codec (grpc.ForceServerCodecV2) reads messages as
// grpc-go's own does, and leaves one it cannot read empty and marked with
// its status, which the first interceptor of this list (unary, and the
// stream's RecvMsg) answers before the method runs. Give them before your
// own interceptors (ChainUnaryInterceptor runs them in order; one set by
// grpc.UnaryInterceptor runs first, and would see the empty message). A
// message over the server's size limit stays grpc-go's ResourceExhausted.
// Behind RESTGuard and a transcoder, a REST request without a body on a
// binding whose body is one field reaches every method, its own too, with
// that field absent (see RESTBodies).
func GRPCServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ForceServerCodecV2(grpcCodec{encoding.GetCodecV2("proto")}),
		grpc.ChainUnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
			if err := unreadableRequest(req); err != nil {
				return nil, err
			}
			leaveBodyAbsent(ctx, grpcMessage(req))
			return handler(ctx, req)
		}),
		grpc.ChainStreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
			return handler(srv, readableStream{ss})
		}),
	}
}

// grpcCodec is grpc-go's proto codec, but for the messages it cannot
// read: those are left empty, with the status of their fault as a mark
// (see markUnreadable), and no error, which grpc-go would answer
// Internal.
type grpcCodec struct{ encoding.CodecV2 }

// Unmarshal reads data into v as grpc-go's codec does; a message it
// refuses is marked with the status Proto's errors have.
func (c grpcCodec) Unmarshal(data mem.BufferSlice, v any) error {
	err := c.CodecV2.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	m := grpcMessage(v)
	if m == nil {
		return err
	}
	b := data.Materialize()
	e := malformedProto(unmarshalProto(b, m))
	proto.Reset(m)
	markUnreadable(m, e)
	return nil
}

// unreadableNumber is the field number of the mark, among the unknown
// fields of a message: the largest there is.
const unreadableNumber = protowire.MaxValidNumber

// unreadableToken makes the mark this process's own: unknown fields a
// client sent are never taken for one.
var unreadableToken = func() []byte {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return b
}()

// markUnreadable leaves in m, empty, the mark of a message that could not
// be read, with e's status.
func markUnreadable(m proto.Message, e *Error) {
	st, _ := proto.Marshal(e.statusProto())
	mark := protowire.AppendTag(nil, unreadableNumber, protowire.BytesType)
	mark = protowire.AppendBytes(mark, append(append([]byte{}, unreadableToken...), st...))
	m.ProtoReflect().SetUnknown(mark)
}

// unreadableRequest is the status error of req when the codec marked it, or
// nil.
func unreadableRequest(req any) error {
	m := grpcMessage(req)
	if m == nil {
		return nil
	}
	u := m.ProtoReflect().GetUnknown()
	if len(u) == 0 {
		return nil
	}
	num, typ, n := protowire.ConsumeTag(u)
	if n < 0 || num != unreadableNumber || typ != protowire.BytesType {
		return nil
	}
	v, n2 := protowire.ConsumeBytes(u[n:])
	if n2 < 0 || n+n2 != len(u) || !bytes.HasPrefix(v, unreadableToken) {
		return nil
	}
	st := &spb.Status{}
	if proto.Unmarshal(v[len(unreadableToken):], st) != nil {
		return nil
	}
	return status.ErrorProto(st)
}

// grpcMessage is v as a protobuf message, as grpc-go's codec takes it (an
// APIv1 message too), or nil.
func grpcMessage(v any) proto.Message {
	switch v := v.(type) {
	case proto.Message:
		return v
	case protoadapt.MessageV1:
		return protoadapt.MessageV2Of(v)
	}
	return nil
}

// readableStream answers a stream's message that the codec marked.
type readableStream struct{ grpc.ServerStream }

// RecvMsg receives m, or the status of a message that could not be read.
func (s readableStream) RecvMsg(m any) error {
	if err := s.ServerStream.RecvMsg(m); err != nil {
		return err
	}
	return unreadableRequest(m)
}
