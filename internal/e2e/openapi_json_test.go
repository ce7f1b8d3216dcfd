package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
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
	"google.golang.org/grpc"

	rulesv1 "github.com/protoforge/protoforge/internal/e2e/gen/rules/v1"
	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	jsonfilterv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/json_filter/want/jsonfilterv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// openAPICall sends a request to a REST server and checks it and the
// answer against doc: reqValid says whether the document takes the
// request, and the answer, whatever its status, must be one the
// document describes. It returns the status and the body.
func openAPICall(t *testing.T, doc *openapi3.T, base, method, path string, params map[string]string, query url.Values, body string, reqValid bool) (int, string) {
	t.Helper()
	ctx := context.Background()
	item := doc.Paths.Value(path)
	require.NotNil(t, item, "%s is documented", path)
	op := item.GetOperation(method)
	require.NotNil(t, op, "%s %s is documented", method, path)
	concrete := path
	for k, v := range params {
		concrete = strings.ReplaceAll(concrete, "{"+k+"}", v)
	}
	u := base + concrete
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	require.NoError(t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	route := &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route}
	if err := openapi3filter.ValidateRequest(ctx, in); reqValid {
		assert.NoError(t, err, "%s %s %s: the document takes the request", method, u, body)
	} else {
		assert.Error(t, err, "%s %s %s: the document refuses the request", method, u, body)
	}
	req.Body = io.NopCloser(strings.NewReader(body))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(b))}
	assert.NoError(t, openapi3filter.ValidateResponse(ctx, out), "%s %s: the answer %s", method, u, b)
	return resp.StatusCode, string(b)
}

// TestOpenAPIProtoJSONScalars: the document spells floats and enums as
// protojson reads and writes them: a float's NaN and infinities are the
// strings "NaN", "Infinity" and "-Infinity" (those the field's rules let
// through), and an enum is its value's name or its number (any number
// for an enum, open or closed, whose unknown numbers the server keeps
// and writes back as numbers).
func TestOpenAPIProtoJSONScalars(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/json_filter/want/jsonfilterv1/schema", db.Dialector.Name()+".sql"))
	base, _ := serveGRPCREST(t, func(gs *grpc.Server) {
		jsonfilterv1.RegisterGadgetServiceServer(gs, jsonfilterv1.NewGadgetServiceCRUD(db))
	}, jsonfilterv1.GadgetServiceRESTRules())
	doc, err := openapi3.NewLoader().LoadFromData(jsonfilterv1.GadgetServiceOpenAPI())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	none := map[string]string{}
	for _, body := range []string{
		`{"name":"a","spec":{"color":7,"weight":"NaN","mode":1}}`,
		`{"name":"b","spec":{"color":"RED","weight":"Infinity"}}`,
		`{"name":"c","spec":{"weight":"-Infinity"}}`,
		`{"name":"d","conf":{"level":"LOW","level2":2}}`,
	} {
		code, _ := openAPICall(t, doc, base, "POST", "/v1/gadgets", none, nil, body, true)
		assert.Equal(t, 200, code, body)
	}
	code, got := openAPICall(t, doc, base, "GET", "/v1/gadgets/{id}", map[string]string{"id": "1"}, nil, "", true)
	assert.Equal(t, 200, code)
	assert.Contains(t, got, `"color":7`, "an unknown number of an open enum is kept")
	assert.Contains(t, got, `"NaN"`)
	code, _ = openAPICall(t, doc, base, "GET", "/v1/gadgets", none, url.Values{"page_size": {"10"}}, "", true)
	assert.Equal(t, 200, code)
	// protojson keeps an unknown number of a closed enum too.
	code, got = openAPICall(t, doc, base, "POST", "/v1/gadgets", none, nil, `{"name":"e","conf":{"level":3}}`, true)
	assert.Equal(t, 200, code)
	assert.Contains(t, got, `"level":3`)

	// Rules: an exclusive range takes both infinities, never NaN.
	wdoc, err := openapi3.NewLoader().LoadFromData(rulesv1.WidgetServiceOpenAPI())
	require.NoError(t, err)
	wbase := serveWidgetsREST(t, testdb.Open(t, testdb.SQLite))
	const valid = `"name":"abc","n":1,"fixed":"f","lo":1,"hi":2,"label":"l"`
	for _, ratio := range []string{`"Infinity"`, `"-Infinity"`} {
		code, _ := openAPICall(t, wdoc, wbase, "POST", "/v1/widgets", none, nil, `{`+valid+`,"ratio":`+ratio+`}`, true)
		assert.Equal(t, 200, code, ratio)
	}
	code, _ = openAPICall(t, wdoc, wbase, "POST", "/v1/widgets", none, nil, `{`+valid+`,"ratio":"NaN"}`, false)
	assert.Equal(t, 400, code)
}

