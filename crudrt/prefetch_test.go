package crudrt_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/protoforge/protoforge/crudrt"
)

// TestLimiterPrefetch: what the Limiter reads of a body before it takes a
// place reaches the handler unchanged, followed by the rest of the body,
// whatever the body: whole, over the limit (the handler's own limit
// refuses it, as before), a gRPC frame cut short or with a length past
// the body, a stream whose first envelope is followed by more.
func TestLimiterPrefetch(t *testing.T) {
	const limit = 64
	type seen struct {
		body []byte
		err  error
	}
	got := make(chan seen, 1)
	h := http.MaxBytesHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		got <- seen{b, err}
	}), limit)
	srv := httptest.NewServer(crudrt.Limiter(h, crudrt.Limit{MaxInFlight: 1, MaxBodyBytes: limit, BodyTimeout: time.Second}))
	defer srv.Close()
	long := strings.Repeat("x", 3*limit)
	for _, tc := range []struct {
		name, ct, body string
		tooLarge       bool
	}{
		{"JSON", "application/json", `{"title":"Dune"}`, false},
		{"at the limit", "application/json", long[:limit], false},
		{"over the limit", "application/json", long, true},
		{"gRPC frame", "application/grpc-web+proto", "\x00\x00\x00\x00\x02\x08\x01", false},
		{"gRPC frame cut short", "application/grpc-web+proto", "\x00\x00\x00\x00\x64abc", false},
		{"gRPC header cut short", "application/grpc-web+proto", "\x00\x00\x00", false},
		{"gRPC length of 4 GB", "application/grpc-web+proto", "\x00\xff\xff\xff\xffabc", false},
		{"two envelopes", "application/connect+json", "\x00\x00\x00\x00\x02{}\x00\x00\x00\x00\x02{}", false},
		{"frames over the limit", "application/grpc-web+proto", "\x00\x00\x00\x00\xc0" + long, true},
	} {
		resp, err := http.Post(srv.URL+"/library.v1.BookService/CreateBook", tc.ct, strings.NewReader(tc.body))
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		s := <-got
		var mbe *http.MaxBytesError
		switch {
		case tc.tooLarge && !errors.As(s.err, &mbe):
			t.Errorf("%s: the handler read %d bytes and %v, want its limit's error", tc.name, len(s.body), s.err)
		case tc.tooLarge && !bytes.Equal(s.body, []byte(tc.body[:limit])):
			t.Errorf("%s: the handler read %q before its limit", tc.name, s.body)
		case !tc.tooLarge && (s.err != nil || string(s.body) != tc.body):
			t.Errorf("%s: the handler read %q, %v; want %q", tc.name, s.body, s.err, tc.body)
		}
	}

	// Past the memory budget (beyond the first 4 KiB of each body, which
	// are read ahead for free), the rest of a body is the handler's to read.
	const bigLimit = 64 << 10
	bigGot := make(chan seen, 1)
	small := httptest.NewServer(crudrt.Limiter(http.MaxBytesHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		bigGot <- seen{b, err}
	}), bigLimit), crudrt.Limit{MaxInFlight: 1, MaxBodyBytes: bigLimit, BodyTimeout: time.Second, MaxPrefetchBytes: 16}))
	defer small.Close()
	big := strings.Repeat("b", 10000)
	resp, err := http.Post(small.URL+"/v1/books", "application/json", strings.NewReader(big))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if s := <-bigGot; s.err != nil || string(s.body) != big {
		t.Errorf("past the budget: the handler read %d bytes, %v", len(s.body), s.err)
	}

	// Past the budget, the rest of a body that stops arriving fails the
	// handler's read with BODY_TIMEOUT, not the connection's error, and
	// the connection is closed (the deadline stays for the server's own
	// reads of the rest).
	late := sendRaw(t, small.URL, "POST /v1/books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n"+big[:6000])
	select {
	case s := <-bigGot:
		if s.err == nil || !strings.Contains(s.err.Error(), "did not arrive within 1s") || strings.Contains(s.err.Error(), "127.0.0.1") {
			t.Errorf("the rest of a body past the budget, late: %v", s.err)
		}
	case <-time.After(10 * time.Second): // a bound, not a pause
		t.Fatal("the handler never read the rest")
	}
	_ = late.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.ReadAll(late); err != nil {
		t.Errorf("the connection of a late body stays open: %v", err)
	}

	// A slow upload that keeps arriving is read, however long it takes
	// in all: each read that brings bytes gives it BodyTimeout more. (The
	// pauses are the slow client under test, not waits for the server.)
	slow := sendRaw(t, srv.URL, "POST /v1/books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n")
	for _, part := range []string{`{"ti`, `tle"`, `:"ab`, `"}`} {
		time.Sleep(400 * time.Millisecond)
		_, _ = io.WriteString(slow, part)
	}
	select {
	case s := <-got:
		if s.err != nil || string(s.body) != `{"title":"ab"}` {
			t.Errorf("a slow upload: the handler read %q, %v", s.body, s.err)
		}
	case <-time.After(10 * time.Second): // a bound, not a pause
		t.Fatal("a slow upload never reached the handler")
	}

	// A body that does not arrive within BodyTimeout is answered
	// DeadlineExceeded, without reaching the handler.
	b := readAnswer(sendRaw(t, srv.URL, "POST /v1/books HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{"))
	if !strings.HasPrefix(b, "HTTP/1.1 504") || !strings.Contains(b, `"code":4`) || !strings.Contains(b, "BODY_TIMEOUT") {
		t.Errorf("a stalled body: %q", b)
	}
	select {
	case s := <-got:
		t.Errorf("the handler ran for a stalled body: %q", s.body)
	default:
	}
}

