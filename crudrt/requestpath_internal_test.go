package crudrt

import (
	"net/http/httptest"
	"testing"
)

// TestRequestPath: the path as the client sent it, from the request line,
// with the escapes of unreserved characters read and an escaped colon in
// the last segment read as a colon; a path a handler before has changed
// keeps URL.EscapedPath.
func TestRequestPath(t *testing.T) {
	for _, tc := range []struct{ uri, want string }{
		{"/v1/books/1", "/v1/books/1"},
		{"/v1/shelves/caf\xc3\xa9%2Fbooks%2Fx?a=1", "/v1/shelves/caf\xc3\xa9%2Fbooks%2Fx"},
		{"/v1/shelves/a|b%2fx", "/v1/shelves/a|b%2fx"},
		{"/v1/b%6Foks/%31%2D%7e%7E", "/v1/books/1-~~"},
		{"/v1/books/%252F%20%25", "/v1/books/%252F%20%25"},
		{"/v1/a%3Ab/1%3aundelete", "/v1/a%3Ab/1:undelete"},
	} {
		// The server's reading of the request line (net/http refuses a
		// malformed escape before any handler).
		r := httptest.NewRequest("GET", tc.uri, nil)
		if got := requestPath(r); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.uri, got, tc.want)
		}
	}
	// http.StripPrefix changed the path: the request line is no longer it.
	r := httptest.NewRequest("GET", "http://x/api/v1/books/a%2Fb", nil)
	r.RequestURI = "/api/v1/books/a%2Fb"
	r.URL.Path, r.URL.RawPath = "/v1/books/a/b", "/v1/books/a%2Fb"
	if got := requestPath(r); got != "/v1/books/a%2Fb" {
		t.Errorf("after StripPrefix: %q", got)
	}
	if got := requestPath(withRequestPath(r, "/v1/books/10")); got != "/v1/books/10" {
		t.Errorf("withRequestPath: %q", got)
	}
}
