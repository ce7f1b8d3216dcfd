package e2e_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	runv2 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/run"
)

// TestPublicRun serves Google Cloud Run v2 (google/cloud/run/v2,
// unchanged) on every database, over gRPC and over REST through its own
// google.api.http annotations: jobs, written by long-running Create,
// Update (without an update mask: full replacement, AIP-134) and Delete
// (soft, AIP-164, with etags), and the executions named under them, whose
// `job` field is not the variable of their names.
func TestPublicRun(t *testing.T) {
	servePublic(t, "run", func(gs *grpc.Server, db *gorm.DB) {
		runv2.RegisterJobsServer(gs, runv2.NewJobsCRUD(db))
		runv2.RegisterExecutionsServer(gs, runv2.NewExecutionsCRUD(db))
		runv2.RegisterServicesServer(gs, runv2.NewServicesCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		runScenario(t, runv2.NewJobsClient(cc), runv2.NewExecutionsClient(cc), runv2.NewServicesClient(cc), tag)
	})
}

// runScenario runs the standard methods of Cloud Run's jobs, executions
// and services, under a location of its own (tag tells the transports
// apart).
func runScenario(t *testing.T, jobs runv2.JobsClient, execs runv2.ExecutionsClient, svcs runv2.ServicesClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/europe-west1"
	template := func(image string) *runv2.ExecutionTemplate {
		return &runv2.ExecutionTemplate{TaskCount: 2, Template: &runv2.TaskTemplate{Containers: []*runv2.Container{{Image: image}}}}
	}
	op, err := jobs.CreateJob(ctx, &runv2.CreateJobRequest{Parent: loc, JobId: "nightly", Job: &runv2.Job{
		Labels: map[string]string{"team": "a"}, Template: template("us-docker.pkg.dev/cloudrun/container/job:v1"), Uid: "evil"}})
	require.NoError(t, err)
	job := &runv2.Job{}
	operationDone(t, op, job, nil)
	assert.Equal(t, loc+"/jobs/nightly", job.Name)
	assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`, job.Uid, "uid is the server's (AIP-148), not the client's")
	assert.NotEmpty(t, job.Etag, "the server keeps the etag (AIP-154)")
	assert.NotNil(t, job.CreateTime)
	got, err := jobs.GetJob(ctx, &runv2.GetJobRequest{Name: job.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(job, got), "Get: %v, created: %v", got, job)
	_, err = jobs.CreateJob(ctx, &runv2.CreateJobRequest{Parent: loc, JobId: "nightly", Job: &runv2.Job{Template: template("x")}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = jobs.CreateJob(ctx, &runv2.CreateJobRequest{Parent: loc, JobId: "no-template", Job: &runv2.Job{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "template is REQUIRED: %v", err)
	_, err = jobs.CreateJob(ctx, &runv2.CreateJobRequest{Parent: loc, JobId: "no-image", Job: &runv2.Job{Template: &runv2.ExecutionTemplate{Template: &runv2.TaskTemplate{Containers: []*runv2.Container{{}}}}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a container's image is REQUIRED: %v", err)

	// UpdateJob has no update_mask: the job sent replaces the stored one.
	op, err = jobs.UpdateJob(ctx, &runv2.UpdateJobRequest{Job: &runv2.Job{Name: job.Name, Template: template("us-docker.pkg.dev/cloudrun/container/job:v2"), Etag: job.Etag}})
	require.NoError(t, err)
	up := &runv2.Job{}
	operationDone(t, op, up, nil)
	assert.Equal(t, "us-docker.pkg.dev/cloudrun/container/job:v2", up.GetTemplate().GetTemplate().GetContainers()[0].GetImage())
	assert.Empty(t, up.Labels, "replaced: the request has none")
	assert.NotEqual(t, job.Etag, up.Etag)
	assert.Equal(t, job.Uid, up.Uid, "uid is kept")
	assert.True(t, proto.Equal(job.CreateTime, up.CreateTime), "create_time is kept")
	_, err = jobs.UpdateJob(ctx, &runv2.UpdateJobRequest{Job: &runv2.Job{Name: job.Name, Template: template("x"), Etag: job.Etag}})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)

	// Executions are named under their job; none is run here.
	list, err := execs.ListExecutions(ctx, &runv2.ListExecutionsRequest{Parent: job.Name})
	require.NoError(t, err)
	assert.Empty(t, list.Executions)
	_, err = execs.GetExecution(ctx, &runv2.GetExecutionRequest{Name: job.Name + "/executions/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = jobs.RunJob(ctx, &runv2.RunJobRequest{Name: job.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "RunJob is the user's: %v", err)

	// A service, as a job.
	op, err = svcs.CreateService(ctx, &runv2.CreateServiceRequest{Parent: loc, ServiceId: "web", Service: &runv2.Service{
		Description: "front", Template: &runv2.RevisionTemplate{Containers: []*runv2.Container{{Image: "us-docker.pkg.dev/cloudrun/container/hello"}}}}})
	require.NoError(t, err)
	svc := &runv2.Service{}
	operationDone(t, op, svc, nil)
	assert.Equal(t, loc+"/services/web", svc.Name)
	services, err := svcs.ListServices(ctx, &runv2.ListServicesRequest{Parent: loc})
	require.NoError(t, err)
	require.Len(t, services.Services, 1)
	op, err = svcs.DeleteService(ctx, &runv2.DeleteServiceRequest{Name: svc.Name})
	require.NoError(t, err)
	operationDone(t, op, &runv2.Service{}, nil)

	// Delete is soft (the job has a delete_time, and List a show_deleted).
	_, err = jobs.DeleteJob(ctx, &runv2.DeleteJobRequest{Name: job.Name, Etag: job.Etag})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	op, err = jobs.DeleteJob(ctx, &runv2.DeleteJobRequest{Name: job.Name, Etag: up.Etag})
	require.NoError(t, err)
	deleted := &runv2.Job{}
	operationDone(t, op, deleted, nil)
	assert.NotNil(t, deleted.DeleteTime)
	live, err := jobs.ListJobs(ctx, &runv2.ListJobsRequest{Parent: loc})
	require.NoError(t, err)
	assert.Empty(t, live.Jobs)
	all, err := jobs.ListJobs(ctx, &runv2.ListJobsRequest{Parent: loc, ShowDeleted: true})
	require.NoError(t, err)
	require.Len(t, all.Jobs, 1)
	assert.Equal(t, job.Name, all.Jobs[0].Name)
}