// TestLimiterExemptBodies: exempt paths (health checks) take no place, but
// their bodies are due within BodyTimeout as any other's.
func TestLimiterExemptBodies(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) })
	srv := httptest.NewServer(crudrt.Limiter(h, crudrt.Limit{MaxInFlight: 1, BodyTimeout: time.Second, Exempt: []string{"/readyz"}}))
	defer srv.Close()
	b := readAnswer(sendRaw(t, srv.URL, "POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n{"))
	if !strings.HasPrefix(b, "HTTP/1.1 504") || !strings.Contains(b, "BODY_TIMEOUT") {
		t.Errorf("a stalled body on an exempt path: %q", b)
	}
}

// TestLimiterSlowReader: a client that does not read its answer holds its
// place only as long as one write may take (BodyTimeout): the handler's
// write fails, the place is given back, and the next request is served.
func TestLimiterSlowReader(t *testing.T) {
	wrote := make(chan error, 1)
	big := bytes.Repeat([]byte("z"), 64<<20)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			_, err := w.Write(big)
			wrote <- err
			return
		}
		_, _ = io.WriteString(w, "ok")
	})
	srv := httptest.NewServer(crudrt.Limiter(h, crudrt.Limit{MaxInFlight: 1, MaxWait: 100 * time.Millisecond, BodyTimeout: time.Second}))
	defer srv.Close()
	c, err := net.Dial("tcp", strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	_, _ = io.WriteString(c, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n") // and never read
	select {
	case err := <-wrote:
		if err == nil {
			t.Fatal("64 MiB written to a client that reads nothing")
		}
	case <-time.After(20 * time.Second): // a bound, not a pause
		t.Fatal("the write to a client that does not read never failed")
	}
	resp, err := http.Get(srv.URL + "/small")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "ok" {
		t.Errorf("after the slow reader's write failed: %d %q", resp.StatusCode, b)
	}
}

// sendRaw opens a connection to the test server at srvURL and writes req
// to it as it is (a request whose body may stop short), closed with the
// test.
func sendRaw(t *testing.T, srvURL, req string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(srvURL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	_, _ = io.WriteString(c, req)
	return c
}

// readAnswer reads what the server writes on c until it closes it.
func readAnswer(c net.Conn) string {
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	b, _ := io.ReadAll(c)
	return string(b)
}
