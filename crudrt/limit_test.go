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
