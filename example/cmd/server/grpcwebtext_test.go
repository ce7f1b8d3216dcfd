package main_test

import (
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// webTextCall sends one gRPC-Web call in text mode, as the grpc-web
// JavaScript client does by default (base64 body, Accept and X-Grpc-Web
// headers), and returns the response with its body base64-decoded chunk
// by chunk (a chunk ends at its padding).
func webTextCall(t *testing.T, url, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/grpc-web-text")
	req.Header.Set("X-Grpc-Web", "1")
	req.Header.Set("X-User-Agent", "grpc-web-javascript/0.1")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	var out []byte
	for rest := string(raw); rest != ""; {
		end := strings.IndexByte(rest, '=')
		if end < 0 {
			end = len(rest)
		} else {
			for end < len(rest) && rest[end] == '=' {
				end++
			}
		}
		chunk, err := base64.StdEncoding.DecodeString(rest[:end])
		require.NoError(t, err, "response body %q is not base64 chunks", raw)
		out = append(out, chunk...)
		rest = rest[end:]
	}
	return resp, out
}

// frames splits a gRPC-Web body into its messages and its trailers.
func frames(t *testing.T, b []byte) (msgs [][]byte, trailers string) {
	t.Helper()
	for len(b) > 0 {
		require.GreaterOrEqual(t, len(b), 5, "truncated frame")
		n := int(binary.BigEndian.Uint32(b[1:5]))
		require.GreaterOrEqual(t, len(b), 5+n, "truncated frame")
		if b[0]&0x80 != 0 {
			trailers += string(b[5 : 5+n])
		} else {
			msgs = append(msgs, b[5:5+n])
		}
		b = b[5+n:]
	}
	return msgs, trailers
}

func textFrame(t *testing.T, m proto.Message) string {
	t.Helper()
	msg, err := proto.Marshal(m)
	require.NoError(t, err)
	frame := append([]byte{0, 0, 0, 0, 0}, msg...)
	binary.BigEndian.PutUint32(frame[1:5], uint32(len(msg)))
	return base64.StdEncoding.EncodeToString(frame)
}

// TestGRPCWebText calls the server in gRPC-Web's text mode
// (application/grpc-web-text): answers, errors with their details, and
// malformed bodies, which are InvalidArgument as in the binary mode.
func TestGRPCWebText(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")

	t.Run("get", func(t *testing.T) {
		for _, ct := range []string{"application/grpc-web-text", "application/grpc-web-text+proto", "application/grpc-web-text; charset=utf-8"} {
			resp, body := webTextCall(t, s.url("/library.v1.BookService/GetBook"), ct, textFrame(t, &libraryv1.GetBookRequest{Id: 1}))
			require.Equal(t, 200, resp.StatusCode)
			assert.Equal(t, "application/grpc-web-text+proto", resp.Header.Get("Content-Type"), ct)
			msgs, trailers := frames(t, body)
			require.Len(t, msgs, 1, ct)
			var got libraryv1.Book
			require.NoError(t, proto.Unmarshal(msgs[0], &got))
			assert.Equal(t, "Dune", got.Title)
			assert.Contains(t, trailers, "grpc-status: 0", ct)
		}
	})

	t.Run("list", func(t *testing.T) {
		resp, body := webTextCall(t, s.url("/library.v1.BookService/ListBooks"), "application/grpc-web-text", textFrame(t, &libraryv1.ListBooksRequest{PageSize: 10}))
		require.Equal(t, 200, resp.StatusCode)
		msgs, trailers := frames(t, body)
		require.Len(t, msgs, 1)
		var got libraryv1.ListBooksResponse
		require.NoError(t, proto.Unmarshal(msgs[0], &got))
		require.Len(t, got.Books, 1)
		assert.Contains(t, trailers, "grpc-status: 0")
	})

	t.Run("not found", func(t *testing.T) {
		resp, body := webTextCall(t, s.url("/library.v1.BookService/GetBook"), "application/grpc-web-text", textFrame(t, &libraryv1.GetBookRequest{Id: 999}))
		require.Equal(t, 200, resp.StatusCode)
		_, trailers := frames(t, body)
		assert.Equal(t, "5", resp.Header.Get("Grpc-Status")+statusIn(trailers), "headers %v trailers %q", resp.Header, trailers)
	})

	t.Run("field violations", func(t *testing.T) {
		resp, body := webTextCall(t, s.url("/library.v1.BookService/CreateBook"), "application/grpc-web-text", textFrame(t, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{AuthorId: 1, Isbn: 7}}))
		require.Equal(t, 200, resp.StatusCode)
		_, trailers := frames(t, body)
		assert.Equal(t, "3", resp.Header.Get("Grpc-Status")+statusIn(trailers), "headers %v trailers %q", resp.Header, trailers)
		details := resp.Header.Get("Grpc-Status-Details-Bin") + headerIn(trailers, "grpc-status-details-bin")
		raw, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(details, "="))
		require.NoError(t, err, "details %q", details)
		var st status.Status
		require.NoError(t, proto.Unmarshal(raw, &st))
		require.Len(t, st.Details, 2, "an ErrorInfo (AIP-193) and the BadRequest")
		var info errdetails.ErrorInfo
		require.NoError(t, st.Details[0].UnmarshalTo(&info))
		assert.Equal(t, "FIELD_VIOLATION", info.Reason)
		var br errdetails.BadRequest
		require.NoError(t, st.Details[1].UnmarshalTo(&br))
		require.NotEmpty(t, br.FieldViolations)
		assert.Equal(t, "book.title", br.FieldViolations[0].Field)
	})

	t.Run("malformed", func(t *testing.T) {
		for name, body := range map[string]string{
			"not base64":             "%%%%",
			"length not a quantum":   "AAAAAA",
			"truncated frame inside": base64.StdEncoding.EncodeToString([]byte("\x00\x00\x00\x00\x64abc")),
			"invalid wire format":    base64.StdEncoding.EncodeToString([]byte("\x00\x00\x00\x00\x03\xff\xff\xff")),
			"trailers flag":          base64.StdEncoding.EncodeToString([]byte("\x80\x00\x00\x00\x02\x08\x01")),
		} {
			resp, out := webTextCall(t, s.url("/library.v1.BookService/GetBook"), "application/grpc-web-text", body)
			require.Equal(t, 200, resp.StatusCode, name)
			_, trailers := frames(t, out)
			assert.Equal(t, "3", resp.Header.Get("Grpc-Status")+statusIn(trailers), "%s: headers %v trailers %q", name, resp.Header, trailers)
		}
	})

	t.Run("padded chunks", func(t *testing.T) {
		// A request of two padded chunks, as a stream of text frames is.
		frame := textFrame(t, &libraryv1.GetBookRequest{Id: 1})
		raw, err := base64.StdEncoding.DecodeString(frame)
		require.NoError(t, err)
		body := base64.StdEncoding.EncodeToString(raw[:4]) + base64.StdEncoding.EncodeToString(raw[4:])
		require.Contains(t, strings.TrimRight(body, "="), "=", "the first chunk is padded")
		resp, out := webTextCall(t, s.url("/library.v1.BookService/GetBook"), "application/grpc-web-text", body)
		require.Equal(t, 200, resp.StatusCode)
		msgs, trailers := frames(t, out)
		require.Len(t, msgs, 1)
		assert.Contains(t, trailers, "grpc-status: 0")
	})

	t.Run("CORS preflight", func(t *testing.T) {
		resp := preflight(t, s.url("/library.v1.BookService/GetBook"), "POST", "content-type,x-grpc-web,x-user-agent")
		assert.Less(t, resp.StatusCode, 300)
		allowed := strings.ToLower(resp.Header.Get("Access-Control-Allow-Headers"))
		for _, h := range []string{"content-type", "x-grpc-web", "x-user-agent", "grpc-encoding", "grpc-accept-encoding", "connect-content-encoding", "connect-accept-encoding", "content-encoding"} {
			assert.Contains(t, allowed, h)
		}
	})
}

// statusIn is the grpc-status of a gRPC-Web trailers frame, or "".
func statusIn(trailers string) string { return headerIn(trailers, "grpc-status") }

func headerIn(trailers, name string) string {
	for _, line := range strings.Split(trailers, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
