package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"gorm.io/gorm"

	datahubv1 "github.com/protoforge/protoforge/internal/e2e/gen/datahub/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestRESTAbsentBody: over REST, a binding whose body is one field
// (`body: "project"`) and a request without a body (or with white space
// only, or a JSON null) is that field absent, as a gRPC or Connect request without it:
// the same InvalidArgument, the same message and field, on Create, on
// Update whose URL path names the resource inside the body's field
// (`{project.name=…}`), and on a singleton's Update, where the
// transcoder created an empty resource or updated nothing; through the
// transcoder to Connect handlers and to a grpc-go server. `{}` is a
// present, empty message. On every database.
func TestRESTAbsentBody(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, cs := serveDatahub(t, db)
		ctx := context.Background()
		datahubFixture(t, cs["grpc"])
		// REST to Connect (the example's way), and REST to grpc-go.
		grpcBase, _ := serveGRPCREST(t, func(gs *grpc.Server) {
			datahubv1.RegisterDatahubServiceServer(gs, datahubv1.NewDatahubServiceCRUD(db))
		}, nil)
		bases := map[string]string{"REST to Connect": base, "REST to gRPC": grpcBase}
		for _, tc := range []struct {
			method, path string
			call         func(c datahubv1.DatahubServiceClient) error
		}{
			{"POST", "/v1/organizations?organizationId=o9", func(c datahubv1.DatahubServiceClient) error {
				_, err := c.CreateOrganization(ctx, &datahubv1.CreateOrganizationRequest{OrganizationId: "o9"})
				return err
			}},
			{"POST", "/v1/organizations/o1/projects?projectId=p9", func(c datahubv1.DatahubServiceClient) error {
				_, err := c.CreateProject(ctx, &datahubv1.CreateProjectRequest{Parent: "organizations/o1", ProjectId: "p9"})
				return err
			}},
			{"PATCH", "/v1/organizations/o1/projects/p1", func(c datahubv1.DatahubServiceClient) error {
				_, err := c.UpdateProject(ctx, &datahubv1.UpdateProjectRequest{})
				return err
			}},
			{"PATCH", "/v1/organizations/o1/projects/p1/config", func(c datahubv1.DatahubServiceClient) error {
				_, err := c.UpdateProjectConfig(ctx, &datahubv1.UpdateProjectConfigRequest{})
				return err
			}},
		} {
			var want rpcRefusal
			for _, p := range []string{"grpc", "connect-json", "connect-proto"} {
				r := refusalOf(t, tc.call(cs[p]))
				require.Equal(t, codes.InvalidArgument, r.code, "%s %s over %s: %s", tc.method, tc.path, p, r.msg)
				if p == "grpc" {
					want = r
					continue
				}
				assert.Equal(t, want, r, "%s %s over %s", tc.method, tc.path, p)
			}
			for _, body := range []string{"", " ", "\r\n\t ", "null", " null\n"} {
				for via, base := range bases {
					code, got := restCall(t, base, tc.method, tc.path, body)
					assert.Equal(t, http.StatusBadRequest, code, "%s: %s %s, body %q: %s", via, tc.method, tc.path, body, got)
					var st struct {
						Code    codes.Code `json:"code"`
						Message string     `json:"message"`
						Details []struct {
							FieldViolations []struct{ Field string } `json:"fieldViolations"`
						} `json:"details"`
					}
					require.NoError(t, json.Unmarshal([]byte(got), &st), got)
					assert.Equal(t, want.code, st.Code, "%s: %s %s, body %q: %s", via, tc.method, tc.path, body, got)
					assert.Equal(t, want.msg, st.Message, "%s: %s %s, body %q", via, tc.method, tc.path, body)
					var fields []string
					for _, d := range st.Details {
						for _, fv := range d.FieldViolations {
							fields = append(fields, fv.Field)
						}
					}
					assert.Equal(t, want.fields, fields, "%s: %s %s, body %q", via, tc.method, tc.path, body)
				}
			}
		}
		// `{}` is a present, empty resource: Create refuses what it lacks
		// inside it, Update of nothing answers the resource.
		for via, base := range bases {
			code, got := restCall(t, base, "POST", "/v1/organizations/o1/projects?projectId=p9", "{}")
			assert.Equal(t, http.StatusBadRequest, code, "%s: %s", via, got)
			assert.Contains(t, got, `"field":"project.display_name"`, via)
			code, got = restCall(t, base, "PATCH", "/v1/organizations/o1/projects/p1", "{}")
			assert.Equal(t, http.StatusOK, code, "%s: %s", via, got)
			assert.Contains(t, got, `"name":"organizations/o1/projects/p1"`, via)
		}
		// Nothing was created.
		_, err := cs["grpc"].GetProject(ctx, &datahubv1.GetProjectRequest{Name: "organizations/o1/projects/p9"})
		assert.Equal(t, codes.NotFound, refusalOf(t, err).code)
		_, err = cs["grpc"].GetOrganization(ctx, &datahubv1.GetOrganizationRequest{Name: "organizations/o9"})
		assert.Equal(t, codes.NotFound, refusalOf(t, err).code)
	})
}
