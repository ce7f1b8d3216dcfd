package e2e_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"gorm.io/gorm"

	routesv1 "github.com/protoforge/protoforge/internal/e2e/gen/routes/v1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// runService is RunService, whose custom methods the user implements.
type runService struct {
	routesv1.UnimplementedRunServiceServer
}

func (runService) RunSpecial(_ context.Context, req *routesv1.RunSpecialRequest) (*routesv1.RunSpecialResponse, error) {
	return &routesv1.RunSpecialResponse{Ran: "projects/special/things/" + req.GetThing()}, nil
}

func (runService) ShowDefault(_ context.Context, req *routesv1.ShowDefaultRequest) (*routesv1.Thing, error) {
	return &routesv1.Thing{Name: "projects/" + req.GetProject() + "/things/default", DisplayName: "shown by RunService"}, nil
}

// TestRoutesAcrossServices serves on one port, on every database, the
// generated ThingService and RunService, whose custom methods' REST
// bindings have literals where ThingService's have "*": RunSpecial's POST
// of /v1/projects/special/things/{thing} and ShowDefault's GET of
// /v1/projects/{project}/things/default. The things of the project
// "special", and each project's thing "default", are read, updated and
// deleted over REST (vanguard's router answered 405: the literal path
// had routes of RunService's HTTP method only), and a request both
// services' bindings of its HTTP method match goes to the one with the
// literal (GET of a thing "default" is ShowDefault's).
func TestRoutesAcrossServices(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/routes/v1/schema", db.Dialector.Name()+".sql"))
		base, _ := serveGRPCREST(t, func(gs *grpc.Server) {
			routesv1.RegisterThingServiceServer(gs, routesv1.NewThingServiceCRUD(db))
			routesv1.RegisterRunServiceServer(gs, runService{})
		}, nil)
		call := func(method, path, body string) (int, map[string]any) {
			t.Helper()
			var r io.Reader
			if body != "" {
				r = strings.NewReader(body)
			}
			req, err := http.NewRequest(method, base+path, r)
			require.NoError(t, err)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			out := map[string]any{}
			require.NoError(t, json.Unmarshal(b, &out), "%s %s: %d %s", method, path, resp.StatusCode, b)
			return resp.StatusCode, out
		}

		// A thing of the project "special", beside RunSpecial's POST.
		code, got := call("POST", "/v1/projects/special/things?thingId=t1", `{"displayName":"A"}`)
		require.Equal(t, http.StatusOK, code, "%v", got)
		assert.Equal(t, "projects/special/things/t1", got["name"])
		code, got = call("GET", "/v1/projects/special/things/t1", "")
		require.Equal(t, http.StatusOK, code, "GetThing: %v", got)
		assert.Equal(t, map[string]any{"name": "projects/special/things/t1", "displayName": "A"}, got)
		code, got = call("PATCH", "/v1/projects/special/things/t1?updateMask=displayName", `{"displayName":"B"}`)
		require.Equal(t, http.StatusOK, code, "UpdateThing: %v", got)
		assert.Equal(t, "B", got["displayName"])
		code, got = call("POST", "/v1/projects/special/things/t1", `{}`)
		require.Equal(t, http.StatusOK, code, "RunSpecial: %v", got)
		assert.Equal(t, map[string]any{"ran": "projects/special/things/t1"}, got)
		code, got = call("PUT", "/v1/projects/special/things/t1", `{}`)
		assert.Equal(t, http.StatusMethodNotAllowed, code, "no binding takes PUT: %v", got)
		code, got = call("DELETE", "/v1/projects/special/things/t1", "")
		require.Equal(t, http.StatusOK, code, "DeleteThing: %v", got)
		code, got = call("GET", "/v1/projects/special/things/t1", "")
		assert.Equal(t, http.StatusNotFound, code, "deleted: %v", got)

		// A thing named "default", beside ShowDefault's GET: of the two
		// GET bindings that match, ShowDefault's has the literal.
		code, got = call("POST", "/v1/projects/p/things?thingId=default", `{"displayName":"D"}`)
		require.Equal(t, http.StatusOK, code, "%v", got)
		code, got = call("GET", "/v1/projects/p/things/default", "")
		require.Equal(t, http.StatusOK, code, "ShowDefault: %v", got)
		assert.Equal(t, map[string]any{"name": "projects/p/things/default", "displayName": "shown by RunService"}, got)
		code, got = call("PATCH", "/v1/projects/p/things/default?updateMask=displayName", `{"displayName":"E"}`)
		require.Equal(t, http.StatusOK, code, "UpdateThing: %v", got)
		assert.Equal(t, map[string]any{"name": "projects/p/things/default", "displayName": "E"}, got)
		code, got = call("GET", "/v1/projects/p/things", "")
		require.Equal(t, http.StatusOK, code, "ListThings: %v", got)
		assert.Equal(t, []any{map[string]any{"name": "projects/p/things/default", "displayName": "E"}}, got["things"])
		code, got = call("DELETE", "/v1/projects/p/things/default", "")
		require.Equal(t, http.StatusOK, code, "DeleteThing: %v", got)
		code, got = call("GET", "/v1/projects/p/things", "")
		require.Equal(t, http.StatusOK, code, "ListThings: %v", got)
		assert.Empty(t, got["things"], "deleted")
	})
}
