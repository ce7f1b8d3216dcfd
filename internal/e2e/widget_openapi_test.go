package e2e_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"gorm.io/gorm"

	rulesv1 "github.com/protoforge/protoforge/internal/e2e/gen/rules/v1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestWidgetOpenAPI: over REST, the widgets the server accepts and the
// answers it gives validate against the OpenAPI document, zero values the
// rules ignore included, and the widgets it refuses for their rules do
// not.
func TestWidgetOpenAPI(t *testing.T) {
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(rulesv1.WidgetServiceOpenAPI())
	require.NoError(t, err)
	require.NoError(t, doc.Validate(ctx))
	const path = "/v1/widgets"
	item := doc.Paths.Value(path)
	require.NotNil(t, item, "%s is documented", path)
	route := &routers.Route{Spec: doc, Path: path, PathItem: item, Method: "POST", Operation: item.Post}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base := serveWidgetsREST(t, db)
		create := func(body string, wantStatus int) {
			t.Helper()
			req, err := http.NewRequest("POST", base+path, strings.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: map[string]string{}, Route: route}
			err = openapi3filter.ValidateRequest(ctx, in)
			if wantStatus == 200 {
				require.NoError(t, err, "the document accepts %s, which the server accepts", body)
			} else {
				require.Error(t, err, "the document refuses %s, which the server refuses", body)
			}
			req.Body = io.NopCloser(strings.NewReader(body))
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			require.Equal(t, wantStatus, resp.StatusCode, "%s: %s", body, b)
			out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
				Body: io.NopCloser(bytes.NewReader(b))}
			assert.NoError(t, openapi3filter.ValidateResponse(ctx, out), "the answer %s", b)
		}
		const valid = `"name":"abc","n":1,"fixed":"f","lo":1,"hi":2,"label":"l"`
		// Without the fields whose rules ignore the zero value, and with
		// their zero values spelt out, as a client that writes every field
		// sends them; the answers hold them too.
		create(`{`+valid+`}`, 200)
		create(`{`+valid+`,"opt":"","code":"","rank":0,"big":"0","ratio":0,"legacy":"","loose":""}`, 200)
		create(`{`+valid+`,"opt":"abc","code":"abcd","rank":10,"big":"101","ratio":-1,"legacy":"ab","loose":"x","maybe":"abc"}`, 200)
		create(`{`+valid+`,"ratio":1}`, 200)
		for _, bad := range []string{`"opt":"ab"`, `"code":"abc"`, `"rank":9`, `"ratio":0.5`, `"legacy":"a"`, `"maybe":""`} {
			create(`{`+valid+`,`+bad+`}`, 400)
		}
	})
}

// serveWidgetsREST serves the generated WidgetService on db over REST (its
// default routes) and returns the base URL.
func serveWidgetsREST(t *testing.T, db *gorm.DB) string {
	t.Helper()
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/rules/v1/schema", db.Dialector.Name()+".sql"))
	base, _ := serveGRPCREST(t, func(gs *grpc.Server) {
		rulesv1.RegisterWidgetServiceServer(gs, rulesv1.NewWidgetServiceCRUD(db))
	}, rulesv1.WidgetServiceRESTRules())
	return base
}
