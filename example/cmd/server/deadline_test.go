package main_test

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"io"
	"net/http"
	"path/filepath"
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