// TestOpenAPIOneof: protojson refuses an object that sets two members of
// a oneof, and so does the document; one member, the others absent or
// null, is taken by both.
func TestOpenAPIOneof(t *testing.T) {
	base, _ := serveNested(t, testdb.Open(t, testdb.SQLite))
	doc, err := openapi3.NewLoader().LoadFromData(nestedv1.NestedServiceOpenAPI())
	require.NoError(t, err)
	code, body := openAPICall(t, doc, base, "POST", "/v1/publishers", map[string]string{}, url.Values{"publisher_id": {"p"}}, `{"displayName":"P"}`, true)
	require.Equal(t, 200, code, body)
	code, body = openAPICall(t, doc, base, "POST", "/v1/publishers/{publisher}/shelves", map[string]string{"publisher": "p"}, url.Values{"shelf_id": {"s"}}, `{}`, true)
	require.Equal(t, 200, code, body)
	shelf := map[string]string{"publisher": "p", "shelf": "s"}
	const books = "/v1/publishers/{publisher}/shelves/{shelf}/books"
	for id, c := range map[string]struct {
		body string
		code int
	}{
		"a": {`{"title":"T","printRun":"3"}`, 200},
		"b": {`{"title":"T","printRun":"3","ebook":null}`, 200},
		"c": {`{"title":"T","printRun":"3","ebook":{"format":"pdf"}}`, 400},
	} {
		code, body := openAPICall(t, doc, base, "POST", books, shelf, url.Values{"book_id": {id}}, c.body, c.code == 200)
		assert.Equal(t, c.code, code, "%s: %s", c.body, body)
	}
}

// TestOpenAPIPartial: REQUIRED fields are required where the whole
// resource is sent (create), and not where a mask leaves them out: the
// body of an update that names other fields, and an answer under a read
// mask.
func TestOpenAPIPartial(t *testing.T) {
	base, _ := serveNested(t, testdb.Open(t, testdb.SQLite))
	doc, err := openapi3.NewLoader().LoadFromData(nestedv1.NestedServiceOpenAPI())
	require.NoError(t, err)
	none := map[string]string{}
	code, body := openAPICall(t, doc, base, "POST", "/v1/publishers", none, url.Values{"publisher_id": {"p"}}, `{"displayName":"P"}`, true)
	require.Equal(t, 200, code, body)
	code, body = openAPICall(t, doc, base, "POST", "/v1/publishers/{publisher}/shelves", map[string]string{"publisher": "p"}, url.Values{"shelf_id": {"s"}}, `{}`, true)
	require.Equal(t, 200, code, body)
	shelf := map[string]string{"publisher": "p", "shelf": "s"}
	book := map[string]string{"publisher": "p", "shelf": "s", "book": "b"}
	code, body = openAPICall(t, doc, base, "POST", "/v1/publishers/{publisher}/shelves/{shelf}/books", shelf, url.Values{"book_id": {"x"}}, `{"pages":"3"}`, false)
	require.Equal(t, 400, code, body)
	code, body = openAPICall(t, doc, base, "POST", "/v1/publishers/{publisher}/shelves/{shelf}/books", shelf, url.Values{"book_id": {"b"}}, `{"title":"T","pages":"3"}`, true)
	require.Equal(t, 200, code, body)
	code, body = openAPICall(t, doc, base, "PATCH", "/v1/publishers/{publisher}/shelves/{shelf}/books/{book}", book, url.Values{"update_mask": {"pages"}}, `{"pages":"4"}`, true)
	require.Equal(t, 200, code, body)
	// With the mask *, the same body lacks a REQUIRED field: the schema
	// cannot say so, the description does, and the server names it.
	code, body = openAPICall(t, doc, base, "PATCH", "/v1/publishers/{publisher}/shelves/{shelf}/books/{book}", book, url.Values{"update_mask": {"*"}}, `{"pages":"4"}`, true)
	require.Equal(t, 400, code, body)
	assert.Contains(t, body, "book.title")
	patch := doc.Paths.Value("/v1/publishers/{publisher}/shelves/{shelf}/books/{book}").Patch.RequestBody.Value
	assert.Contains(t, patch.Description, "An update mask of `*` replaces the whole resource (AIP-134): its REQUIRED fields are required then")
	code, body = openAPICall(t, doc, base, "POST", "/v1/publishers/{publisher}/shelves/{shelf}/books:batchUpdate", shelf, nil,
		`{"requests":[{"book":{"name":"publishers/p/shelves/s/books/b","pages":"5"},"updateMask":"pages"}]}`, true)
	require.Equal(t, 200, code, body)
	code, body = openAPICall(t, doc, base, "GET", "/v1/publishers/{publisher}/shelves/{shelf}/books/{book}", book, url.Values{"read_mask": {"pages"}}, "", true)
	require.Equal(t, 200, code, body)
	// The answer as protojson writes it without unpopulated fields (the
	// example's codec): the masked fields only.
	for path, answer := range map[string]string{
		"/v1/publishers/{publisher}/shelves/{shelf}/books/{book}": `{"pages":"5"}`,
		"/v1/publishers/{publisher}/shelves/{shelf}/books":        `{"books":[{"pages":"5"}]}`,
	} {
		schema := doc.Paths.Value(path).Get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
		var v any
		require.NoError(t, json.Unmarshal([]byte(answer), &v))
		assert.NoError(t, schema.VisitJSON(v, openapi3.VisitAsResponse()), "%s answers %s under a read mask", path, answer)
	}
}
