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

	schedulerv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/scheduler"
)

// TestPublicScheduler serves Google Cloud Scheduler v1
// (google/cloud/scheduler/v1, unchanged) on every database, over gRPC and
// over REST through its own google.api.http annotations: jobs named under
// a project and location, whose target is a oneof of messages, written by
// Create without an id field (the server names them), Update with and
// without an update mask and Delete; Pause, Resume and Run are the user's.
func TestPublicScheduler(t *testing.T) {
	servePublic(t, "scheduler", func(gs *grpc.Server, db *gorm.DB) {
		schedulerv1.RegisterCloudSchedulerServer(gs, schedulerv1.NewCloudSchedulerCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		schedulerScenario(t, schedulerv1.NewCloudSchedulerClient(cc), tag)
	})
}

func schedulerScenario(t *testing.T, c schedulerv1.CloudSchedulerClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-central1"
	listJobs := func(t *testing.T, parent string) []string {
		return pageNames(t, func(token string) ([]*schedulerv1.Job, string, error) {
			r, err := c.ListJobs(ctx, &schedulerv1.ListJobsRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetJobs(), r.GetNextPageToken(), err
		})
	}

	// Create: CreateJobRequest has no job_id, so the server names the job
	// (AIP-133: the name a client sends is ignored).
	newJob := func(desc string, target any) *schedulerv1.Job {
		t.Helper()
		j := &schedulerv1.Job{Name: loc + "/jobs/mine", Description: desc, Schedule: "*/5 * * * *", TimeZone: "Europe/Paris",
			RetryConfig:     &schedulerv1.RetryConfig{RetryCount: 3, MinBackoffDuration: durationpb.New(5e9)},
			AttemptDeadline: durationpb.New(180e9), State: schedulerv1.Job_PAUSED}
		switch tg := target.(type) {
		case *schedulerv1.HttpTarget:
			j.Target = &schedulerv1.Job_HttpTarget{HttpTarget: tg}
		case *schedulerv1.PubsubTarget:
			j.Target = &schedulerv1.Job_PubsubTarget{PubsubTarget: tg}
		}
		got, err := c.CreateJob(ctx, &schedulerv1.CreateJobRequest{Parent: loc, Job: j})
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(loc)+`/jobs/`+uuidPart+`$`), got.Name)
		assert.Equal(t, schedulerv1.Job_STATE_UNSPECIFIED, got.State, "state is OUTPUT_ONLY: what the client sends is cleared")
		return got
	}
	a := newJob("a", &schedulerv1.HttpTarget{Uri: "https://a.example/run", HttpMethod: schedulerv1.HttpMethod_POST,
		Headers: map[string]string{"X-A": "1"}, Body: []byte("hello"),
		AuthorizationHeader: &schedulerv1.HttpTarget_OidcToken{OidcToken: &schedulerv1.OidcToken{ServiceAccountEmail: "sa@p.iam.gserviceaccount.com"}}})
	b := newJob("b", &schedulerv1.PubsubTarget{TopicName: "projects/p/topics/t", Data: []byte("x"), Attributes: map[string]string{"k": "v"}})
	got, err := c.GetJob(ctx, &schedulerv1.GetJobRequest{Name: a.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(a, got), "Get: %v, created: %v", got, a)
	assert.Equal(t, "sa@p.iam.gserviceaccount.com", got.GetHttpTarget().GetOidcToken().GetServiceAccountEmail())
	assert.Equal(t, []byte("hello"), got.GetHttpTarget().GetBody())
	assert.Equal(t, int64(180), got.GetAttemptDeadline().GetSeconds())
	got, err = c.GetJob(ctx, &schedulerv1.GetJobRequest{Name: b.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(b, got), "Get: %v, created: %v", got, b)
	assert.ElementsMatch(t, []string{a.Name, b.Name}, listJobs(t, loc), "ListJobs by pages of one")
	assert.Empty(t, listJobs(t, "projects/p-"+tag+"/locations/elsewhere"))

	// A page token is bound to its parent.
	page, err := c.ListJobs(ctx, &schedulerv1.ListJobsRequest{Parent: loc, PageSize: 1})
	require.NoError(t, err)
	require.NotEmpty(t, page.NextPageToken)
	_, err = c.ListJobs(ctx, &schedulerv1.ListJobsRequest{Parent: loc + "x", PageSize: 1, PageToken: page.NextPageToken})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a page token with another parent: %v", err)
	_, err = c.ListJobs(ctx, &schedulerv1.ListJobsRequest{Parent: loc, PageSize: -1})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a negative page_size: %v", err)

	// Update with a mask: the fields it names only; state (OUTPUT_ONLY) in
	// the mask is ignored (AIP-203).
	u, err := c.UpdateJob(ctx, &schedulerv1.UpdateJobRequest{
		Job:        &schedulerv1.Job{Name: a.Name, Description: "a, revised", Schedule: "not in the mask", State: schedulerv1.Job_ENABLED},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description", "state"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "a, revised", u.Description)
	assert.Equal(t, "*/5 * * * *", u.Schedule, "schedule is not in the mask")
	assert.Equal(t, schedulerv1.Job_STATE_UNSPECIFIED, u.State)
	assert.Equal(t, "https://a.example/run", u.GetHttpTarget().GetUri(), "the target is kept")
	// A mask naming a field inside the target's message.
	u, err = c.UpdateJob(ctx, &schedulerv1.UpdateJobRequest{
		Job:        &schedulerv1.Job{Name: a.Name, Target: &schedulerv1.Job_HttpTarget{HttpTarget: &schedulerv1.HttpTarget{Uri: "https://a.example/v2"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"http_target.uri"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "https://a.example/v2", u.GetHttpTarget().GetUri())
	assert.Equal(t, []byte("hello"), u.GetHttpTarget().GetBody(), "the target's other fields are kept")
	assert.Equal(t, "sa@p.iam.gserviceaccount.com", u.GetHttpTarget().GetOidcToken().GetServiceAccountEmail())
	// A mask that moves the job to another member of the target oneof:
	// the member it names is set and the one set before is cleared.
	u, err = c.UpdateJob(ctx, &schedulerv1.UpdateJobRequest{
		Job:        &schedulerv1.Job{Name: a.Name, Target: &schedulerv1.Job_PubsubTarget{PubsubTarget: &schedulerv1.PubsubTarget{TopicName: "projects/p/topics/moved"}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"pubsub_target"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "projects/p/topics/moved", u.GetPubsubTarget().GetTopicName())
	assert.Nil(t, u.GetHttpTarget(), "one member of a oneof at a time")
	got, err = c.GetJob(ctx, &schedulerv1.GetJobRequest{Name: a.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(u, got), "Get after Update: %v, updated: %v", got, u)
	// Without a mask, the fields the job sets are written (AIP-134: an
	// implied mask of the populated fields); the member of the target
	// oneof it sets replaces the one set before.
	u, err = c.UpdateJob(ctx, &schedulerv1.UpdateJobRequest{Job: &schedulerv1.Job{Name: b.Name, Schedule: "0 9 * * 1",
		Target: &schedulerv1.Job_AppEngineHttpTarget{AppEngineHttpTarget: &schedulerv1.AppEngineHttpTarget{RelativeUri: "/cron",
			AppEngineRouting: &schedulerv1.AppEngineRouting{Service: "worker"}}}}})
	require.NoError(t, err)
	assert.Equal(t, "0 9 * * 1", u.Schedule)
	assert.Equal(t, "b", u.Description, "not set: kept")
	assert.Equal(t, int32(3), u.GetRetryConfig().GetRetryCount(), "not set: kept")
	assert.Nil(t, u.GetPubsubTarget(), "replaced by the member the job sets")
	assert.Equal(t, "worker", u.GetAppEngineHttpTarget().GetAppEngineRouting().GetService())
	got, err = c.GetJob(ctx, &schedulerv1.GetJobRequest{Name: b.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(u, got), "Get after Update: %v, updated: %v", got, u)
	_, err = c.UpdateJob(ctx, &schedulerv1.UpdateJobRequest{Job: &schedulerv1.Job{Name: loc + "/jobs/nothing", Description: "x"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "UpdateJob of a job that does not exist: %v", err)
	_, err = c.UpdateJob(ctx, &schedulerv1.UpdateJobRequest{Job: &schedulerv1.Job{Name: a.Name},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"no_such_field"}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a mask naming no field: %v", err)

	// Names of another form are InvalidArgument (over REST they match no
	// route), missing ones NotFound.
	if tag == "g" {
		_, err = c.GetJob(ctx, &schedulerv1.GetJobRequest{Name: "projects/p/jobs/x"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	}
	_, err = c.GetJob(ctx, &schedulerv1.GetJobRequest{Name: loc + "/jobs/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// The custom methods are the user's (AIP-136): Unimplemented.
	_, err = c.PauseJob(ctx, &schedulerv1.PauseJobRequest{Name: a.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "PauseJob: %v", err)
	_, err = c.ResumeJob(ctx, &schedulerv1.ResumeJobRequest{Name: a.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "ResumeJob: %v", err)
	_, err = c.RunJob(ctx, &schedulerv1.RunJobRequest{Name: a.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "RunJob: %v", err)

	// Delete.
	for _, j := range []*schedulerv1.Job{a, b} {
		_, err = c.DeleteJob(ctx, &schedulerv1.DeleteJobRequest{Name: j.Name})
		require.NoError(t, err)
		_, err = c.GetJob(ctx, &schedulerv1.GetJobRequest{Name: j.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
		_, err = c.DeleteJob(ctx, &schedulerv1.DeleteJobRequest{Name: j.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	}
	assert.Empty(t, listJobs(t, loc))
}
