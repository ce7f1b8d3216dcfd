package main_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// TestDeadlineWhileQueued: a request that waits for a place among
// --max-in-flight waits no longer than the timeout its protocol carries
// (grpc-timeout, Connect-Timeout-Ms, REST's X-Server-Timeout): past it,
// it is DeadlineExceeded (gRPC and gRPC-Web status 4, Connect and REST
// HTTP 504), answered at its deadline, not ResourceExhausted once
// --max-queue-wait has passed. The clients here keep no timer of their
// own, as curl does not: the answer is the server's.
func TestDeadlineWhileQueued(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "library.db")
	s := start(t, "sqlite:"+path, "--max-in-flight", "1", "--max-queue-wait", "4s")
	code, body := do(t, "POST", s.url("/v1/authors"), "application/json", `{"displayName":"Frank"}`)
	require.Equal(t, 200, code, body)

	// The only place: a Create waiting for the database's write lock.
	unlock := holdWriteLock(t, path)
	held := make(chan int, 1)
	go func() {
		code, _ := do(t, "POST", s.url("/v1/authors"), "application/json", `{"displayName":"Held"}`)
		held <- code
	}()
	// Until the Create has the place, a GET is served at once.
	for i := 0; ; i++ {
		require.Less(t, i, 100, "the Create never took the place")
		if code, _ := do(t, "GET", s.url("/v1/books"), "", "", "X-Server-Timeout", "0.2"); code != 200 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}

	get, err := proto.Marshal(&libraryv1.GetBookRequest{Id: 1})
	require.NoError(t, err)
	envelope := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(get)))
	envelope = append(envelope, get...)
	h2c := &http.Client{Transport: &http.Transport{Protocols: func() *http.Protocols {
		p := new(http.Protocols)
		p.SetUnencryptedHTTP2(true)
		return p
	}()}}
	for _, c := range []struct {
		name, method, path, contentType string
		body                            []byte
		header                          []string
		status                          int // HTTP
		grpcStatus                      string
		client                          *http.Client
	}{
		{"REST", "GET", "/v1/books/1", "", nil, []string{"X-Server-Timeout", "0.2"}, 504, "", http.DefaultClient},
		{"Connect", "POST", "/library.v1.BookService/GetBook", "application/json", []byte(`{"id":"1"}`), []string{"Connect-Timeout-Ms", "200"}, 504, "", http.DefaultClient},
		{"Connect GET", "GET", "/library.v1.BookService/GetBook?encoding=json&message=%7B%7D", "", nil, []string{"Connect-Timeout-Ms", "200"}, 504, "", http.DefaultClient},
		{"gRPC", "POST", "/library.v1.BookService/GetBook", "application/grpc", envelope, []string{"Grpc-Timeout", "200m", "Te", "trailers"}, 200, "4", h2c},
		{"gRPC-Web", "POST", "/library.v1.BookService/GetBook", "application/grpc-web+proto", envelope, []string{"Grpc-Timeout", "200m"}, 200, "4", http.DefaultClient},
	} {
		req, err := http.NewRequest(c.method, s.url(c.path), bytes.NewReader(c.body))
		require.NoError(t, err)
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		for i := 0; i < len(c.header); i += 2 {
			req.Header.Set(c.header[i], c.header[i+1])
		}
		begin := time.Now()
		res, err := c.client.Do(req)
		require.NoError(t, err, c.name)
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		took := time.Since(begin)
		assert.Equal(t, c.status, res.StatusCode, "%s: %s", c.name, b)
		assert.Less(t, took, 2*time.Second, "%s: answered at its deadline, not after --max-queue-wait", c.name)
		if c.grpcStatus != "" {
			got := res.Header.Get("Grpc-Status") + res.Trailer.Get("Grpc-Status")
			assert.Equal(t, c.grpcStatus, got, "%s: DeadlineExceeded", c.name)
			details, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(res.Header.Get("Grpc-Status-Details-Bin")+res.Trailer.Get("Grpc-Status-Details-Bin"), "="))
			require.NoError(t, err, c.name)
			assert.Contains(t, string(details), "DEADLINE_EXCEEDED", "%s: the ErrorInfo's reason", c.name)
		} else {
			assert.Contains(t, string(b), "DEADLINE_EXCEEDED", "%s: the ErrorInfo's reason", c.name)
			assert.NotContains(t, strings.ToLower(string(b)), "resource_exhausted", c.name)
		}
		assert.Empty(t, res.Header.Get("Retry-After"), "%s: not a busy server's answer", c.name)
	}

	unlock()
	assert.Equal(t, 200, <-held, "the held Create, served once the lock is gone")
}

