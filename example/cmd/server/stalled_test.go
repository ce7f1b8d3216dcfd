package main_test

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStalledBodiesHoldNoPlace: clients that send their headers and then
// not all of their body (HTTP/1.1 Connect requests, gRPC streams over h2c
// holding only a frame's header, a unary procedure's whole message without
// the end of the body over gRPC and gRPC-Web) hold no place among
// --max-in-flight: with two places and six such clients, REST and Connect
// requests are served.
// Each stalled request is answered DeadlineExceeded once --body-timeout
// has passed.
func TestStalledBodiesHoldNoPlace(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"),
		"--max-in-flight", "2", "--max-queue-wait", "200ms", "--body-timeout", "3s")
	addBooks(t, s, "", "Dune")

	// Two HTTP/1.1 requests that promise 100 bytes and send one, and a
	// gRPC-Web one that sends a whole message of a unary procedure and
	// promises more.
	var conns []net.Conn
	for i := range 3 {
		c, err := net.Dial("tcp", s.addr)
		require.NoError(t, err)
		t.Cleanup(func() { _ = c.Close() })
		req := "POST /library.v1.BookService/ListBooks HTTP/1.1\r\nHost: x\r\n" +
			"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
		if i == 2 {
			req = "POST /library.v1.BookService/ListBooks HTTP/1.1\r\nHost: x\r\n" +
				"Content-Type: application/grpc-web+proto\r\nContent-Length: 100\r\n\r\n\x00\x00\x00\x00\x00"
		}
		_, err = io.WriteString(c, req)
		require.NoError(t, err)
		conns = append(conns, c)
	}
	// Three gRPC streams on one h2c connection: two with the header of a
	// 100-byte frame and nothing more, one with a whole message of a
	// unary procedure but no end of the stream (connect-go reads on, to
	// make sure no second message follows).
	h2c := &http.Client{Transport: &http.Transport{Protocols: func() *http.Protocols {
		p := new(http.Protocols)
		p.SetUnencryptedHTTP2(true)
		return p
	}()}}
	type answer struct {
		status string
		err    error
	}
	grpcAnswers := make(chan answer, 3)
	for i := range 3 {
		pr, pw := io.Pipe()
		t.Cleanup(func() { _ = pw.Close() })
		frame := []byte{0, 0, 0, 0, 100}
		if i == 2 {
			frame = []byte{0, 0, 0, 0, 0} // an empty ListBooksRequest, whole
		}
		go func() { _, _ = pw.Write(frame) }()
		req, err := http.NewRequestWithContext(context.Background(), "POST", s.url("/library.v1.BookService/ListBooks"), pr)
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/grpc+proto")
		req.Header.Set("Te", "trailers")
		go func() {
			resp, err := h2c.Do(req)
			if err != nil {
				grpcAnswers <- answer{err: err}
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			grpcAnswers <- answer{status: resp.Header.Get("Grpc-Status") + resp.Trailer.Get("Grpc-Status")}
		}()
	}
	// Let the stalled requests reach the server (a bound on the test's
	// own pace, not on the server's: it passes whether they have or not
	// only when stalled requests hold no place).
	time.Sleep(300 * time.Millisecond)

	for range 3 {
		code, body := do(t, "GET", s.url("/v1/books"), "", "")
		assert.Equal(t, 200, code, "REST while six requests stall: %s", body)
		code, body = do(t, "POST", s.url("/library.v1.BookService/ListBooks"), "application/json", `{}`)
		assert.Equal(t, 200, code, "Connect while six requests stall: %s", body)
	}

	for i, c := range conns {
		require.NoError(t, c.SetReadDeadline(time.Now().Add(20*time.Second)))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if i == 2 {
			assert.Equal(t, "4", resp.Header.Get("Grpc-Status"), "gRPC-Web: DeadlineExceeded")
			continue
		}
		assert.Equal(t, 504, resp.StatusCode, "%s", b)
		assert.Contains(t, string(b), `"code":"deadline_exceeded"`)
		assert.Contains(t, string(b), "did not arrive within 3s")
	}
	for range 3 {
		select {
		case a := <-grpcAnswers:
			require.NoError(t, a.err)
			assert.Equal(t, "4", a.status, "gRPC: DeadlineExceeded")
		case <-time.After(20 * time.Second): // a bound, not a pause
			t.Fatal("a stalled gRPC stream got no answer")
		}
	}
	assert.False(t, strings.Contains(s.log.String(), "panic"), s.log.String())
}
