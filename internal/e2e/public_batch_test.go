package e2e_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"gorm.io/gorm"

	batch "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/batch"
)

// TestPublicBatch serves Cloud Batch v1 (google/cloud/batch/v1, unchanged)
// on every database, over gRPC and over REST through its own
// google.api.http annotations: jobs hold task groups, which hold tasks,
// and no method creates a task; a job is a deep message (task specs whose
// runnables and volumes are oneofs, allocation policies, notifications)
// kept whole; CreateJob's job_id may be left to the server; Create and
// Delete take a request_id (AIP-155); DeleteJob is long-running; CancelJob
// is the user's.
func TestPublicBatch(t *testing.T) {
	servePublicHTTP(t, "batch", func(gs *grpc.Server, db *gorm.DB) {
		batch.RegisterBatchServiceServer(gs, batch.NewBatchServiceCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		batchScenario(t, batch.NewBatchServiceClient(cc), tag)
	}, batchHTTP)
}

// batchHTTP calls Batch's HTTP bindings as any HTTP client would, JSON in
// lowerCamelCase: a job's oneofs are written by their members' names and
// answered so, Delete answers its done operation, and errors are
// google.rpc.Status with their HTTP status and the offending field.
func batchHTTP(t *testing.T, base string) {
	jobs := "/v1/projects/p-h/locations/us-central1/jobs"
	job := `{"priority": "3", "labels": {"team": "a"}, "taskGroups": [{"taskCount": "2", "taskSpec": {
		"runnables": [{"script": {"text": "echo hi"}}, {"container": {"imageUri": "busybox", "commands": ["true"]}}],
		"volumes": [{"nfs": {"server": "10.0.0.2", "remotePath": "/share"}, "mountPath": "/mnt"}, {"deviceName": "scratch", "mountPath": "/d"}],
		"maxRunDuration": "60s"}}]}`
	code, body := restCall(t, base, http.MethodPost, jobs+"?jobId=raw", job)
	require.Equal(t, http.StatusOK, code, body)
	created := decodeJSON(t, body)
	assert.Equal(t, "projects/p-h/locations/us-central1/jobs/raw", created["name"], body)
	code, body = restCall(t, base, http.MethodGet, jobs+"/raw", "")
	require.Equal(t, http.StatusOK, code, body)
	got := decodeJSON(t, body)
	assert.Equal(t, created, got)
	spec := got["taskGroups"].([]any)[0].(map[string]any)["taskSpec"].(map[string]any)
	// Of each oneof, the member set is written and no other (proto3 JSON
	// writes unset members of a oneof nowhere, defaults of other fields as
	// the server's marshaller does).
	item := func(list any, i int) map[string]any {
		t.Helper()
		l, _ := list.([]any)
		require.Greater(t, len(l), i, body)
		m, _ := l[i].(map[string]any)
		return m
	}
	script, container := item(spec["runnables"], 0), item(spec["runnables"], 1)
	assert.Equal(t, map[string]any{"text": "echo hi"}, script["script"], body)
	assert.NotContains(t, script, "container")
	assert.NotContains(t, script, "barrier")
	assert.Equal(t, "busybox", container["container"].(map[string]any)["imageUri"], body)
	assert.Equal(t, []any{"true"}, container["container"].(map[string]any)["commands"], body)
	assert.NotContains(t, container, "script")
	nfs, device := item(spec["volumes"], 0), item(spec["volumes"], 1)
	assert.Equal(t, map[string]any{"server": "10.0.0.2", "remotePath": "/share"}, nfs["nfs"], body)
	assert.NotContains(t, nfs, "deviceName")
	assert.Equal(t, "scratch", device["deviceName"], body)
	assert.NotContains(t, device, "nfs")
	assert.NotContains(t, device, "gcs")
	assert.Equal(t, "60s", spec["maxRunDuration"], body)

	code, body = restCall(t, base, http.MethodPost, jobs+"?jobId=raw", job)
	assert.Equal(t, http.StatusConflict, code, body)
	code, body = restCall(t, base, http.MethodPost, jobs+"?jobId=two", `{"taskGroups": [{"taskSpec": {"runnables": [{"script": {"text": "a", "path": "b"}}]}}]}`)
	assert.Equal(t, http.StatusBadRequest, code, "two members of one oneof: %s", body)
	code, body = restCall(t, base, http.MethodPost, jobs+"?jobId=three", `{}`)
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, "task_groups", body)

	code, body = restCall(t, base, http.MethodGet, jobs+"?pageSize=1&filter="+url.QueryEscape(`labels.team = "a"`)+"&orderBy="+url.QueryEscape("create_time desc"), "")
	require.Equal(t, http.StatusOK, code, body)
	list := decodeJSON(t, body)
	assert.Equal(t, []any{created}, list["jobs"], body)
	code, body = restCall(t, base, http.MethodGet, jobs+"/raw/taskGroups/-/tasks", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.Empty(t, decodeJSON(t, body)["tasks"], body)

	code, body = restCall(t, base, http.MethodDelete, jobs+"/raw?reason=done", "")
	assert.Equal(t, http.StatusBadRequest, code, body)
	assert.Contains(t, body, "reason", body)
	code, body = restCall(t, base, http.MethodDelete, jobs+"/raw", "")
	require.Equal(t, http.StatusOK, code, body)
	assert.Equal(t, true, decodeJSON(t, body)["done"], body)
	code, body = restCall(t, base, http.MethodGet, jobs+"/raw", "")
	assert.Equal(t, http.StatusNotFound, code, body)
}

// batchJob is a job of two task groups with every kind of runnable and
// volume.
func batchJob(priority int64, labels map[string]string) *batch.Job {
	return &batch.Job{
		Priority: priority,
		Labels:   labels,
		TaskGroups: []*batch.TaskGroup{{
			TaskCount:   4,
			Parallelism: 2,
			TaskSpec: &batch.TaskSpec{
				Runnables: []*batch.Runnable{
					{DisplayName: "fetch", Executable: &batch.Runnable_Container_{Container: &batch.Runnable_Container{
						ImageUri: "gcr.io/p/fetch:1", Commands: []string{"-v", "--out=/mnt/share"}, Volumes: []string{"/mnt/share:/mnt/share:rw"},
						BlockExternalNetwork: true}}, Timeout: durationpb.New(90e9), Labels: map[string]string{"step": "1"}},
					{Executable: &batch.Runnable_Barrier_{Barrier: &batch.Runnable_Barrier{Name: "fetched"}}},
					{Executable: &batch.Runnable_Script_{Script: &batch.Runnable_Script{Command: &batch.Runnable_Script_Text{Text: "echo ${BATCH_TASK_INDEX}"}}},
						Environment: &batch.Environment{Variables: map[string]string{"A": "1"}, EncryptedVariables: &batch.Environment_KMSEnvMap{
							KeyName: "projects/p/locations/l/keyRings/r/cryptoKeys/k", CipherText: "c2VjcmV0"}}, AlwaysRun: true},
					{Executable: &batch.Runnable_Script_{Script: &batch.Runnable_Script{Command: &batch.Runnable_Script_Path{Path: "/mnt/share/run.sh"}}},
						IgnoreExitStatus: true},
				},
				ComputeResource: &batch.ComputeResource{CpuMilli: 2000, MemoryMib: 2048},
				MaxRunDuration:  durationpb.New(3600e9),
				MaxRetryCount:   3,
				LifecyclePolicies: []*batch.LifecyclePolicy{{Action: batch.LifecyclePolicy_RETRY_TASK,
					ActionCondition: &batch.LifecyclePolicy_ActionCondition{ExitCodes: []int32{1, 137}}}},
				Volumes: []*batch.Volume{
					{Source: &batch.Volume_Nfs{Nfs: &batch.NFS{Server: "10.0.0.2", RemotePath: "/share"}}, MountPath: "/mnt/share"},
					{Source: &batch.Volume_Gcs{Gcs: &batch.GCS{RemotePath: "bucket/dir"}}, MountPath: "/mnt/gcs", MountOptions: []string{"-o", "ro"}},
					{Source: &batch.Volume_DeviceName{DeviceName: "scratch"}, MountPath: "/mnt/disk"},
				},
				Environment: &batch.Environment{Variables: map[string]string{"MODE": "full"}, SecretVariables: map[string]string{
					"TOKEN": "projects/p/secrets/token/versions/1"}},
			},
			TaskEnvironments: []*batch.Environment{{Variables: map[string]string{"SHARD": "0"}}, {Variables: map[string]string{"SHARD": "1"}}},
			SchedulingPolicy: batch.TaskGroup_IN_ORDER,
		}, {
			TaskSpec: &batch.TaskSpec{Runnables: []*batch.Runnable{{Executable: &batch.Runnable_Script_{Script: &batch.Runnable_Script{
				Command: &batch.Runnable_Script_Text{Text: "true"}}}}}},
		}},
		AllocationPolicy: &batch.AllocationPolicy{
			Location: &batch.AllocationPolicy_LocationPolicy{AllowedLocations: []string{"regions/us-central1", "zones/us-central1-a"}},
			Instances: []*batch.AllocationPolicy_InstancePolicyOrTemplate{{
				PolicyTemplate: &batch.AllocationPolicy_InstancePolicyOrTemplate_Policy{Policy: &batch.AllocationPolicy_InstancePolicy{
					MachineType: "e2-standard-4", ProvisioningModel: batch.AllocationPolicy_SPOT,
					Accelerators: []*batch.AllocationPolicy_Accelerator{{Type: "nvidia-tesla-t4", Count: 1}},
					BootDisk:     &batch.AllocationPolicy_Disk{DataSource: &batch.AllocationPolicy_Disk_Image{Image: "batch-debian"}, SizeGb: 50},
					Disks: []*batch.AllocationPolicy_AttachedDisk{{DeviceName: "scratch", Attached: &batch.AllocationPolicy_AttachedDisk_NewDisk{
						NewDisk: &batch.AllocationPolicy_Disk{Type: "local-ssd", SizeGb: 375}}}},
				}},
				InstallGpuDrivers: true,
			}},
			ServiceAccount: &batch.ServiceAccount{Email: "runner@p.iam.gserviceaccount.com", Scopes: []string{"https://www.googleapis.com/auth/cloud-platform"}},
			Tags:           []string{"batch"},
		},
		LogsPolicy: &batch.LogsPolicy{Destination: batch.LogsPolicy_CLOUD_LOGGING,
			CloudLoggingOption: &batch.LogsPolicy_CloudLoggingOption{UseGenericTaskMonitoredResource: true}},
		Notifications: []*batch.JobNotification{{PubsubTopic: "projects/p/topics/jobs", Message: &batch.JobNotification_Message{
			Type: batch.JobNotification_JOB_STATE_CHANGED, NewJobState: batch.JobStatus_SUCCEEDED}}},
	}
}

func batchScenario(t *testing.T, c batch.BatchServiceClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-central1"
	refused := func(err error, code codes.Code, field, why string) {
		t.Helper()
		assert.Equal(t, code, status.Code(err), "%s: %v", why, err)
		assert.Contains(t, status.Convert(err).Message(), field, why)
	}
	// sameInput checks that what the server answers holds the job as
	// written, its OUTPUT_ONLY fields aside.
	sameInput := func(want, got *batch.Job) {
		t.Helper()
		got = proto.Clone(got).(*batch.Job)
		got.Name, got.Uid, got.CreateTime, got.UpdateTime, got.Status = "", "", nil, nil, nil
		for _, g := range got.TaskGroups {
			g.Name = ""
		}
		assert.True(t, proto.Equal(want, got), "the job as written:\n%v\nanswered:\n%v", want, got)
	}

	// A job under the client's id, kept whole.
	in := batchJob(10, map[string]string{"team": "a"})
	render, err := c.CreateJob(ctx, &batch.CreateJobRequest{Parent: loc, JobId: "render", Job: in})
	require.NoError(t, err)
	assert.Equal(t, loc+"/jobs/render", render.Name)
	assert.NotEmpty(t, render.Uid)
	assert.NotNil(t, render.CreateTime)
	sameInput(in, render)
	got, err := c.GetJob(ctx, &batch.GetJobRequest{Name: render.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(render, got), "Get:\n%v\ncreated:\n%v", got, render)

	// A job under an id the server chooses.
	in2 := batchJob(1, map[string]string{"team": "b"})
	in2.AllocationPolicy.Location.AllowedLocations = []string{"regions/europe-west1"}
	auto, err := c.CreateJob(ctx, &batch.CreateJobRequest{Parent: loc, Job: in2})
	require.NoError(t, err)
	// AIP-122: an id the server chooses is a UUID.
	assert.Regexp(t, "^"+loc+"/jobs/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", auto.Name)
	assert.NotEqual(t, render.Uid, auto.Uid)
	sameInput(in2, auto)
	got, err = c.GetJob(ctx, &batch.GetJobRequest{Name: auto.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(auto, got), "Get:\n%v\ncreated:\n%v", got, auto)

	// AIP-155: a request_id repeated answers the first job, not a second.
	rid := map[string]string{"g": "6f0f4e2c-3b9a-4c55-9a8e-4d1c7a8b2e01", "r": "0b8d6c61-7c1e-4f7e-8f32-2a9e1f5d6c02"}[tag]
	once, err := c.CreateJob(ctx, &batch.CreateJobRequest{Parent: loc, JobId: "once", Job: batchJob(5, nil), RequestId: rid})
	require.NoError(t, err)
	again, err := c.CreateJob(ctx, &batch.CreateJobRequest{Parent: loc, JobId: "once", Job: batchJob(5, nil), RequestId: rid})
	require.NoError(t, err, "the same request again")
	assert.True(t, proto.Equal(once, again), "a retried request answers the first job: %v", again)
	_, err = c.CreateJob(ctx, &batch.CreateJobRequest{Parent: loc, JobId: "twice", Job: batchJob(5, nil), RequestId: rid})
	refused(err, codes.InvalidArgument, "request_id", "a request id names one request")
	_, err = c.CreateJob(ctx, &batch.CreateJobRequest{Parent: loc, JobId: "twice", Job: batchJob(5, nil), RequestId: "id\x01"})
	refused(err, codes.InvalidArgument, "request_id", "printable ASCII only")

	// Refusals name the offending field.
	_, err = c.CreateJob(ctx, &batch.CreateJobRequest{Parent: loc, JobId: "render", Job: batchJob(1, nil)})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateJob(ctx, &batch.CreateJobRequest{Parent: loc, JobId: "Bad_ID", Job: batchJob(1, nil)})
	refused(err, codes.InvalidArgument, "job_id", "an id of capitals and _")
	_, err = c.CreateJob(ctx, &batch.CreateJobRequest{Parent: loc, JobId: "empty", Job: &batch.Job{}})
	refused(err, codes.InvalidArgument, "task_groups", "task_groups is REQUIRED")
	_, err = c.CreateJob(ctx, &batch.CreateJobRequest{Parent: loc, JobId: "nojob"})
	refused(err, codes.InvalidArgument, "job", "job is REQUIRED")
	_, err = c.GetJob(ctx, &batch.GetJobRequest{Name: loc + "/jobs/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	// A name of another form: over gRPC the field is refused; over REST
	// no binding takes its path.
	malformed := func(err error, field, why string) {
		t.Helper()
		if tag == "r" {
			assert.Equal(t, codes.NotFound, status.Code(err), "%s: %v", why, err)
			assert.Contains(t, status.Convert(err).Message(), "no REST route", why)
			return
		}
		refused(err, codes.InvalidArgument, field, why)
	}
	_, err = c.CreateJob(ctx, &batch.CreateJobRequest{Parent: "projects/p", JobId: "x", Job: batchJob(1, nil)})
	malformed(err, "parent", "a parent without its location")
	_, err = c.GetJob(ctx, &batch.GetJobRequest{Name: loc + "/queues/render"})
	malformed(err, "name", "not a job's name")

	// List by pages, filtered and ordered.
	listJobs := func(filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*batch.Job, string, error) {
			r, err := c.ListJobs(ctx, &batch.ListJobsRequest{Parent: loc, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			return r.GetJobs(), r.GetNextPageToken(), err
		})
	}
	assert.ElementsMatch(t, []string{render.Name, auto.Name, once.Name}, listJobs("", ""))
	assert.Equal(t, []string{render.Name}, listJobs(`labels.team = "a"`, ""))
	assert.Equal(t, []string{render.Name, once.Name}, listJobs("priority >= 5", "name desc"))
	assert.Equal(t, []string{once.Name, auto.Name, render.Name}, listJobs("", "create_time desc"))
	// Filters reach into the messages a job holds, through lists with
	// the has operator (AIP-160).
	assert.Equal(t, []string{once.Name, render.Name}, listJobs(`allocation_policy.location.allowed_locations:"zones/us-central1-a"`, "create_time desc"))
	assert.Equal(t, []string{auto.Name}, listJobs(`allocation_policy.location.allowed_locations:"regions/europe-west1"`, ""))
	assert.ElementsMatch(t, []string{render.Name, auto.Name, once.Name}, listJobs(`task_groups.task_spec.volumes.nfs.server:"10.0.0.2"`, ""))
	assert.Empty(t, listJobs("status.state = RUNNING", ""), "status is OUTPUT_ONLY: no job has one")
	_, err = c.ListJobs(ctx, &batch.ListJobsRequest{Parent: loc, Filter: "task_groups.task_count > 1"})
	refused(err, codes.InvalidArgument, "task_groups.task_count", "through a list only the has operator compares")
	r, err := c.ListJobs(ctx, &batch.ListJobsRequest{Parent: loc, Filter: `labels.team = "a"`})
	require.NoError(t, err)
	require.Len(t, r.Jobs, 1)
	assert.True(t, proto.Equal(render, r.Jobs[0]), "List answers the job whole: %v", r.Jobs[0])
	_, err = c.ListJobs(ctx, &batch.ListJobsRequest{Parent: loc, Filter: "no_such_field = 1"})
	refused(err, codes.InvalidArgument, "no_such_field", "a filter on no field")
	_, err = c.ListJobs(ctx, &batch.ListJobsRequest{Parent: loc, OrderBy: "no_such_field"})
	refused(err, codes.InvalidArgument, "no_such_field", "an order_by on no field")
	_, err = c.ListJobs(ctx, &batch.ListJobsRequest{Parent: loc, PageToken: "garbage"})
	refused(err, codes.InvalidArgument, "page_token", "a page token the server did not give")

	// Tasks: no method creates them, nor names a job's task groups (their
	// names are OUTPUT_ONLY) or writes them as rows, as generation warns
	// at Job.task_groups: no task group exists by name, and a job's task
	// groups (AIP-159's "-") list no tasks.
	for _, g := range render.TaskGroups {
		assert.Empty(t, g.Name, "OUTPUT_ONLY, and the server names none")
	}
	listTasks := func(parent string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*batch.Task, string, error) {
			r, err := c.ListTasks(ctx, &batch.ListTasksRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetTasks(), r.GetNextPageToken(), err
		})
	}
	assert.Empty(t, listTasks(render.Name+"/taskGroups/-"))
	assert.Empty(t, listTasks(loc+"/jobs/-/taskGroups/-"))
	_, err = c.ListTasks(ctx, &batch.ListTasksRequest{Parent: render.Name + "/taskGroups/group0"})
	assert.Equal(t, codes.NotFound, status.Code(err), "no task group is named group0: %v", err)
	_, err = c.GetTask(ctx, &batch.GetTaskRequest{Name: render.Name + "/taskGroups/group0/tasks/0"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = c.ListTasks(ctx, &batch.ListTasksRequest{Parent: loc + "/jobs/-/taskGroups/-", Filter: "no_such_field = 1"})
	refused(err, codes.InvalidArgument, "no_such_field", "a filter on no field")
	_, err = c.ListTasks(ctx, &batch.ListTasksRequest{Parent: render.Name})
	malformed(err, "parent", "a job is no task group")
	_, err = c.GetTask(ctx, &batch.GetTaskRequest{Name: render.Name + "/tasks/0"})
	malformed(err, "name", "a task's name has its task group")

	// Delete is long-running; its operation answers Empty.
	done := func(op *longrunningpb.Operation, err error, target string) {
		t.Helper()
		cloudOperationDone(t, op, err, &emptypb.Empty{}, &batch.OperationMetadata{}, "delete", target)
	}
	_, err = c.DeleteJob(ctx, &batch.DeleteJobRequest{Name: auto.Name, Reason: "obsolete"})
	refused(err, codes.InvalidArgument, "reason", "the generated Delete does not serve a reason")
	op, err := c.DeleteJob(ctx, &batch.DeleteJobRequest{Name: auto.Name})
	done(op, err, auto.Name)
	_, err = c.GetJob(ctx, &batch.GetJobRequest{Name: auto.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = c.DeleteJob(ctx, &batch.DeleteJobRequest{Name: auto.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	drid := map[string]string{"g": "9c3a7e15-2d4b-4f6a-8b1c-5e7d9f0a1b03", "r": "4e2f8a9b-6c1d-4a3e-9f5b-7d0c2e4a6b04"}[tag]
	op, err = c.DeleteJob(ctx, &batch.DeleteJobRequest{Name: once.Name, RequestId: drid})
	done(op, err, once.Name)
	op, err = c.DeleteJob(ctx, &batch.DeleteJobRequest{Name: once.Name, RequestId: drid})
	done(op, err, once.Name)
	op, err = c.DeleteJob(ctx, &batch.DeleteJobRequest{Name: render.Name})
	done(op, err, render.Name)
	assert.Empty(t, listJobs("", ""))
}
