package e2e_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
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
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base := serveWidgetsREST(t, db)
		create := func(body string, wantStatus int) {
			t.Helper()
			code, answer := openAPICall(t, doc, base, "POST", "/v1/widgets", map[string]string{}, nil, body, wantStatus == 200)
			require.Equal(t, wantStatus, code, "%s: %s", body, answer)
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
