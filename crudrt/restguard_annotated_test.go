package crudrt_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/crudrt"
	_ "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/library"
)

// TestRESTGuardAnnotatedServices guards the routes of a service whose
// methods all carry google.api.http annotations (Google's example
// library) without any rules: a query parameter naming a field of the
// URL path, or of the body, is refused before the transcoder runs, while
// a well-formed request reaches it.
func TestRESTGuardAnnotatedServices(t *testing.T) {
	reached := 0
	h := crudrt.RESTGuard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached++
		w.WriteHeader(http.StatusOK)
	}))
	for _, tc := range []struct {
		method, target, body string
		status               int
		mention              string
	}{
		{"GET", "/v1/shelves/1?name=shelves/2", "", 400, `\"name\" names a field that the URL path`},
		{"PATCH", "/v1/shelves/1/books/2?book.name=shelves/9/books/9", `{"title":"x"}`, 400, `\"book.name\" names a field that the URL path`},
		{"POST", "/v1/shelves?shelf.theme=x", `{"theme":"y"}`, 400, `\"shelf.theme\" names a field that the request body`},
		{"GET", "/v1/shelves/1", "", 200, ""},
		{"GET", "/v1/shelves?page_size=2", "", 200, ""},
	} {
		req := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		body, _ := io.ReadAll(rec.Body)
		if rec.Code != tc.status || !strings.Contains(string(body), tc.mention) {
			t.Errorf("%s %s: %d %s, want %d mentioning %s", tc.method, tc.target, rec.Code, body, tc.status, tc.mention)
		}
	}
	if reached != 2 {
		t.Errorf("the transcoder was reached %d times, want 2", reached)
	}
}

// TestRESTGuardColonInID: a colon in the last segment of a path that a
// route has with the colon in its segment (an id, shelves/a:b) reaches
// the transcoder escaped, so that it does not read a verb there; one no
// route the guard knows has reaches it as it was sent, and a custom
// verb's colon is kept.
func TestRESTGuardColonInID(t *testing.T) {
	var got string
	h := crudrt.RESTGuard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.URL.Path
		w.WriteHeader(http.StatusOK)
	}))
	for target, want := range map[string]string{
		"/v1/shelves/a:b":            "/v1/shelves/a%3Ab",
		"/v1/shelves/a%3Ab":          "/v1/shelves/a%3Ab",
		"/v1/shelves/s/books/a:b:c":  "/v1/shelves/s/books/a%3Ab%3Ac",
		"/v1/shelves/s/books/b:move": "/v1/shelves/s/books/b:move",
		"/v1/shelves/a:b:merge":      "/v1/shelves/a%3Ab:merge",
		"/v9/unknown/a:b":            "/v9/unknown/a:b",
	} {
		got = ""
		req := httptest.NewRequest("GET", target, nil)
		if strings.HasSuffix(target, ":move") || strings.HasSuffix(target, ":merge") {
			req = httptest.NewRequest("POST", target, strings.NewReader("{}"))
		}
		h.ServeHTTP(httptest.NewRecorder(), req)
		if got != want {
			t.Errorf("%s reached the transcoder as %q, want %q", target, got, want)
		}
	}
}
