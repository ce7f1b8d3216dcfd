package e2e_test

import (
	"context"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	workflowsv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/workflows"
)

// TestPublicWorkflows serves Google Cloud Workflows
// (google/cloud/workflows/v1, unchanged) on every database, over gRPC and
// over REST through its own google.api.http annotations: workflows under a
// project and location, written by long-running Create, Update and Delete
// (AIP-151), with tags that are INPUT_ONLY and IMMUTABLE (AIP-203).
func TestPublicWorkflows(t *testing.T) {
	servePublic(t, "workflows", func(gs *grpc.Server, db *gorm.DB) {
		workflowsv1.RegisterWorkflowsServer(gs, workflowsv1.NewWorkflowsCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		workflowsScenario(t, workflowsv1.NewWorkflowsClient(cc), tag)
	})
}

// workflowsScenario runs the standard methods of Cloud Workflows through
// c, under a location of its own (tag tells the transports apart).
func workflowsScenario(t *testing.T, c workflowsv1.WorkflowsClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-central1"
	list := func(t *testing.T, req *workflowsv1.ListWorkflowsRequest) []string {
		return pageNames(t, func(token string) ([]*workflowsv1.Workflow, string, error) {
			q := proto.Clone(req).(*workflowsv1.ListWorkflowsRequest)
			q.PageSize, q.PageToken = 1, token
			r, err := c.ListWorkflows(ctx, q)
			return r.GetWorkflows(), r.GetNextPageToken(), err
		})
	}
	create := func(id, desc string) *workflowsv1.Workflow {
		t.Helper()
		op, err := c.CreateWorkflow(ctx, &workflowsv1.CreateWorkflowRequest{Parent: loc, WorkflowId: id, Workflow: &workflowsv1.Workflow{
			Name:         "projects/evil/locations/evil/workflows/evil",
			Description:  desc,
			State:        workflowsv1.Workflow_UNAVAILABLE,
			Labels:       map[string]string{"env": "test"},
			SourceCode:   &workflowsv1.Workflow_SourceContents{SourceContents: "main:\n  steps:\n    - done:\n        return: " + id},
			CallLogLevel: workflowsv1.Workflow_LOG_ERRORS_ONLY,
			UserEnvVars:  map[string]string{"A": "1"},
			Tags:         map[string]string{"tagKeys/1": "tagValues/2"},
			AllKmsKeys:   []string{"evil"},
		}})
		require.NoError(t, err)
		w := &workflowsv1.Workflow{}
		meta := workflowsDone(t, op, w, "create")
		assert.Equal(t, loc+"/workflows/"+id, w.Name)
		assert.Equal(t, w.Name, meta.Target)
		return w
	}
	w1, w2, w3 := create("wf-b", "two"), create("wf-a", "one"), create("wf-c", "three")
	assert.Equal(t, "one", w2.Description)
	assert.Equal(t, workflowsv1.Workflow_STATE_UNSPECIFIED, w1.State, "state is OUTPUT_ONLY")
	assert.Empty(t, w1.AllKmsKeys, "all_kms_keys is OUTPUT_ONLY")
	assert.Empty(t, w1.Tags, "tags are INPUT_ONLY: no response holds them")
	assert.NotNil(t, w1.CreateTime)
	assert.NotNil(t, w1.UpdateTime)
	got, err := c.GetWorkflow(ctx, &workflowsv1.GetWorkflowRequest{Name: w1.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(w1, got), "Get: %v, created: %v", got, w1)
	assert.Contains(t, got.GetSourceContents(), "return: wf-b")
	_, err = c.GetWorkflow(ctx, &workflowsv1.GetWorkflowRequest{Name: w1.Name, RevisionId: "000001-a4d"})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "revision_id is not served: %v", err)
	_, err = c.GetWorkflow(ctx, &workflowsv1.GetWorkflowRequest{Name: loc + "/workflows/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Create refuses what AIP-133 refuses.
	_, err = c.CreateWorkflow(ctx, &workflowsv1.CreateWorkflowRequest{Parent: loc, WorkflowId: "wf-a", Workflow: &workflowsv1.Workflow{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "the same workflow_id twice: %v", err)
	_, err = c.CreateWorkflow(ctx, &workflowsv1.CreateWorkflowRequest{Parent: loc, WorkflowId: "no such id", Workflow: &workflowsv1.Workflow{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "an id that is not one: %v", err)

	// List: pages, filter, order_by.
	assert.ElementsMatch(t, []string{w1.Name, w2.Name, w3.Name}, list(t, &workflowsv1.ListWorkflowsRequest{Parent: loc}))
	assert.Equal(t, []string{w2.Name, w1.Name, w3.Name}, list(t, &workflowsv1.ListWorkflowsRequest{Parent: loc, OrderBy: "name"}))
	assert.Equal(t, []string{w3.Name, w2.Name, w1.Name}, list(t, &workflowsv1.ListWorkflowsRequest{Parent: loc, OrderBy: "create_time desc"}))
	assert.Equal(t, []string{w1.Name}, list(t, &workflowsv1.ListWorkflowsRequest{Parent: loc, Filter: `description = "two"`}))
	assert.Equal(t, []string{w2.Name, w3.Name}, list(t, &workflowsv1.ListWorkflowsRequest{Parent: loc, Filter: `description != "two"`, OrderBy: "description"}))
	assert.ElementsMatch(t, []string{w1.Name, w2.Name, w3.Name}, list(t, &workflowsv1.ListWorkflowsRequest{Parent: loc, Filter: `labels.env = "test"`}))
	_, err = c.ListWorkflows(ctx, &workflowsv1.ListWorkflowsRequest{Parent: loc, Filter: `tags:*`})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "INPUT_ONLY tags cannot be filtered on: %v", err)

	// Update is long-running too, and writes the mask's fields only.
	op, err := c.UpdateWorkflow(ctx, &workflowsv1.UpdateWorkflowRequest{
		Workflow:   &workflowsv1.Workflow{Name: w1.Name, Description: "two, revised", ServiceAccount: "not in the mask"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}},
	})
	require.NoError(t, err)
	u := &workflowsv1.Workflow{}
	workflowsDone(t, op, u, "update")
	assert.Equal(t, "two, revised", u.Description)
	assert.Empty(t, u.ServiceAccount, "not in the mask")
	assert.Equal(t, w1.GetSourceContents(), u.GetSourceContents())
	assert.True(t, proto.Equal(w1.CreateTime, u.CreateTime), "create_time kept")
	// Without a mask: the fields the request sets (AIP-134).
	op, err = c.UpdateWorkflow(ctx, &workflowsv1.UpdateWorkflowRequest{Workflow: &workflowsv1.Workflow{Name: w1.Name, ServiceAccount: "sa@p.iam.gserviceaccount.com"}})
	require.NoError(t, err)
	workflowsDone(t, op, u, "update")
	assert.Equal(t, "sa@p.iam.gserviceaccount.com", u.ServiceAccount)
	assert.Equal(t, "two, revised", u.Description, "not set, not written")
	// A full replacement from what Get returns: the tags, which no
	// response holds, are kept.
	full, err := c.GetWorkflow(ctx, &workflowsv1.GetWorkflowRequest{Name: w1.Name})
	require.NoError(t, err)
	full.Description = "replaced"
	op, err = c.UpdateWorkflow(ctx, &workflowsv1.UpdateWorkflowRequest{Workflow: full, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}})
	require.NoError(t, err)
	workflowsDone(t, op, u, "update")
	assert.Equal(t, "replaced", u.Description)
	// tags are IMMUTABLE and INPUT_ONLY: an update naming them is refused,
	// whatever they hold, so that no answer tells the stored ones.
	for _, req := range []*workflowsv1.UpdateWorkflowRequest{
		{Workflow: &workflowsv1.Workflow{Name: w1.Name, Tags: map[string]string{"tagKeys/1": "tagValues/2"}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"tags"}}},
		{Workflow: &workflowsv1.Workflow{Name: w1.Name, Tags: map[string]string{"tagKeys/1": "tagValues/3"}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"tags"}}},
		{Workflow: &workflowsv1.Workflow{Name: w1.Name, Tags: map[string]string{"tagKeys/1": "tagValues/2"}}},
	} {
		_, err = c.UpdateWorkflow(ctx, req)
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v: %v", req, err)
	}
	_, err = c.UpdateWorkflow(ctx, &workflowsv1.UpdateWorkflowRequest{Workflow: &workflowsv1.Workflow{Name: w1.Name}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"nope"}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "an unknown path: %v", err)
	_, err = c.UpdateWorkflow(ctx, &workflowsv1.UpdateWorkflowRequest{Workflow: &workflowsv1.Workflow{Name: loc + "/workflows/nothing", Description: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// ListWorkflowRevisions is a custom method (AIP-162): the user's.
	_, err = c.ListWorkflowRevisions(ctx, &workflowsv1.ListWorkflowRevisionsRequest{Name: w1.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "ListWorkflowRevisions: %v", err)

	// Delete, long-running, answers Empty.
	for _, w := range []*workflowsv1.Workflow{w1, w2, w3} {
		op, err := c.DeleteWorkflow(ctx, &workflowsv1.DeleteWorkflowRequest{Name: w.Name})
		require.NoError(t, err)
		meta := workflowsDone(t, op, &emptypb.Empty{}, "delete")
		assert.Equal(t, w.Name, meta.Target)
		_, err = c.GetWorkflow(ctx, &workflowsv1.GetWorkflowRequest{Name: w.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
	}
	_, err = c.DeleteWorkflow(ctx, &workflowsv1.DeleteWorkflowRequest{Name: w1.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	assert.Empty(t, list(t, &workflowsv1.ListWorkflowsRequest{Parent: loc}))
}

// workflowsDone checks a write's operation: done, its response resp, its
// metadata Workflows' OperationMetadata with verb.
func workflowsDone(t *testing.T, op *longrunningpb.Operation, resp proto.Message, verb string) *workflowsv1.OperationMetadata {
	t.Helper()
	meta := &workflowsv1.OperationMetadata{}
	operationDone(t, op, resp, meta)
	assert.Equal(t, verb, meta.Verb)
	assert.NotNil(t, meta.CreateTime)
	assert.NotNil(t, meta.EndTime)
	return meta
}
