package crudrt_test

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/crudrt"
)

// TestGRPCWebTextStream checks GRPCWebText over a real socket with a
// handler that streams: each flush ends a padded base64 chunk, the
// request reaches the handler decoded as binary gRPC-Web, and a body over
// the limit is ResourceExhausted.
func TestGRPCWebTextStream(t *testing.T) {
	var got string
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = r.Header.Get("Content-Type") + " " + string(b)
		w.Header().Set("Content-Type", "application/grpc-web+proto")
		_, _ = w.Write([]byte("\x00\x00\x00\x00\x02ab"))
		w.(http.Flusher).Flush()
		_, _ = w.Write([]byte("\x80\x00\x00\x00\x0fgrpc-status: 0\r\n"))
	})
	srv := httptest.NewServer(http.MaxBytesHandler(crudrt.GRPCWebText(inner), 64))
	defer srv.Close()

	post := func(body string) *http.Response {
		t.Helper()
		resp, err := http.Post(srv.URL, "application/grpc-web-text", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := post(base64.StdEncoding.EncodeToString([]byte("\x00\x00\x00\x00\x02hi")))
	raw, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if got != "application/grpc-web+proto \x00\x00\x00\x00\x02hi" {
		t.Errorf("the handler read %q", got)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/grpc-web-text+proto" {
		t.Errorf("Content-Type %q", ct)
	}
	first := base64.StdEncoding.EncodeToString([]byte("\x00\x00\x00\x00\x02ab"))
	second := base64.StdEncoding.EncodeToString([]byte("\x80\x00\x00\x00\x0fgrpc-status: 0\r\n"))
	if string(raw) != first+second || !strings.HasSuffix(first, "=") {
		t.Errorf("body %q; want the padded chunk %q then %q", raw, first, second)
	}

	resp = post(strings.Repeat("AAAA", 40))
	_ = resp.Body.Close()
	if s := resp.Header.Get("Grpc-Status"); s != "8" {
		t.Errorf("a body over the limit: grpc-status %q; want 8", s)
	}
	resp, err := http.Post(srv.URL, "application/grpc-web+proto", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if !strings.HasPrefix(got, "application/grpc-web+proto x") {
		t.Errorf("the binary mode should pass through untouched; the handler read %q", got)
	}
}