// TestMalformedTimeout: a timeout header that is not one is
// InvalidArgument on every protocol (gRPC and gRPC-Web status 3, Connect
// and REST HTTP 400 with the ErrorInfo every error carries), REST's
// X-Server-Timeout too, where the transcoder answered plain text, or a
// small negative one as a timeout of 0 (DeadlineExceeded).
func TestMalformedTimeout(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	for _, v := range []string{"abc", "-1", "-0.0001", "NaN", "1e400"} {
		res, err := http.DefaultClient.Do(func() *http.Request {
			req, err := http.NewRequest("GET", s.url("/v1/books/1"), nil)
			require.NoError(t, err)
			req.Header.Set("X-Server-Timeout", v)
			return req
		}())
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		assert.Equal(t, 400, res.StatusCode, "X-Server-Timeout %q: %s", v, b)
		assert.Equal(t, "application/json", res.Header.Get("Content-Type"), "X-Server-Timeout %q", v)
		assert.Contains(t, string(b), `"code":3`, "X-Server-Timeout %q", v)
		assert.Contains(t, string(b), `"reason":"INVALID_ARGUMENT"`, "X-Server-Timeout %q", v)
	}
	// The same mistake on the other protocols.
	code, body := do(t, "POST", s.url("/library.v1.BookService/GetBook"), "application/json", `{"id":"1"}`, "Connect-Timeout-Ms", "abc")
	assert.Equal(t, 400, code, body)
	assert.Contains(t, body, `"code":"invalid_argument"`)
	for _, ct := range []string{"application/grpc+proto", "application/grpc-web+proto"} {
		res, _ := rawRPC(t, s.url("/library.v1.BookService/GetBook"), ct, "\x00\x00\x00\x00\x00", "Grpc-Timeout", "abc")
		assert.Equal(t, "3", res.Header.Get("Grpc-Status")+res.Trailer.Get("Grpc-Status"), ct)
	}
	// A valid one is served.
	code, body = do(t, "GET", s.url("/v1/books/1"), "", "", "X-Server-Timeout", "2.5")
	assert.Equal(t, 404, code, body)
}

// TestCORSTimeouts: a browser may send each protocol's timeout, REST's
// X-Server-Timeout too, and read Retry-After, which the server sends
// with ResourceExhausted.
func TestCORSTimeouts(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	res := preflight(t, s.url("/v1/books/1"), "PATCH", "content-type,x-server-timeout")
	assert.Equal(t, 204, res.StatusCode)
	allowed := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers"))
	for _, h := range []string{"x-server-timeout", "connect-timeout-ms", "grpc-timeout"} {
		assert.Contains(t, allowed, h)
	}

	req, err := http.NewRequest("GET", s.url("/v1/books"), nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "http://example.test")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	exposed := strings.ToLower(res.Header.Get("Access-Control-Expose-Headers"))
	for _, h := range []string{"retry-after", "grpc-status", "grpc-message", "grpc-status-details-bin"} {
		assert.Contains(t, exposed, h)
	}
}

// preflight sends the CORS preflight a browser at http://example.test
// sends before a call of method with headers to url.
func preflight(t *testing.T, url, method, headers string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("OPTIONS", url, nil)
	require.NoError(t, err)
	req.Header.Set("Origin", "http://example.test")
	req.Header.Set("Access-Control-Request-Method", method)
	req.Header.Set("Access-Control-Request-Headers", headers)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_ = res.Body.Close()
	return res
}

// TestDeadlineWhileLocked: a write waiting for SQLite's write lock ends
// at its caller's deadline, DeadlineExceeded on every protocol, where it
// waited out the whole busy_timeout (5 s) first: SQLite's busy handler
// sees no cancellation. A Create's transaction so cut short writes
// nothing, and the connection's busy_timeout is the server's again for
// the writes that follow, which wait for the lock as long as before.
func TestDeadlineWhileLocked(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "library.db")
	s := start(t, "sqlite:"+path)
	authorID := connectAuthor(t, s)
	create, err := proto.Marshal(&libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Timed out", AuthorId: 1, Isbn: 1}})
	require.NoError(t, err)
	envelope := string(binary.BigEndian.AppendUint32([]byte{0}, uint32(len(create)))) + string(create)

	unlock := holdWriteLock(t, path)
	for _, c := range []struct {
		name string
		call func() string // the status, as the protocol spells it
	}{
		{"Connect (insert)", func() string {
			code, _ := do(t, "POST", s.url("/library.v1.AuthorService/CreateAuthor"), "application/json", `{"author":{"displayName":"Late"}}`, "Connect-Timeout-Ms", "300")
			return strconv.Itoa(code)
		}},
		{"REST (transaction)", func() string {
			code, _ := do(t, "POST", s.url("/v1/books"), "application/json", fmt.Sprintf(`{"title":"Timed out","authorId":%q,"isbn":"1"}`, authorID), "X-Server-Timeout", "0.3")
			return strconv.Itoa(code)
		}},
		{"gRPC (transaction)", func() string {
			res, _ := rawRPC(t, s.url("/library.v1.BookService/CreateBook"), "application/grpc+proto", envelope, "Grpc-Timeout", "300m")
			return res.Header.Get("Grpc-Status") + res.Trailer.Get("Grpc-Status")
		}},
		{"gRPC-Web (transaction)", func() string {
			res, _ := rawRPC(t, s.url("/library.v1.BookService/CreateBook"), "application/grpc-web+proto", envelope, "Grpc-Timeout", "300m")
			return res.Header.Get("Grpc-Status")
		}},
	} {
		begin := time.Now()
		got := c.call()
		took := time.Since(begin)
		assert.Contains(t, []string{"504", "4"}, got, "%s: DeadlineExceeded", c.name)
		assert.Less(t, took, 2*time.Second, "%s: answered at its deadline, not after busy_timeout", c.name)
	}

	// Writes without a deadline wait for the lock as before, on the
	// connections the cut-short writes used too.
	unlock()
	// Held longer than the timeouts above, then let go.
	time.AfterFunc(700*time.Millisecond, holdWriteLock(t, path))
	codes := make(chan int, 4)
	for i := range 4 {
		go func() {
			code, _ := do(t, "POST", s.url("/v1/authors"), "application/json", fmt.Sprintf(`{"displayName":"Patient %d"}`, i))
			codes <- code
		}()
	}
	for range 4 {
		assert.Equal(t, 200, <-codes, "a write without a deadline waits for the lock")
	}
	code, body := do(t, "GET", s.url("/v1/books"), "", "")
	assert.Equal(t, 200, code, body)
	assert.NotContains(t, body, "Timed out", "a transaction cut short writes nothing")
}
