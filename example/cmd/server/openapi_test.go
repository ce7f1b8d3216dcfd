package main_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOpenAPI reads the OpenAPI document the example serves, checks that
// it is valid OpenAPI 3.1, and sends a request for every operation it
// documents to the running server: each request and each response (errors
// included) must validate against the document.
func TestOpenAPI(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	code, body := do(t, "GET", s.url("/openapi.json"), "", "")
	require.Equal(t, 200, code, body)
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData([]byte(body))
	require.NoError(t, err)
	require.NoError(t, doc.Validate(ctx))
	assert.Equal(t, "3.1.0", doc.OpenAPI)

	done := map[string]bool{}
	var callInvalid func(method, path string, params map[string]string, query url.Values, reqBody string, wantStatus int, invalid bool) string
	call := func(method, path string, params map[string]string, query url.Values, reqBody string, wantStatus int) string {
		t.Helper()
		return callInvalid(method, path, params, query, reqBody, wantStatus, false)
	}
	callInvalid = func(method, path string, params map[string]string, query url.Values, reqBody string, wantStatus int, invalid bool) string {
		item := doc.Paths.Value(path)
		require.NotNil(t, item, "%s is documented", path)
		op := item.GetOperation(method)
		require.NotNil(t, op, "%s %s is documented", method, path)
		concrete := path
		for k, v := range params {
			concrete = strings.ReplaceAll(concrete, "{"+k+"}", v)
		}
		u := s.url(concrete)
		if len(query) > 0 {
			u += "?" + query.Encode()
		}
		var rb io.Reader
		if reqBody != "" {
			rb = strings.NewReader(reqBody)
		}
		req, err := http.NewRequest(method, u, rb)
		require.NoError(t, err)
		if reqBody != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		route := &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
		in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
		if err := openapi3filter.ValidateRequest(ctx, in); invalid {
			require.Error(t, err, "%s %s: the document refuses the request the server refuses", method, concrete)
		} else {
			require.NoError(t, err, "%s %s: the request", method, concrete)
		}
		if reqBody != "" {
			req.Body = io.NopCloser(strings.NewReader(reqBody))
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		assert.Equal(t, wantStatus, resp.StatusCode, "%s %s: %s", method, concrete, b)
		out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
			Body: io.NopCloser(bytes.NewReader(b))}
		assert.NoError(t, openapi3filter.ValidateResponse(ctx, out), "%s %s: the response %s", method, concrete, b)
		done[method+" "+path] = true
		return string(b)
	}
	none := map[string]string{}
	call("POST", "/v1/authors", none, nil, `{"displayName":"Ursula"}`, 200)
	call("GET", "/v1/authors", none, url.Values{"page_size": {"10"}}, "", 200)
	call("GET", "/v1/authors/{name}", map[string]string{"name": "1"}, nil, "", 200)
	call("POST", "/v1/books", none, nil, `{"title":"The Dispossessed","authorId":"1","isbn":"9780061054884","tags":["sf"],"metadata":{"k":"v"}}`, 200)
	call("GET", "/v1/books/{id}", map[string]string{"id": "1"}, nil, "", 200)
	call("GET", "/v1/books/{id}", map[string]string{"id": "99"}, nil, "", 404)
	call("GET", "/v1/books", none, url.Values{"filter": {`title = "The*"`}, "order_by": {"title"}, "page_size": {"1"}}, "", 200)
	call("PATCH", "/v1/books/{id}", map[string]string{"id": "1"}, url.Values{"update_mask": {"title"}}, `{"title":"The Dispossessed (1974)"}`, 200)
	call("POST", "/v1/books:batchCreate", none, nil, `{"requests":[{"book":{"title":"A","authorId":"1","isbn":"1"}},{"book":{"title":"B","authorId":"1","isbn":"2"}}]}`, 200)
	call("GET", "/v1/books:batchGet", none, url.Values{"ids": {"2", "3"}}, "", 200)
	call("POST", "/v1/books:batchUpdate", none, nil, `{"requests":[{"book":{"id":"2","title":"A2"}},{"book":{"id":"3","title":"B2"}}],"updateMask":"title"}`, 200)
	call("DELETE", "/v1/books/{id}", map[string]string{"id": "1"}, nil, "", 200)
	call("POST", "/v1/books/{id}:undelete", map[string]string{"id": "1"}, nil, `{}`, 200)
	call("POST", "/v1/books:batchDelete", none, nil, `{"ids":["2","3"]}`, 200)
	callInvalid("POST", "/v1/books", none, nil, `{"title":"","authorId":"1"}`, 400, true)
	// An enum by number; defined_only refuses a number the enum does not
	// declare, and so does the document.
	call("POST", "/v1/books", none, nil, `{"title":"D","authorId":"1","isbn":"4","state":2}`, 200)
	callInvalid("POST", "/v1/books", none, nil, `{"title":"E","authorId":"1","isbn":"5","state":9}`, 400, true)
	// What the server refuses or ignores, the document says: an id that
	// is no number, a negative page size, and the times the server sets
	// (readOnly: a request that sends one has it ignored).
	callInvalid("GET", "/v1/books/{id}", map[string]string{"id": "abc"}, nil, "", 400, true)
	callInvalid("GET", "/v1/books", none, url.Values{"page_size": {"-1"}}, "", 400, true)
	created := call("POST", "/v1/books", none, nil, `{"title":"C","authorId":"1","isbn":"3","createTime":"2001-01-01T00:00:00Z"}`, 200)
	assert.NotContains(t, created, "2001-01-01", "the server sets create_time")
	book := doc.Components.Schemas["library.v1.Book"]
	require.NotNil(t, book)
	for _, f := range []string{"createTime", "updateTime", "deleteTime"} {
		assert.True(t, book.Value.Properties[f].Value.ReadOnly, "%s is readOnly", f)
	}
	assert.False(t, book.Value.Properties["id"].Value.ReadOnly, "id names the row of a batch update")
	// A body "*" holds the fields the path does not set (google.api.http).
	undelete := doc.Paths.Value("/v1/books/{id}:undelete").Post.RequestBody.Value.Content.Get("application/json").Schema.Value
	assert.NotContains(t, undelete.Properties, "id", "the path sets id")
	assert.Contains(t, undelete.Properties, "etag")
	call("DELETE", "/v1/authors/{name}", map[string]string{"name": "1"}, nil, "", 200)
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			assert.True(t, done[method+" "+path], "%s %s was not exercised", method, path)
		}
	}
}
