package e2e_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// rawCodec sends and receives messages as the bytes they are (a
// *[]byte), under the name of the proto codec: a client that sends what
// no proto client would.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(*v.(*[]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

// echoBooks is a client-streaming service of one method that receives a
// Book and sends it back: the stream's side of GRPCServerOptions.
var echoBooks = grpc.ServiceDesc{
	ServiceName: "e2e.EchoBooks",
	HandlerType: (*any)(nil),
	Streams: []grpc.StreamDesc{{StreamName: "Echo", ClientStreams: true, Handler: func(_ any, ss grpc.ServerStream) error {
		b := new(libraryv1.Book)
		if err := ss.RecvMsg(b); err != nil {
			return err
		}
		return ss.SendMsg(b)
	}}},
}

// TestMalformedProtobufEveryProtocol sends request messages that
// proto.Unmarshal refuses (invalid UTF-8 in a string, in a list, in a
// map's key and value, in a nested message; data cut short in a field
// and between fields) as raw bytes to a grpc-go server built with
// crudrt.GRPCServerOptions and to connect-go handlers mounted as the
// example mounts them (crudrt.Proto, behind crudrt.RPCGuard), over gRPC
// on real sockets: both answer the same status, InvalidArgument naming
// the field, where grpc-go alone answers Internal. A message over
// grpc-go's size limit stays ResourceExhausted; readable messages reach
// the service; a stream's message is answered the same way.
func TestMalformedProtobufEveryProtocol(t *testing.T) {
	db := testdb.Open(t, ormrt.SQLite)
	migrateExample(t, db)
	books := libraryv1.NewBookServiceCRUD(db)
	register := func(gs *grpc.Server) {
		libraryv1.RegisterBookServiceServer(gs, books)
		gs.RegisterService(&echoBooks, struct{}{})
	}
	_, fixed := serveGRPC(t, register, crudrt.GRPCServerOptions()...)
	_, plain := serveGRPC(t, register)
	_, limited := serveGRPC(t, register, append(crudrt.GRPCServerOptions(), grpc.MaxRecvMsgSize(64))...)

	mux := http.NewServeMux()
	mux.Handle(libraryv1connect.NewBookServiceHandler(books, connect.WithCodec(crudrt.JSON{}), connect.WithCodec(crudrt.Proto{})))
	srv := httptest.NewUnstartedServer(crudrt.RPCGuard(mux))
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	viaConnect, err := grpc.NewClient(strings.TrimPrefix(srv.URL, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = viaConnect.Close() })

	ctx := context.Background()
	call := func(conn *grpc.ClientConn, method string, msg string) *status.Status {
		in, out := []byte(msg), []byte(nil)
		err := conn.Invoke(ctx, "/library.v1.BookService/"+method, &in, &out, grpc.ForceCodecV2(rawCodec{}))
		return status.Convert(err)
	}
	fieldsOf := func(st *status.Status) []string {
		var out []string
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok {
				for _, fv := range br.GetFieldViolations() {
					out = append(out, fv.GetField())
				}
			}
		}
		return out
	}
	reasonOf := func(st *status.Status) string {
		for _, d := range st.Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				return info.GetReason()
			}
		}
		return ""
	}
	for _, tc := range []struct {
		name, method, msg string
		field, text       string // "" field: the fault is at no field
	}{
		{"string", "CreateBook", "\x0a\x03\x12\x01\xff", "book.title", "invalid request: book.title: string field contains invalid UTF-8"},
		{"list element", "CreateBook", "\x0a\x06\x32\x01a\x32\x01\xff", "book.tags[1]", "invalid request: book.tags[1]: string field contains invalid UTF-8"},
		{"map key", "CreateBook", "\x0a\x08\x3a\x06\x0a\x01\xff\x12\x01v", "book.metadata", "invalid request: book.metadata: map key contains invalid UTF-8"},
		{"map value", "CreateBook", "\x0a\x08\x3a\x06\x0a\x01k\x12\x01\xff", "book.metadata.k", "invalid request: book.metadata.k: string field contains invalid UTF-8"},
		{"map value at a key to quote", "CreateBook", "\x0a\x0a\x3a\x08\x0a\x03a.b\x12\x01\xff", "book.metadata.`a.b`", "invalid request: book.metadata.`a.b`: string field contains invalid UTF-8"},
		{"nested message", "UpdateBook", "\x0a\x00\x12\x07\x0a\x02ok\x0a\x01\xff", "update_mask.paths[1]", "invalid request: update_mask.paths[1]: string field contains invalid UTF-8"},
		{"cut short in a field", "CreateBook", "\x0a\x02\x12\x05", "book.title", "invalid request: book.title: cannot parse invalid wire-format data"},
		{"cut short at the top", "CreateBook", "\x0a\x05\x12\x01", "book", "invalid request: book: cannot parse invalid wire-format data"},
		{"no field", "CreateBook", "\xff", "", ""},
	} {
		got, want := call(fixed, tc.method, tc.msg), call(viaConnect, tc.method, tc.msg)
		assert.Equal(t, codes.InvalidArgument, got.Code(), "%s: %v", tc.name, got.Err())
		assert.Equal(t, "MALFORMED_PROTOBUF", reasonOf(got), tc.name)
		if tc.field != "" {
			assert.Equal(t, []string{tc.field}, fieldsOf(got), tc.name)
			assert.Equal(t, tc.text, got.Message(), tc.name)
		} else {
			assert.Empty(t, fieldsOf(got), tc.name)
			assert.True(t, strings.HasPrefix(got.Message(), "unmarshal message: proto:"), "%s: %s", tc.name, got.Message())
		}
		assert.True(t, proto.Equal(want.Proto(), got.Proto()), "%s: grpc-go answers %v, connect-go %v", tc.name, got.Proto(), want.Proto())
		assert.Equal(t, codes.Internal, call(plain, tc.method, tc.msg).Code(), "%s: grpc-go without the options", tc.name)
	}

	// What can be read reaches the service: no book 7.
	st := call(fixed, "GetBook", "\x08\x07")
	assert.Equal(t, codes.NotFound, st.Code(), "%v", st.Err())
	_, err = libraryv1.NewBookServiceClient(fixed).GetBook(ctx, &libraryv1.GetBookRequest{Id: 7})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	// A client cannot pass off its own unknown field as the codec's mark.
	st = call(fixed, "GetBook", "\x08\x07\xfa\xff\xff\xff\x0f\x03abc")
	assert.Equal(t, codes.NotFound, st.Code(), "%v", st.Err())

	// Over the size limit: grpc-go's own ResourceExhausted.
	st = call(limited, "CreateBook", "\x0a\x50\x12\x4e"+strings.Repeat("a", 78))
	assert.Equal(t, codes.ResourceExhausted, st.Code(), "%v", st.Err())

	// A stream's message.
	stream, err := fixed.NewStream(ctx, &echoBooks.Streams[0], "/e2e.EchoBooks/Echo", grpc.ForceCodecV2(rawCodec{}))
	require.NoError(t, err)
	bad := []byte("\x12\x01\xff")
	require.NoError(t, stream.SendMsg(&bad))
	require.NoError(t, stream.CloseSend())
	var echoed []byte
	st = status.Convert(stream.RecvMsg(&echoed))
	assert.Equal(t, codes.InvalidArgument, st.Code(), "%v", st.Err())
	assert.Equal(t, []string{"title"}, fieldsOf(st))
}
