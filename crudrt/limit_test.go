package crudrt_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/protoforge/protoforge/crudrt"
)

// TestLimiter saturates a server of two places with requests that hold
// them, then sends one more in each protocol: each waits its bound and is
// turned away with ResourceExhausted (gRPC status 8, HTTP 429 with
// Retry-After for Connect and REST), while the health path is served; a
// request that finds a place freed within its wait is served.
func TestLimiter(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free() // a failed check must not leave the handlers held
	var held sync.WaitGroup
	busy := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("hold") == "1" {
			held.Done()
			<-release
		}
		_, _ = w.Write([]byte("ok"))
	})
	srv := httptest.NewServer(crudrt.Limiter(busy, crudrt.Limit{MaxInFlight: 2, MaxWait: 50 * time.Millisecond, Exempt: []string{"/readyz"}}))
	defer srv.Close()

	held.Add(2)
	done := make(chan struct{}, 2)
	for i := 0; i < 2; i++ {
		go func() {
			resp, err := http.Get(srv.URL + "/v1/books?hold=1")
			if err == nil {
				_ = resp.Body.Close()
			}
			done <- struct{}{}
		}()
	}
	held.Wait() // both places taken

	for _, c := range []struct {
		name, path, ctype, wantStatus, wantBody, wantGRPC string
	}{
		{"REST", "/v1/books", "", "429", `"code":8`, ""},
		{"Connect", "/library.v1.BookService/ListBooks", "application/json", "429", `"code":"resource_exhausted"`, ""},
		{"gRPC-Web", "/library.v1.BookService/ListBooks", "application/grpc-web+proto", "200", "", "8"},
	} {
		start := time.Now()
		req, _ := http.NewRequest("POST", srv.URL+c.path, strings.NewReader("{}"))
		if c.name == "REST" {
			req, _ = http.NewRequest("GET", srv.URL+c.path, nil)
		}
		if c.ctype != "" {
			req.Header.Set("Content-Type", c.ctype)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if got := resp.Status[:3]; got != c.wantStatus {
			t.Errorf("%s: status %s, want %s (%s)", c.name, resp.Status, c.wantStatus, b)
		}
		if !strings.Contains(string(b), c.wantBody) {
			t.Errorf("%s: body %s, want %s", c.name, b, c.wantBody)
		}
		if c.wantGRPC != "" && resp.Header.Get("Grpc-Status") != c.wantGRPC {
			t.Errorf("%s: grpc-status %q, want %s", c.name, resp.Header.Get("Grpc-Status"), c.wantGRPC)
		}
		if resp.Header.Get("Retry-After") != "1" {
			t.Errorf("%s: Retry-After %q", c.name, resp.Header.Get("Retry-After"))
		}
		if d := time.Since(start); d < 50*time.Millisecond {
			t.Errorf("%s: turned away after %v, before its wait", c.name, d)
		}
	}
	// Health is served while the places are taken.
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("health under load: %v %v", resp, err)
	}
	_ = resp.Body.Close()

	// A place freed within the wait serves the waiting request.
	go func() {
		time.Sleep(10 * time.Millisecond)
		release <- struct{}{}
	}()
	resp, err = http.Get(srv.URL + "/v1/books")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("waiting request: %v %v", resp, err)
	}
	_ = resp.Body.Close()
	free()
	<-done
	<-done
}

// TestLimiterDeadline: a request waits for a place no longer than the
// timeout its protocol carries, and one served after a wait reaches the
// handler with what is left of its timeout, in its protocol's header; a
// timeout that does not parse is the handler's to refuse, and bounds
// nothing.
func TestLimiterDeadline(t *testing.T) {
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	defer free()
	held := make(chan struct{})
	seen := make(chan http.Header, 1)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("hold") == "1" {
			close(held)
			<-release
			return
		}
		seen <- r.Header.Clone()
	})
	srv := httptest.NewServer(crudrt.Limiter(h, crudrt.Limit{MaxInFlight: 1, MaxWait: 2 * time.Second}))
	defer srv.Close()
	go func() {
		if resp, err := http.Get(srv.URL + "/v1/books?hold=1"); err == nil {
			_ = resp.Body.Close()
		}
	}()
	<-held

	call := func(path, ctype string, header ...string) (*http.Response, string, time.Duration) {
		t.Helper()
		req, _ := http.NewRequest("POST", srv.URL+path, strings.NewReader("{}"))
		req.Header.Set("Content-Type", ctype)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		return resp, string(b), time.Since(start)
	}
	for _, c := range []struct{ name, path, ctype, key, value, status, grpc string }{
		{"REST", "/v1/books", "application/json", "X-Server-Timeout", "0.1", "504 Gateway Timeout", ""},
		{"Connect", "/library.v1.BookService/ListBooks", "application/json", "Connect-Timeout-Ms", "100", "504 Gateway Timeout", ""},
		{"gRPC-Web", "/library.v1.BookService/ListBooks", "application/grpc-web+proto", "Grpc-Timeout", "100m", "200 OK", "4"},
	} {
		resp, body, took := call(c.path, c.ctype, c.key, c.value)
		if resp.Status != c.status || resp.Header.Get("Grpc-Status") != c.grpc || took > time.Second {
			t.Errorf("%s: %s grpc-status %q after %v, want %s grpc-status %q at its deadline: %s", c.name, resp.Status, resp.Header.Get("Grpc-Status"), took, c.status, c.grpc, body)
		}
		if c.grpc == "" && !strings.Contains(body, "DEADLINE_EXCEEDED") {
			t.Errorf("%s: %s", c.name, body)
		}
	}
	// Malformed: the wait is the server's.
	resp, _, took := call("/library.v1.BookService/ListBooks", "application/grpc-web+proto", "Grpc-Timeout", "1x")
	if resp.Header.Get("Grpc-Status") != "8" || took < 2*time.Second {
		t.Errorf("malformed grpc-timeout: grpc-status %q after %v, want 8 after the server's wait", resp.Header.Get("Grpc-Status"), took)
	}

	// Served after a wait of at least 200ms: the handler's timeout is
	// what is left.
	time.AfterFunc(200*time.Millisecond, free)
	resp, body, _ := call("/library.v1.BookService/ListBooks", "application/grpc-web+proto", "Grpc-Timeout", "1S")
	if resp.StatusCode != 200 {
		t.Fatalf("%s: %s", resp.Status, body)
	}
	got := (<-seen).Get("Grpc-Timeout")
	// grpc-timeout's units in Go's spelling.
	units := map[string]string{"H": "h", "M": "m", "S": "s", "m": "ms", "u": "us", "n": "ns"}
	left, err := time.ParseDuration(got[:max(len(got)-1, 0)] + units[got[max(len(got)-1, 0):]])
	if err != nil || left <= 0 || left > 800*time.Millisecond {
		t.Errorf("the handler got grpc-timeout %q, want what is left of 1S after a wait of 200ms", got)
	}
	// Without a wait, the header is as sent.
	resp, body, _ = call("/library.v1.BookService/ListBooks", "application/json", "Connect-Timeout-Ms", "5000")
	if got := (<-seen).Get("Connect-Timeout-Ms"); resp.StatusCode != 200 || got != "5000" {
		t.Errorf("no wait: %s %s, Connect-Timeout-Ms %q", resp.Status, body, got)
	}
}
