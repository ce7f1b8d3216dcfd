package main_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// xmlCodec is a codec the server does not have, as a client names it: its
// name goes in the content type (application/grpc+xml).
type xmlCodec struct{ encoding.CodecV2 }

func (xmlCodec) Name() string { return "xml" }

// TestUnsupportedCodec: a gRPC or gRPC-Web request whose content type
// names a codec the server lacks is InvalidArgument in the protocol's own
// form (a trailers-only answer, reason UNSUPPORTED_MEDIA_TYPE, as REST
// answers a media type it does not take), which a grpc-go client reads as
// such, where a bare HTTP 415 was Unknown to it; a content type of
// neither protocol keeps the 415 the gRPC spec asks for.
func TestUnsupportedCodec(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))

	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	_, err = libraryv1.NewBookServiceClient(conn).GetBook(context.Background(), &libraryv1.GetBookRequest{Id: 1},
		grpc.ForceCodecV2(xmlCodec{encoding.GetCodecV2("proto")}))
	st := status.Convert(err)
	assert.Equal(t, codes.InvalidArgument, st.Code(), "grpc-go: %v", err)
	assert.Contains(t, st.Message(), "application/grpc+proto", "names what to send")
	require.NotEmpty(t, st.Details(), "grpc-go: %v", err)
	info, ok := st.Details()[0].(*errdetails.ErrorInfo)
	require.True(t, ok, "%v", st.Details())
	assert.Equal(t, "UNSUPPORTED_MEDIA_TYPE", info.Reason)

	for _, ct := range []string{"application/grpc-web+xml", "application/grpc-web-text+json", "application/grpc+xml"} {
		res, _ := rawRPC(t, s.url("/library.v1.BookService/GetBook"), ct, "\x00\x00\x00\x00\x00")
		assert.Equal(t, 200, res.StatusCode, ct)
		assert.Equal(t, "3", res.Header.Get("Grpc-Status"), "%s: trailers-only InvalidArgument", ct)
		assert.Equal(t, ct, res.Header.Get("Content-Type"))
	}
	res, _ := rawRPC(t, s.url("/library.v1.BookService/GetBook"), "application/grpc-foo", "\x00\x00\x00\x00\x00")
	assert.Equal(t, 415, res.StatusCode, "not a gRPC content type")
	// A codec the server has reaches the service: book 1 is not there.
	res, _ = rawRPC(t, s.url("/library.v1.BookService/GetBook"), "application/grpc-web+proto", "\x00\x00\x00\x00\x02\x08\x01")
	assert.Equal(t, "5", res.Header.Get("Grpc-Status"), "NotFound, from the service")
}
