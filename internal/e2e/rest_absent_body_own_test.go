package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	datahubv1 "github.com/protoforge/protoforge/internal/e2e/gen/datahub/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/datahub/v1/datahubv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// ownCreate implements CreateOrganization itself, as a service overrides
// a generated method: it answers whether the request held an organization.
type ownCreate struct{ *datahubv1.DatahubServiceCRUD }

func (ownCreate) CreateOrganization(_ context.Context, req *datahubv1.CreateOrganizationRequest) (*datahubv1.Organization, error) {
	state := "present"
	if req.Organization == nil {
		state = "absent"
	}
	return &datahubv1.Organization{Name: "organizations/" + state}, nil
}

// TestRESTAbsentBodyOwnMethods: a method a service implements itself sees
// the field a REST binding's body names absent when the request has no
// body (nothing, white space, null), as over gRPC and Connect, behind
// connect-go with crudrt.RESTBodies and behind grpc-go with
// crudrt.GRPCServerOptions; `{}` is a present empty message. Without the
// interceptor, the transcoder's empty message reaches the method.
func TestRESTAbsentBodyOwnMethods(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/datahub/v1/schema", db.Dialector.Name()+".sql"))
		own := ownCreate{datahubv1.NewDatahubServiceCRUD(db)}
		connectREST := func(opts ...connect.HandlerOption) string {
			_, handler := datahubv1connect.NewDatahubServiceHandler(own, append(opts, connect.WithCodec(crudrt.JSON{}))...)
			srv := httptest.NewServer(datahubREST(t, handler))
			t.Cleanup(srv.Close)
			return srv.URL
		}
		grpcREST, _ := serveGRPCREST(t, func(gs *grpc.Server) { datahubv1.RegisterDatahubServiceServer(gs, own) }, nil, crudrt.GRPCServerOptions()...)
		bases := map[string]string{
			"REST to Connect": connectREST(connect.WithInterceptors(crudrt.RESTBodies())),
			"REST to gRPC":    grpcREST,
		}
		seen := func(base, body string) string {
			code, got := restCall(t, base, "POST", "/v1/organizations?organizationId=o9", body)
			require.Equal(t, http.StatusOK, code, got)
			var org struct{ Name string }
			require.NoError(t, json.Unmarshal([]byte(got), &org), got)
			return org.Name
		}
		for via, base := range bases {
			for _, body := range []string{"", " \n", "null", "\tnull "} {
				assert.Equal(t, "organizations/absent", seen(base, body), "%s, body %q", via, body)
			}
			assert.Equal(t, "organizations/present", seen(base, "{}"), via)
		}
		assert.Equal(t, "organizations/present", seen(connectREST(), ""), "REST to Connect without the interceptor")
	})
}
