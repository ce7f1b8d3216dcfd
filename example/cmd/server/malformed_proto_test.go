package main_test

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMalformedProtobuf: a binary request message that proto.Unmarshal
// refuses at a field (invalid UTF-8 in a string, a list, a map's key or
// value; data cut short in a field) is InvalidArgument naming the field
// (crudrt.Proto), the same message over gRPC, gRPC-Web and Connect, where
// connect-go said only "string field contains invalid UTF-8".
func TestMalformedProtobuf(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	frame := func(msg string) string {
		var h [5]byte
		binary.BigEndian.PutUint32(h[1:], uint32(len(msg)))
		return string(h[:]) + msg
	}
	for _, tc := range []struct{ msg, want string }{
		{"\x0a\x03\x12\x01\xff", "invalid request: book.title: string field contains invalid UTF-8"},
		{"\x0a\x06\x32\x01a\x32\x01\xff", "invalid request: book.tags[1]: string field contains invalid UTF-8"},
		{"\x0a\x08\x3a\x06\x0a\x01\xff\x12\x01v", "invalid request: book.metadata: map key contains invalid UTF-8"},
		{"\x0a\x08\x3a\x06\x0a\x01k\x12\x01\xff", "invalid request: book.metadata.k: string field contains invalid UTF-8"},
		{"\x0a\x02\x12\x05", "invalid request: book.title: cannot parse invalid wire-format data"},
	} {
		for _, ct := range []string{"application/grpc+proto", "application/grpc-web+proto"} {
			res, _ := rawRPC(t, s.url("/library.v1.BookService/CreateBook"), ct, frame(tc.msg))
			assert.Equal(t, "3", res.Header.Get("Grpc-Status")+res.Trailer.Get("Grpc-Status"), ct)
			msg, err := url.PathUnescape(res.Header.Get("Grpc-Message") + res.Trailer.Get("Grpc-Message"))
			require.NoError(t, err)
			assert.Equal(t, tc.want, msg, ct)
			raw := res.Header.Get("Grpc-Status-Details-Bin") + res.Trailer.Get("Grpc-Status-Details-Bin")
			b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(raw, "="))
			require.NoError(t, err)
			assert.Contains(t, string(b), "MALFORMED_PROTOBUF", ct)
		}
		res, b := rawRPC(t, s.url("/library.v1.BookService/CreateBook"), "application/proto", tc.msg)
		assert.Equal(t, 400, res.StatusCode)
		var e struct{ Code, Message string }
		require.NoError(t, json.Unmarshal(b, &e), string(b))
		assert.Equal(t, "invalid_argument", e.Code)
		assert.Equal(t, tc.want, e.Message, "Connect")
	}
}
