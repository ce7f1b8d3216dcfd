package main_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestJSONMaskMapKeys: a JSON update_mask naming a map entry whose key is
// not snake_case ("metadata.someKey") sets that entry, over Connect JSON
// and in REST's BatchUpdate body, as the REST query parameter and the
// binary protocols do: protojson alone turns the key into "some_key",
// which would remove that entry and leave the one named unchanged. A JSON
// path that names no field is refused naming it as sent.
func TestJSONMaskMapKeys(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, `,"metadata":{"someKey":"old","some_key":"keep"}`, "Dune", "Emma", "Ivanhoe")
	const js = "application/json"
	code, body := do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"1","metadata":{"someKey":"connect"}},"updateMask":"metadata.someKey"}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"someKey":"connect"`)
	assert.Contains(t, body, `"some_key":"keep"`)

	code, body = do(t, "POST", s.url("/v1/books:batchUpdate"), js, `{"requests":[{"book":{"id":"2","title":"Emma 2","metadata":{"someKey":"rest"}},"updateMask":"metadata.someKey,title"}]}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"someKey":"rest"`)
	assert.Contains(t, body, `"some_key":"keep"`)
	assert.Contains(t, body, `"title":"Emma 2"`, "the other path of the mask is read too")

	code, body = do(t, "PATCH", s.url("/v1/books/3?update_mask=metadata.someKey"), js, `{"metadata":{"someKey":"query"}}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"someKey":"query"`)
	assert.Contains(t, body, `"some_key":"keep"`)

	// A segment naming no field is refused naming it as the client sent
	// it, not as protojson turned it ("_title").
	for _, path := range []string{"Title", "metadata.someKey.x.Y"} {
		code, body = do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"1"},"updateMask":"`+path+`"}`)
		assert.Equal(t, 400, code, body)
		assert.Contains(t, body, path, "the path as sent")
	}
}

// TestRESTEmptyMaskPath: an empty update_mask parameter among several is
// an empty path, InvalidArgument as "title," is on every protocol; one
// empty parameter alone is no mask, as an empty mask in a body is.
func TestRESTEmptyMaskPath(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")
	const js = "application/json"
	for _, q := range []string{"update_mask=title&update_mask=", "update_mask=&update_mask=title", "updateMask=title,"} {
		code, body := do(t, "PATCH", s.url("/v1/books/1?"+q), js, `{"title":"Emma"}`)
		assert.Equal(t, 400, code, "%s: %s", q, body)
		assert.Contains(t, body, "invalid field path: ", q)
	}
	code, body := do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"1","title":"Emma"},"updateMask":"title,"}`)
	assert.Equal(t, 400, code, "Connect: %s", body)
	code, body = do(t, "PATCH", s.url("/v1/books/1?update_mask="), js, `{"title":"Emma"}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"title":"Emma"`)
}

// TestJSONMaskSecondPassReadsAll: in a JSON BatchUpdate whose one request
// quotes a map key in backticks (which protojson refuses, so that the
// masks are read again), the other request's camelCase map key is kept
// too, and a map key with an underscore is taken as over gRPC and REST's
// query.
func TestJSONMaskSecondPassReadsAll(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, `,"metadata":{"someKey":"old","some_key":"keep","k.dot":"d","a_b":"u"}`, "Dune", "Emma")
	const js = "application/json"
	code, body := do(t, "POST", s.url("/library.v1.BookService/BatchUpdateBooks"), js,
		`{"requests":[{"book":{"id":"1","metadata":{"k.dot":"Z1"}},"updateMask":"metadata.`+"`k.dot`"+`"},{"book":{"id":"2","metadata":{"someKey":"Z2"}},"updateMask":"metadata.someKey"}]}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"k.dot":"Z1"`)
	assert.Contains(t, body, `"someKey":"Z2"`)
	assert.Contains(t, body, `"some_key":"keep"`)
	code, body = do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, `{"book":{"id":"1","metadata":{"a_b":"X"}},"updateMask":"metadata.a_b"}`)
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"a_b":"X"`)
	assert.Contains(t, body, `"some_key":"keep"`)
}

// TestJSONMaskSecondPassRefusesGarbage: a body with data after its JSON
// value is refused, and nothing written, also when its mask is one that
// protojson refuses and the server reads again (a map key in backticks).
func TestJSONMaskSecondPassRefusesGarbage(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")
	const js = "application/json"
	code, body := do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), js, "{\"book\":{\"id\":\"1\",\"title\":\"Changed\"},\"updateMask\":\"title,metadata.`x.y`\"} this is not json {{{")
	assert.Equal(t, 400, code, body)
	assert.Contains(t, body, "invalid value this")
	code, body = do(t, "POST", s.url("/v1/books:batchUpdate"), js, "{\"requests\":[{\"book\":{\"id\":\"1\",\"title\":\"Changed\"},\"updateMask\":\"title,metadata.`x.y`\"}]}{\"another\":1}")
	assert.Equal(t, 400, code, body)
	code, body = do(t, "GET", s.url("/v1/books/1"), "", "")
	require.Equal(t, 200, code, body)
	assert.Contains(t, body, `"title":"Dune"`, "nothing was written")
}
