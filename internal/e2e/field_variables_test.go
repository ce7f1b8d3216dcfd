package e2e_test

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	varsv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_field_variables/want/aipfieldvariablesv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestFieldsNamedLikeVariables serves resources with fields named like
// the variables of their names (Cloud Run v2's Execution.job, in
// "…/jobs/{job}/executions/{execution}") on every database: the name and
// the field are kept apart, the parent is still a key, and both are
// filtered and updated on their own. An output-only `id` beside a name
// under a parent is an ordinary field: the name is the key.
func TestFieldsNamedLikeVariables(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveVariables(t, db)
		ctx := context.Background()
		const loc = "projects/p/locations/l"
		for _, id := range []string{"j1", "j2"} {
			_, err := c.CreateJob(ctx, &varsv1.CreateJobRequest{Parent: loc, JobId: id, Job: &varsv1.Job{DisplayName: id}})
			require.NoError(t, err)
		}
		j1, j2 := loc+"/jobs/j1", loc+"/jobs/j2"
		e, err := c.CreateExecution(ctx, &varsv1.CreateExecutionRequest{Parent: j1, ExecutionId: "e1", Execution: &varsv1.Execution{Job: "evil", Project: "the client's", Attempt: 1}})
		require.NoError(t, err)
		assert.Equal(t, j1+"/executions/e1", e.Name)
		assert.Empty(t, e.Job, "job is OUTPUT_ONLY")
		assert.Equal(t, "the client's", e.Project, "the field, not the name's variable")
		assert.Empty(t, e.Id, "id is OUTPUT_ONLY, and the name is the key")
		_, err = c.CreateExecution(ctx, &varsv1.CreateExecutionRequest{Parent: j2, ExecutionId: "e1", Execution: &varsv1.Execution{Project: "other"}})
		require.NoError(t, err, "the same id under another job")
		got, err := c.GetExecution(ctx, &varsv1.GetExecutionRequest{Name: e.Name})
		require.NoError(t, err)
		assert.True(t, proto.Equal(e, got), "Get: %v, created: %v", got, e)

		list, err := c.ListExecutions(ctx, &varsv1.ListExecutionsRequest{Parent: j1})
		require.NoError(t, err)
		require.Len(t, list.Executions, 1)
		list, err = c.ListExecutions(ctx, &varsv1.ListExecutionsRequest{Parent: loc + "/jobs/-", Filter: `project = "other"`})
		require.NoError(t, err)
		require.Len(t, list.Executions, 1)
		assert.Equal(t, j2+"/executions/e1", list.Executions[0].Name)
		list, err = c.ListExecutions(ctx, &varsv1.ListExecutionsRequest{Parent: loc + "/jobs/-", OrderBy: "name desc"})
		require.NoError(t, err)
		require.Len(t, list.Executions, 2)
		assert.Equal(t, j2+"/executions/e1", list.Executions[0].Name)

		up, err := c.UpdateExecution(ctx, &varsv1.UpdateExecutionRequest{Execution: &varsv1.Execution{Name: e.Name, Project: "renamed", Attempt: 9}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"project"}}})
		require.NoError(t, err)
		assert.Equal(t, "renamed", up.Project)
		assert.Equal(t, int32(1), up.Attempt)
		assert.Equal(t, e.Name, up.Name)

		// The last variable too: a comment's text is `comment`.
		cm, err := c.CreateComment(ctx, &varsv1.CreateCommentRequest{Parent: j1, CommentId: "c1", Comment: &varsv1.Comment{Comment: "looks good"}})
		require.NoError(t, err)
		assert.Equal(t, j1+"/comments/c1", cm.Name)
		assert.Equal(t, "looks good", cm.Comment)
		uc, err := c.UpdateComment(ctx, &varsv1.UpdateCommentRequest{Comment: &varsv1.Comment{Name: cm.Name, Comment: "ship it"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"comment"}}})
		require.NoError(t, err)
		assert.Equal(t, "ship it", uc.Comment)
		comments, err := c.ListComments(ctx, &varsv1.ListCommentsRequest{Parent: j1, Filter: `comment = "ship it"`})
		require.NoError(t, err)
		require.Len(t, comments.Comments, 1)
		assert.Equal(t, cm.Name, comments.Comments[0].Name)

		// The job keeps its children (AIP-135) until force.
		_, err = c.DeleteJob(ctx, &varsv1.DeleteJobRequest{Name: j1})
		assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
		_, err = c.DeleteJob(ctx, &varsv1.DeleteJobRequest{Name: j1, Force: true})
		require.NoError(t, err)
		_, err = c.GetExecution(ctx, &varsv1.GetExecutionRequest{Name: e.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		_, err = c.GetComment(ctx, &varsv1.GetCommentRequest{Name: cm.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		_, err = c.GetExecution(ctx, &varsv1.GetExecutionRequest{Name: j2 + "/executions/e1"})
		require.NoError(t, err, "another job's execution stays")
	})
}

// TestUpdateWithoutMask: an Update whose request has no update_mask, as
// Cloud Run v2's, supports full replacement only (AIP-134): every field
// the client may write takes the request's value, over gRPC and REST, on
// every database.
func TestUpdateWithoutMask(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveVariables(t, db)
		ctx := context.Background()
		const loc = "projects/p/locations/l"
		j, err := c.CreateJob(ctx, &varsv1.CreateJobRequest{Parent: loc, JobId: "j", Job: &varsv1.Job{DisplayName: "J", Description: "first"}})
		require.NoError(t, err)
		up, err := c.UpdateJob(ctx, &varsv1.UpdateJobRequest{Job: &varsv1.Job{Name: j.Name, DisplayName: "J2"}})
		require.NoError(t, err)
		assert.Equal(t, "J2", up.DisplayName)
		assert.Empty(t, up.Description, "replaced: the request has none")
		_, err = c.UpdateJob(ctx, &varsv1.UpdateJobRequest{Job: &varsv1.Job{Name: j.Name, Description: "checked only"}, ValidateOnly: true})
		require.NoError(t, err)
		got, err := c.GetJob(ctx, &varsv1.GetJobRequest{Name: j.Name})
		require.NoError(t, err)
		assert.True(t, proto.Equal(up, got), "Get: %v, updated: %v", got, up)
		_, err = c.UpdateJob(ctx, &varsv1.UpdateJobRequest{Job: &varsv1.Job{Name: loc + "/jobs/nothing"}})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

		req, err := http.NewRequest(http.MethodPatch, base+"/v1/"+j.Name, strings.NewReader(`{"description":"over REST"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		rest := &varsv1.Job{}
		require.NoError(t, protojson.Unmarshal(body, rest))
		assert.Equal(t, "over REST", rest.Description)
		assert.Empty(t, rest.DisplayName, "replaced")
	})
}

// serveVariables applies the aip_field_variables schema to db and serves
// it over gRPC and REST (its default routes): the REST base URL and a
// gRPC client.
func serveVariables(t *testing.T, db *gorm.DB) (string, varsv1.JobServiceClient) {
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_field_variables/want/aipfieldvariablesv1/schema", db.Dialector.Name()+".sql"))
	base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
		varsv1.RegisterJobServiceServer(gs, varsv1.NewJobServiceCRUD(db))
	}, varsv1.JobServiceRESTRules())
	return base, varsv1.NewJobServiceClient(conn)
}
