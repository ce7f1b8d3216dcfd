package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	lrov1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_patterns_lro/want/aippatternslrov1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestSeveralPatternsLongRunning: the long-running standard methods
// (AIP-151) of a resource of two patterns (AIP-123) answer done operations
// whose response and target are the workflow of the pattern the request
// names, over gRPC and over the REST routes of both patterns, on every
// database; rows of the other pattern with the same ids are not touched.
func TestSeveralPatternsLongRunning(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_patterns_lro/want/aippatternslrov1/schema", db.Dialector.Name()+".sql"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			lrov1.RegisterWorkflowServiceServer(gs, lrov1.NewWorkflowServiceCRUD(db))
		}, lrov1.WorkflowServiceRESTRules())
		c := lrov1.NewWorkflowServiceClient(conn)
		ctx := context.Background()
		get := func(t *testing.T, name string) (*lrov1.Workflow, error) {
			t.Helper()
			return c.GetWorkflow(ctx, &lrov1.GetWorkflowRequest{Name: name})
		}

		// Create under a parent of each pattern, with the same ids.
		parents := []string{"projects/p/locations/l", "folders/p"}
		var made []*lrov1.Workflow
		for i, p := range parents {
			req := &lrov1.CreateWorkflowRequest{Parent: p, WorkflowId: "w", Workflow: &lrov1.Workflow{Source: "main: " + p}, RequestId: []string{"0f5e7a52-4c1e-4d6a-9a57-6c3c8f5b1d01", "0f5e7a52-4c1e-4d6a-9a57-6c3c8f5b1d02"}[i]}
			op, err := c.CreateWorkflow(ctx, req)
			require.NoError(t, err, "%s", p)
			w := &lrov1.Workflow{}
			meta := checkOperationOf(t, op, w, &lrov1.OperationMetadata{}, "create")
			assert.Equal(t, p+"/workflows/w", w.Name)
			assert.Equal(t, p+"/workflows/w", meta.Target)
			got, err := get(t, w.Name)
			require.NoError(t, err)
			assert.True(t, proto.Equal(w, got), "the operation's response is what is stored:\n%v\n%v", w, got)
			made = append(made, w)

			// AIP-155: the repeat gets the recorded operation.
			again, err := c.CreateWorkflow(ctx, req)
			require.NoError(t, err)
			assert.True(t, proto.Equal(op, again), "a repeated request_id gets the first operation:\n%v\n%v", op, again)
		}
		_, err := c.CreateWorkflow(ctx, &lrov1.CreateWorkflowRequest{Parent: "folders/p", WorkflowId: "w", Workflow: &lrov1.Workflow{Source: "s"}})
		assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
		_, err = c.CreateWorkflow(ctx, &lrov1.CreateWorkflowRequest{Parent: "projects/p", WorkflowId: "v", Workflow: &lrov1.Workflow{Source: "s"}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "a parent of no pattern: %v", err)
		assert.Equal(t, []string{"parent"}, grpcViolationFields(t, err))

		// Update the folder's: the project's keeps its fields.
		op, err := c.UpdateWorkflow(ctx, &lrov1.UpdateWorkflowRequest{Workflow: &lrov1.Workflow{Name: made[1].Name, Description: "d"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
		require.NoError(t, err)
		up := &lrov1.Workflow{}
		meta := checkOperationOf(t, op, up, &lrov1.OperationMetadata{}, "update")
		assert.Equal(t, made[1].Name, meta.Target)
		assert.Equal(t, "d", up.Description)
		assert.Equal(t, made[1].Source, up.Source)
		got, err := get(t, made[0].Name)
		require.NoError(t, err)
		assert.Empty(t, got.Description, "the other pattern's row is not updated")
		_, err = c.UpdateWorkflow(ctx, &lrov1.UpdateWorkflowRequest{Workflow: &lrov1.Workflow{Name: "folders/p/workflows/none", Description: "d"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		_, err = c.UpdateWorkflow(ctx, &lrov1.UpdateWorkflowRequest{Workflow: &lrov1.Workflow{Name: "projects/p/workflows/w", Description: "d"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "a name of no pattern: %v", err)

		// Delete the project's: the folder's stays.
		_, err = c.DeleteWorkflow(ctx, &lrov1.DeleteWorkflowRequest{Name: made[0].Name, Etag: "stale"})
		assert.Equal(t, codes.Aborted, status.Code(err), "%v", err)
		op, err = c.DeleteWorkflow(ctx, &lrov1.DeleteWorkflowRequest{Name: made[0].Name})
		require.NoError(t, err)
		meta = checkOperationOf(t, op, &emptypb.Empty{}, &lrov1.OperationMetadata{}, "delete")
		assert.Equal(t, made[0].Name, meta.Target)
		_, err = get(t, made[0].Name)
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		_, err = get(t, made[1].Name)
		require.NoError(t, err)

		// REST: the routes of both patterns answer operations in JSON.
		for _, p := range parents {
			var js struct {
				Name     string
				Done     bool
				Response map[string]any
				Metadata map[string]any
			}
			operation := func(resp *http.Response, body []byte, verb string) {
				t.Helper()
				require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
				js.Response, js.Metadata = nil, nil
				require.NoError(t, json.Unmarshal(body, &js), "%s", body)
				assert.True(t, js.Done, "%s", body)
				assert.True(t, strings.HasPrefix(js.Name, "operations/"), "%s", body)
				assert.Equal(t, verb, js.Metadata["verb"], "%s", body)
				assert.Equal(t, p+"/workflows/r", js.Metadata["target"], "%s", body)
			}
			resp, body := restDo(t, http.MethodPost, base+"/v1/"+p+"/workflows?workflow_id=r", `{"source":"s"}`)
			operation(resp, body, "create")
			assert.Equal(t, "type.googleapis.com/aippatternslro.v1.Workflow", js.Response["@type"], "%s", body)
			assert.Equal(t, p+"/workflows/r", js.Response["name"], "%s", body)
			resp, body = restDo(t, http.MethodPatch, base+"/v1/"+p+"/workflows/r?update_mask=description", `{"description":"rest"}`)
			operation(resp, body, "update")
			assert.Equal(t, "rest", js.Response["description"], "%s", body)
			resp, body = restDo(t, http.MethodGet, base+"/v1/"+p+"/workflows/r", "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			assert.Contains(t, string(body), `"description":"rest"`)
			resp, body = restDo(t, http.MethodDelete, base+"/v1/"+p+"/workflows/r", "")
			operation(resp, body, "delete")
			resp, body = restDo(t, http.MethodGet, base+"/v1/"+p+"/workflows/r", "")
			require.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", body)
		}

		// BatchDelete of names of one pattern, under its parent, in one
		// operation; a name of the other pattern is refused.
		for _, id := range []string{"b1", "b2"} {
			for _, p := range parents {
				_, err := c.CreateWorkflow(ctx, &lrov1.CreateWorkflowRequest{Parent: p, WorkflowId: id, Workflow: &lrov1.Workflow{Source: "s"}})
				require.NoError(t, err)
			}
		}
		_, err = c.BatchDeleteWorkflows(ctx, &lrov1.BatchDeleteWorkflowsRequest{Parent: "folders/p", Names: []string{"folders/p/workflows/b1", "projects/p/locations/l/workflows/b2"}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "a name under another parent: %v", err)
		op, err = c.BatchDeleteWorkflows(ctx, &lrov1.BatchDeleteWorkflowsRequest{Parent: "projects/p/locations/-", Names: []string{"projects/p/locations/l/workflows/b1", "projects/p/locations/l/workflows/b2"}})
		require.NoError(t, err)
		checkOperationOf(t, op, &emptypb.Empty{}, &lrov1.OperationMetadata{}, "batchDelete")
		lr, err := c.ListWorkflows(ctx, &lrov1.ListWorkflowsRequest{Parent: "projects/p/locations/l"})
		require.NoError(t, err)
		assert.Empty(t, namesOf(lr.Workflows))
		lr, err = c.ListWorkflows(ctx, &lrov1.ListWorkflowsRequest{Parent: "folders/p"})
		require.NoError(t, err)
		assert.Equal(t, []string{"folders/p/workflows/b1", "folders/p/workflows/b2", made[1].Name}, namesOf(lr.Workflows))
	})
}
