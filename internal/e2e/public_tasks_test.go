package e2e_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	tasksv2 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/tasks"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestPublicTasks serves Google Cloud Tasks (google/cloud/tasks/v2,
// unchanged) on every database, over gRPC and over REST through its own
// google.api.http annotations: queues named under a project and location
// that are no resources of the API, and tasks named under queues.
func TestPublicTasks(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, publicSchema(db, "tasks"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			tasksv2.RegisterCloudTasksServer(gs, tasksv2.NewCloudTasksCRUD(db))
		}, nil)
		t.Run("gRPC", func(t *testing.T) { tasksScenario(t, tasksv2.NewCloudTasksClient(conn)) })
		t.Run("REST", func(t *testing.T) { tasksScenario(t, tasksv2.NewCloudTasksClient(restConn{t: t, base: base})) })
	})
}

// tasksScenario runs the standard methods of Cloud Tasks through c. Both
// transports share the database, so lists across locations are compared
// with what they held before.
func tasksScenario(t *testing.T, c tasksv2.CloudTasksClient) {
	ctx := context.Background()
	const loc, other = "projects/p/locations/here", "projects/p/locations/there"
	listQueues := func(t *testing.T, parent string) []string {
		return pageNames(t, func(token string) ([]*tasksv2.Queue, string, error) {
			r, err := c.ListQueues(ctx, &tasksv2.ListQueuesRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetQueues(), r.GetNextPageToken(), err
		})
	}
	listTasks := func(t *testing.T, parent string) []string {
		return pageNames(t, func(token string) ([]*tasksv2.Task, string, error) {
			r, err := c.ListTasks(ctx, &tasksv2.ListTasksRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetTasks(), r.GetNextPageToken(), err
		})
	}
	hereBefore := listQueues(t, loc)

	// Queues: named by the server under the request's parent.
	newQueue := func(parent string, rate float64) *tasksv2.Queue {
		t.Helper()
		q, err := c.CreateQueue(ctx, &tasksv2.CreateQueueRequest{Parent: parent, Queue: &tasksv2.Queue{
			RateLimits:  &tasksv2.RateLimits{MaxDispatchesPerSecond: rate, MaxConcurrentDispatches: 3},
			RetryConfig: &tasksv2.RetryConfig{MaxAttempts: 5, MinBackoff: durationpb.New(1e9)},
			State:       tasksv2.Queue_RUNNING,
		}})
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(parent)+`/queues/`+uuidPart+`$`), q.Name)
		assert.InDelta(t, rate, q.GetRateLimits().GetMaxDispatchesPerSecond(), 1e-9)
		return q
	}
	qa, qb, qc := newQueue(loc, 10), newQueue(loc, 20), newQueue(other, 30)
	got, err := c.GetQueue(ctx, &tasksv2.GetQueueRequest{Name: qa.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(qa, got), "Get: %v, created: %v", got, qa)
	assert.ElementsMatch(t, append(hereBefore, qa.Name, qb.Name), listQueues(t, loc), "ListQueues by pages of one")
	assert.Contains(t, listQueues(t, other), qc.Name)
	assert.NotContains(t, listQueues(t, other), qa.Name)

	// Update writes the fields of the mask only.
	uq, err := c.UpdateQueue(ctx, &tasksv2.UpdateQueueRequest{
		Queue:      &tasksv2.Queue{Name: qa.Name, State: tasksv2.Queue_PAUSED, RateLimits: &tasksv2.RateLimits{MaxDispatchesPerSecond: 99}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"state"}},
	})
	require.NoError(t, err)
	assert.Equal(t, tasksv2.Queue_PAUSED, uq.State)
	assert.InDelta(t, 10, uq.GetRateLimits().GetMaxDispatchesPerSecond(), 1e-9, "rate_limits is not in the mask")
	got, err = c.GetQueue(ctx, &tasksv2.GetQueueRequest{Name: qa.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(uq, got), "Get after Update: %v, updated: %v", got, uq)

	// Tasks under queues, with the http_request of their oneof.
	newTask := func(parent, url string) *tasksv2.Task {
		t.Helper()
		tk, err := c.CreateTask(ctx, &tasksv2.CreateTaskRequest{Parent: parent, Task: &tasksv2.Task{
			MessageType: &tasksv2.Task_HttpRequest{HttpRequest: &tasksv2.HttpRequest{
				Url: url, HttpMethod: tasksv2.HttpMethod_POST, Headers: map[string]string{"X-A": "1"}, Body: []byte("hi")}},
			DispatchDeadline: durationpb.New(30e9),
		}})
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(parent)+`/tasks/`+uuidPart+`$`), tk.Name)
		return tk
	}
	ta1, ta2, tb1 := newTask(qa.Name, "https://a.example/1"), newTask(qa.Name, "https://a.example/2"), newTask(qb.Name, "https://b.example/1")
	gotTask, err := c.GetTask(ctx, &tasksv2.GetTaskRequest{Name: ta1.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(ta1, gotTask), "Get: %v, created: %v", gotTask, ta1)
	assert.Equal(t, "https://a.example/1", gotTask.GetHttpRequest().GetUrl())
	assert.Equal(t, []byte("hi"), gotTask.GetHttpRequest().GetBody())
	assert.Equal(t, int64(30), gotTask.GetDispatchDeadline().GetSeconds())
	assert.ElementsMatch(t, []string{ta1.Name, ta2.Name}, listTasks(t, qa.Name), "ListTasks of A by pages of one")
	assert.ElementsMatch(t, []string{tb1.Name}, listTasks(t, qb.Name), "ListTasks of B")

	// A page token is bound to its parent.
	page, err := c.ListTasks(ctx, &tasksv2.ListTasksRequest{Parent: qa.Name, PageSize: 1})
	require.NoError(t, err)
	require.NotEmpty(t, page.NextPageToken)
	_, err = c.ListTasks(ctx, &tasksv2.ListTasksRequest{Parent: qb.Name, PageSize: 1, PageToken: page.NextPageToken})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "A's page token with parent B: %v", err)

	// A task under a queue that does not exist, or through another queue.
	_, err = c.CreateTask(ctx, &tasksv2.CreateTaskRequest{Parent: loc + "/queues/nothing", Task: &tasksv2.Task{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "CreateTask under a missing queue: %v", err)
	alias := qb.Name + "/tasks/" + ta1.Name[len(qa.Name+"/tasks/"):]
	_, err = c.GetTask(ctx, &tasksv2.GetTaskRequest{Name: alias})
	assert.Equal(t, codes.NotFound, status.Code(err), "Get %s: %v", alias, err)
	_, err = c.DeleteTask(ctx, &tasksv2.DeleteTaskRequest{Name: alias})
	assert.Equal(t, codes.NotFound, status.Code(err), "Delete %s: %v", alias, err)

	// A queue with tasks is not deleted.
	_, err = c.DeleteQueue(ctx, &tasksv2.DeleteQueueRequest{Name: qb.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "DeleteQueue with a task: %v", err)

	// Delete.
	for _, tk := range []*tasksv2.Task{ta1, ta2, tb1} {
		_, err = c.DeleteTask(ctx, &tasksv2.DeleteTaskRequest{Name: tk.Name})
		require.NoError(t, err)
		_, err = c.GetTask(ctx, &tasksv2.GetTaskRequest{Name: tk.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
		_, err = c.DeleteTask(ctx, &tasksv2.DeleteTaskRequest{Name: tk.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	}
	for _, q := range []*tasksv2.Queue{qa, qb, qc} {
		_, err = c.DeleteQueue(ctx, &tasksv2.DeleteQueueRequest{Name: q.Name})
		require.NoError(t, err)
		_, err = c.GetQueue(ctx, &tasksv2.GetQueueRequest{Name: q.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
	}
	assert.ElementsMatch(t, hereBefore, listQueues(t, loc))

	// The custom methods are the user's (AIP-136): Unimplemented.
	_, err = c.PauseQueue(ctx, &tasksv2.PauseQueueRequest{Name: qa.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "PauseQueue: %v", err)
	_, err = c.RunTask(ctx, &tasksv2.RunTaskRequest{Name: ta1.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "RunTask: %v", err)
}
