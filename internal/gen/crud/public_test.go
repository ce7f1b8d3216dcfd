package crud_test

import (
	"bytes"
	"go/format"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/protoforge/protoforge/internal/gen/crud"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

// TestPublicAIPProtos generates AIP protos written by others, unchanged
// (testdata/public): generation never fails on them, and every resource
// and method it leaves out is a warning with its position and reason,
// compared with the .warnings file of each.
func TestPublicAIPProtos(t *testing.T) {
	dir := filepath.Join("testdata", "public")
	for name, files := range map[string][]string{
		"google-library": {"google/example/library/v1/library.proto"},
		"einride-freight": {"einride/example/freight/v1/freight_service.proto", "einride/example/freight/v1/shipment.proto",
			"einride/example/freight/v1/shipper.proto", "einride/example/freight/v1/site.proto"},
		"google-cloudtasks": {"google/cloud/tasks/v2/cloudtasks.proto", "google/cloud/tasks/v2/queue.proto",
			"google/cloud/tasks/v2/task.proto", "google/cloud/tasks/v2/target.proto"},
		"google-secretmanager":    {"google/cloud/secretmanager/v1/service.proto", "google/cloud/secretmanager/v1/resources.proto"},
		"google-kms":              {"google/cloud/kms/v1/service.proto", "google/cloud/kms/v1/resources.proto"},
		"google-workflows":        {"google/cloud/workflows/v1/workflows.proto"},
		"google-artifactregistry": {"google/devtools/artifactregistry/v1/apt_artifact.proto", "google/devtools/artifactregistry/v1/artifact.proto", "google/devtools/artifactregistry/v1/attachment.proto", "google/devtools/artifactregistry/v1/export.proto", "google/devtools/artifactregistry/v1/file.proto", "google/devtools/artifactregistry/v1/generic.proto", "google/devtools/artifactregistry/v1/go.proto", "google/devtools/artifactregistry/v1/kfp_artifact.proto", "google/devtools/artifactregistry/v1/package.proto", "google/devtools/artifactregistry/v1/repository.proto", "google/devtools/artifactregistry/v1/rule.proto", "google/devtools/artifactregistry/v1/service.proto", "google/devtools/artifactregistry/v1/settings.proto", "google/devtools/artifactregistry/v1/tag.proto", "google/devtools/artifactregistry/v1/version.proto", "google/devtools/artifactregistry/v1/vpcsc_config.proto", "google/devtools/artifactregistry/v1/yum_artifact.proto"},
		"google-eventarc":         {"google/cloud/eventarc/v1/channel.proto", "google/cloud/eventarc/v1/channel_connection.proto", "google/cloud/eventarc/v1/discovery.proto", "google/cloud/eventarc/v1/enrollment.proto", "google/cloud/eventarc/v1/eventarc.proto", "google/cloud/eventarc/v1/google_api_source.proto", "google/cloud/eventarc/v1/google_channel_config.proto", "google/cloud/eventarc/v1/logging_config.proto", "google/cloud/eventarc/v1/message_bus.proto", "google/cloud/eventarc/v1/network_config.proto", "google/cloud/eventarc/v1/pipeline.proto", "google/cloud/eventarc/v1/trigger.proto"},
		"google-pubsub":           {"google/pubsub/v1/pubsub.proto", "google/pubsub/v1/schema.proto"},
		"google-resourcemanager":  {"google/cloud/resourcemanager/v3/folders.proto", "google/cloud/resourcemanager/v3/organizations.proto", "google/cloud/resourcemanager/v3/projects.proto", "google/cloud/resourcemanager/v3/tag_bindings.proto", "google/cloud/resourcemanager/v3/tag_holds.proto", "google/cloud/resourcemanager/v3/tag_keys.proto", "google/cloud/resourcemanager/v3/tag_values.proto"},
		"google-scheduler":        {"google/cloud/scheduler/v1/cloudscheduler.proto", "google/cloud/scheduler/v1/job.proto", "google/cloud/scheduler/v1/target.proto"},
		"google-run":              {"google/cloud/run/v2/build.proto", "google/cloud/run/v2/condition.proto", "google/cloud/run/v2/container_status.proto", "google/cloud/run/v2/execution.proto", "google/cloud/run/v2/execution_template.proto", "google/cloud/run/v2/instance.proto", "google/cloud/run/v2/instance_split.proto", "google/cloud/run/v2/job.proto", "google/cloud/run/v2/k8s.min.proto", "google/cloud/run/v2/revision.proto", "google/cloud/run/v2/revision_template.proto", "google/cloud/run/v2/service.proto", "google/cloud/run/v2/status.proto", "google/cloud/run/v2/task.proto", "google/cloud/run/v2/task_template.proto", "google/cloud/run/v2/traffic_target.proto", "google/cloud/run/v2/vendor_settings.proto", "google/cloud/run/v2/worker_pool.proto", "google/cloud/run/v2/worker_pool_revision_template.proto"},

		"google-apikeys":            {"google/api/apikeys/v2/apikeys.proto", "google/api/apikeys/v2/resources.proto"},
		"google-certificatemanager": {"google/cloud/certificatemanager/v1/certificate_issuance_config.proto", "google/cloud/certificatemanager/v1/certificate_manager.proto", "google/cloud/certificatemanager/v1/trust_config.proto"},
		"google-deploy":             {"google/cloud/deploy/v1/automation_payload.proto", "google/cloud/deploy/v1/automationrun_payload.proto", "google/cloud/deploy/v1/cloud_deploy.proto", "google/cloud/deploy/v1/customtargettype_notification_payload.proto", "google/cloud/deploy/v1/deliverypipeline_notification_payload.proto", "google/cloud/deploy/v1/deploypolicy_evaluation_payload.proto", "google/cloud/deploy/v1/deploypolicy_notification_payload.proto", "google/cloud/deploy/v1/jobrun_notification_payload.proto", "google/cloud/deploy/v1/log_enums.proto", "google/cloud/deploy/v1/release_notification_payload.proto", "google/cloud/deploy/v1/release_render_payload.proto", "google/cloud/deploy/v1/rollout_notification_payload.proto", "google/cloud/deploy/v1/rollout_update_payload.proto", "google/cloud/deploy/v1/target_notification_payload.proto"},
		"google-logging":            {"google/logging/v2/log_entry.proto", "google/logging/v2/logging.proto", "google/logging/v2/logging_config.proto", "google/logging/v2/logging_metrics.proto"},
		"google-gkehub":             {"google/cloud/gkehub/v1/feature.proto", "google/cloud/gkehub/v1/fleet.proto", "google/cloud/gkehub/v1/membership.proto", "google/cloud/gkehub/v1/service.proto"},
		"google-workstations":       {"google/cloud/workstations/v1/workstations.proto"},
		"google-firestoreadmin":     {"google/firestore/admin/v1/backup.proto", "google/firestore/admin/v1/database.proto", "google/firestore/admin/v1/field.proto", "google/firestore/admin/v1/firestore_admin.proto", "google/firestore/admin/v1/index.proto", "google/firestore/admin/v1/location.proto", "google/firestore/admin/v1/operation.proto", "google/firestore/admin/v1/realtime_updates.proto", "google/firestore/admin/v1/schedule.proto", "google/firestore/admin/v1/snapshot.proto", "google/firestore/admin/v1/user_creds.proto"},
		"google-filestore":          {"google/cloud/filestore/v1/cloud_filestore_service.proto"},
		"google-servicedirectory":   {"google/cloud/servicedirectory/v1/endpoint.proto", "google/cloud/servicedirectory/v1/lookup_service.proto", "google/cloud/servicedirectory/v1/namespace.proto", "google/cloud/servicedirectory/v1/registration_service.proto", "google/cloud/servicedirectory/v1/service.proto"},
		"google-apigateway":         {"google/cloud/apigateway/v1/apigateway.proto", "google/cloud/apigateway/v1/apigateway_service.proto"},
		"google-cloudbuild":         {"google/devtools/cloudbuild/v2/cloudbuild.proto", "google/devtools/cloudbuild/v2/repositories.proto"},
		"google-batch":              {"google/cloud/batch/v1/batch.proto", "google/cloud/batch/v1/job.proto", "google/cloud/batch/v1/task.proto", "google/cloud/batch/v1/volume.proto"},
		"google-bqconnection":       {"google/cloud/bigquery/connection/v1/connection.proto"},
		"google-metastore":          {"google/cloud/metastore/v1/metastore.proto"},
	} {
		t.Run(name, func(t *testing.T) {
			// Einride's files leave go_package to buf's managed mode.
			var params []string
			for _, f := range files {
				if strings.HasPrefix(f, "einride/") {
					params = append(params, "M"+f+"=example.com/einride/freight/v1;freightv1")
				}
			}
			req, err := gentest.Request(dir, files, strings.Join(params, ","))
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			res, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true, Warnings: &buf}))
			if err != nil || res.GetError() != "" {
				t.Fatalf("protoc-gen-crud failed: %v %s", err, res.GetError())
			}
			if res, err := gentest.Run(req, orm.Run); err != nil || res.GetError() != "" {
				t.Fatalf("protoc-gen-orm failed: %v %s", err, res.GetError())
			}
			golden := filepath.Join(dir, name+".warnings")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if buf.String() != string(want) {
				t.Errorf("warnings differ from %s (run with -update and review the diff):\n%s", golden, buf.String())
			}
			if name == "google-library" && !strings.Contains(buf.String(), "MoveBook: custom method") {
				t.Errorf("no warning for the custom method MoveBook, which protoforge leaves out")
			}
		})
	}
}

// publicModule is the Go import path of testdata/public/want, where
// TestPublicGenerated writes each set's packages.
const publicModule = "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want"

// publicSets are the public proto sets built as Go packages: each is
// generated into want/<dir> as package pkg.
var publicSets = []struct {
	dir, pkg string
	files    []string
	// deps are imported files with no Go package to be had in this
	// module (Cloud's IAM types): protoc-gen-go writes them into
	// want/<dir>/<pkg of the dep> beside the set.
	deps map[string]string
	// shared are imported files another set generates: the Go package,
	// under want, of each.
	shared map[string]string
}{
	{"library", "library", []string{"google/example/library/v1/library.proto"}, nil, nil},
	{"freight", "freight", []string{"einride/example/freight/v1/freight_service.proto", "einride/example/freight/v1/shipment.proto",
		"einride/example/freight/v1/shipper.proto", "einride/example/freight/v1/site.proto"}, nil, nil},
	{"tasks", "tasks", []string{"google/cloud/tasks/v2/cloudtasks.proto", "google/cloud/tasks/v2/queue.proto",
		"google/cloud/tasks/v2/task.proto", "google/cloud/tasks/v2/target.proto"}, map[string]string{
		"google/iam/v1/iam_policy.proto": "iampb", "google/iam/v1/options.proto": "iampb",
		"google/iam/v1/policy.proto": "iampb", "google/iam/v1/resource_policy_member.proto": "iampb"}, nil},
	{"kms", "kms", []string{"google/cloud/kms/v1/service.proto", "google/cloud/kms/v1/resources.proto"}, nil, nil},
	{"workflows", "workflows", []string{"google/cloud/workflows/v1/workflows.proto"}, nil, nil},
	{"run", "run", []string{"google/cloud/run/v2/build.proto", "google/cloud/run/v2/condition.proto", "google/cloud/run/v2/container_status.proto", "google/cloud/run/v2/execution.proto", "google/cloud/run/v2/execution_template.proto", "google/cloud/run/v2/instance.proto", "google/cloud/run/v2/instance_split.proto", "google/cloud/run/v2/job.proto", "google/cloud/run/v2/k8s.min.proto", "google/cloud/run/v2/revision.proto", "google/cloud/run/v2/revision_template.proto", "google/cloud/run/v2/service.proto", "google/cloud/run/v2/status.proto", "google/cloud/run/v2/task.proto", "google/cloud/run/v2/task_template.proto", "google/cloud/run/v2/traffic_target.proto", "google/cloud/run/v2/vendor_settings.proto", "google/cloud/run/v2/worker_pool.proto", "google/cloud/run/v2/worker_pool_revision_template.proto"}, nil, map[string]string{
		// Cloud Tasks' IAM types: one Go package may register them.
		"google/iam/v1/iam_policy.proto": "tasks/iampb", "google/iam/v1/options.proto": "tasks/iampb",
		"google/iam/v1/policy.proto": "tasks/iampb"}},
	{"secretmanager", "secretmanager", []string{"google/cloud/secretmanager/v1/service.proto", "google/cloud/secretmanager/v1/resources.proto"}, nil, map[string]string{
		// Cloud Tasks' IAM types, as for Cloud Run.
		"google/iam/v1/iam_policy.proto": "tasks/iampb", "google/iam/v1/options.proto": "tasks/iampb",
		"google/iam/v1/policy.proto": "tasks/iampb", "google/iam/v1/resource_policy_member.proto": "tasks/iampb"}},
	{"artifactregistry", "artifactregistry", []string{"google/devtools/artifactregistry/v1/apt_artifact.proto", "google/devtools/artifactregistry/v1/artifact.proto", "google/devtools/artifactregistry/v1/attachment.proto", "google/devtools/artifactregistry/v1/export.proto", "google/devtools/artifactregistry/v1/file.proto", "google/devtools/artifactregistry/v1/generic.proto", "google/devtools/artifactregistry/v1/go.proto", "google/devtools/artifactregistry/v1/kfp_artifact.proto", "google/devtools/artifactregistry/v1/package.proto", "google/devtools/artifactregistry/v1/repository.proto", "google/devtools/artifactregistry/v1/rule.proto", "google/devtools/artifactregistry/v1/service.proto", "google/devtools/artifactregistry/v1/settings.proto", "google/devtools/artifactregistry/v1/tag.proto", "google/devtools/artifactregistry/v1/version.proto", "google/devtools/artifactregistry/v1/vpcsc_config.proto", "google/devtools/artifactregistry/v1/yum_artifact.proto"}, nil, map[string]string{
		// Cloud Tasks' IAM types, as for Cloud Run.
		"google/iam/v1/iam_policy.proto": "tasks/iampb", "google/iam/v1/options.proto": "tasks/iampb",
		"google/iam/v1/policy.proto": "tasks/iampb"}},
	{"eventarc", "eventarc", []string{"google/cloud/eventarc/v1/channel.proto", "google/cloud/eventarc/v1/channel_connection.proto", "google/cloud/eventarc/v1/discovery.proto", "google/cloud/eventarc/v1/enrollment.proto", "google/cloud/eventarc/v1/eventarc.proto", "google/cloud/eventarc/v1/google_api_source.proto", "google/cloud/eventarc/v1/google_channel_config.proto", "google/cloud/eventarc/v1/logging_config.proto", "google/cloud/eventarc/v1/message_bus.proto", "google/cloud/eventarc/v1/network_config.proto", "google/cloud/eventarc/v1/pipeline.proto", "google/cloud/eventarc/v1/trigger.proto"}, nil, nil},
	{"pubsub", "pubsub", []string{"google/pubsub/v1/pubsub.proto", "google/pubsub/v1/schema.proto"}, nil, nil},
	{"resourcemanager", "resourcemanager", []string{"google/cloud/resourcemanager/v3/folders.proto", "google/cloud/resourcemanager/v3/organizations.proto", "google/cloud/resourcemanager/v3/projects.proto", "google/cloud/resourcemanager/v3/tag_bindings.proto", "google/cloud/resourcemanager/v3/tag_holds.proto", "google/cloud/resourcemanager/v3/tag_keys.proto", "google/cloud/resourcemanager/v3/tag_values.proto"}, nil, map[string]string{
		// Cloud Tasks' IAM types, as for Cloud Run.
		"google/iam/v1/iam_policy.proto": "tasks/iampb", "google/iam/v1/options.proto": "tasks/iampb",
		"google/iam/v1/policy.proto": "tasks/iampb"}},
	{"scheduler", "scheduler", []string{"google/cloud/scheduler/v1/cloudscheduler.proto", "google/cloud/scheduler/v1/job.proto", "google/cloud/scheduler/v1/target.proto"}, nil, nil},
	{"apikeys", "apikeys", []string{"google/api/apikeys/v2/apikeys.proto", "google/api/apikeys/v2/resources.proto"}, nil, nil},
	{"certificatemanager", "certificatemanager", []string{"google/cloud/certificatemanager/v1/certificate_issuance_config.proto", "google/cloud/certificatemanager/v1/certificate_manager.proto", "google/cloud/certificatemanager/v1/trust_config.proto"}, nil, nil},
	{"deploy", "deploy", []string{"google/cloud/deploy/v1/automation_payload.proto", "google/cloud/deploy/v1/automationrun_payload.proto", "google/cloud/deploy/v1/cloud_deploy.proto", "google/cloud/deploy/v1/customtargettype_notification_payload.proto", "google/cloud/deploy/v1/deliverypipeline_notification_payload.proto", "google/cloud/deploy/v1/deploypolicy_evaluation_payload.proto", "google/cloud/deploy/v1/deploypolicy_notification_payload.proto", "google/cloud/deploy/v1/jobrun_notification_payload.proto", "google/cloud/deploy/v1/log_enums.proto", "google/cloud/deploy/v1/release_notification_payload.proto", "google/cloud/deploy/v1/release_render_payload.proto", "google/cloud/deploy/v1/rollout_notification_payload.proto", "google/cloud/deploy/v1/rollout_update_payload.proto", "google/cloud/deploy/v1/target_notification_payload.proto"}, nil, nil},
	{"logging", "logging", []string{"google/logging/v2/log_entry.proto", "google/logging/v2/logging.proto", "google/logging/v2/logging_config.proto", "google/logging/v2/logging_metrics.proto"}, nil, nil},
	{"gkehub", "gkehub", []string{"google/cloud/gkehub/v1/feature.proto", "google/cloud/gkehub/v1/fleet.proto", "google/cloud/gkehub/v1/membership.proto", "google/cloud/gkehub/v1/service.proto"}, map[string]string{
		// The features' own packages, which the set imports.
		"google/cloud/gkehub/v1/configmanagement/configmanagement.proto":                 "configmanagementpb",
		"google/cloud/gkehub/v1/multiclusteringress/multiclusteringress.proto":           "multiclusteringresspb",
		"google/cloud/gkehub/v1/rbacrolebindingactuation/rbacrolebindingactuation.proto": "rbacrolebindingactuationpb"}, nil},
	{"workstations", "workstations", []string{"google/cloud/workstations/v1/workstations.proto"}, nil, nil},
	{"firestoreadmin", "firestoreadmin", []string{"google/firestore/admin/v1/backup.proto", "google/firestore/admin/v1/database.proto", "google/firestore/admin/v1/field.proto", "google/firestore/admin/v1/firestore_admin.proto", "google/firestore/admin/v1/index.proto", "google/firestore/admin/v1/location.proto", "google/firestore/admin/v1/operation.proto", "google/firestore/admin/v1/realtime_updates.proto", "google/firestore/admin/v1/schedule.proto", "google/firestore/admin/v1/snapshot.proto", "google/firestore/admin/v1/user_creds.proto"}, nil, nil},
	{"filestore", "filestore", []string{"google/cloud/filestore/v1/cloud_filestore_service.proto"}, nil, nil},
	{"servicedirectory", "servicedirectory", []string{"google/cloud/servicedirectory/v1/endpoint.proto", "google/cloud/servicedirectory/v1/lookup_service.proto", "google/cloud/servicedirectory/v1/namespace.proto", "google/cloud/servicedirectory/v1/registration_service.proto", "google/cloud/servicedirectory/v1/service.proto"}, nil, map[string]string{
		// Cloud Tasks' IAM types, as for Cloud Run.
		"google/iam/v1/iam_policy.proto": "tasks/iampb", "google/iam/v1/options.proto": "tasks/iampb",
		"google/iam/v1/policy.proto": "tasks/iampb"}},
	{"apigateway", "apigateway", []string{"google/cloud/apigateway/v1/apigateway.proto", "google/cloud/apigateway/v1/apigateway_service.proto"}, nil, nil},
	{"cloudbuild", "cloudbuild", []string{"google/devtools/cloudbuild/v2/cloudbuild.proto", "google/devtools/cloudbuild/v2/repositories.proto"}, nil, nil},
	{"batch", "batch", []string{"google/cloud/batch/v1/batch.proto", "google/cloud/batch/v1/job.proto", "google/cloud/batch/v1/task.proto", "google/cloud/batch/v1/volume.proto"}, nil, nil},
	{"bqconnection", "bqconnection", []string{"google/cloud/bigquery/connection/v1/connection.proto"}, nil, map[string]string{
		// Cloud Tasks' IAM types, as for Cloud Run.
		"google/iam/v1/iam_policy.proto": "tasks/iampb", "google/iam/v1/options.proto": "tasks/iampb",
		"google/iam/v1/policy.proto": "tasks/iampb"}},
	{"metastore", "metastore", []string{"google/cloud/metastore/v1/metastore.proto"}, nil, nil},
}

// TestPublicGenerated generates the public proto sets with protoc-gen-go,
// protoc-gen-go-grpc, protoc-gen-orm (Go and schema) and protoc-gen-crud
// into testdata/public/want/<set>, as Go packages of this module (the
// imported google/api and google/type files keep their genproto
// packages), and compares every file with the checked-in one; -update
// rewrites them. internal/e2e serves them on every database.
func TestPublicGenerated(t *testing.T) {
	dir := filepath.Join("testdata", "public")
	for _, set := range publicSets {
		t.Run(set.dir, func(t *testing.T) {
			params := []string{"module=" + publicModule}
			for _, f := range set.files {
				params = append(params, "M"+f+"="+publicModule+"/"+set.dir+";"+set.pkg)
			}
			for f, dir := range set.shared {
				params = append(params, "M"+f+"="+publicModule+"/"+dir+";"+path.Base(dir))
			}
			var deps []string
			for f, pkg := range set.deps {
				params = append(params, "M"+f+"="+publicModule+"/"+set.dir+"/"+pkg+";"+pkg)
				deps = append(deps, f)
			}
			sort.Strings(deps)
			req, err := gentest.Request(dir, set.files, strings.Join(params, ","))
			require.NoError(t, err)
			var warnings bytes.Buffer
			crudResp, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true, Warnings: &warnings}))
			require.NoError(t, err)
			require.Empty(t, crudResp.GetError(), "protoc-gen-crud")
			resps := []*pluginpb.CodeGeneratorResponse{crudResp}
			for _, argv := range [][]string{
				{"go", "tool", "protoc-gen-go"},
				{"go", "tool", "protoc-gen-go-grpc"},
				{"go", "run", "./cmd/protoc-gen-orm"},
			} {
				resp, err := gentest.RunBinary(req, gentest.RepoRoot(), argv...)
				require.NoError(t, err)
				require.Empty(t, resp.GetError(), "%v", argv)
				resps = append(resps, resp)
			}
			if len(deps) > 0 {
				depReq, err := gentest.Request(dir, deps, strings.Join(params, ","))
				require.NoError(t, err)
				resp, err := gentest.RunBinary(depReq, gentest.RepoRoot(), "go", "tool", "protoc-gen-go")
				require.NoError(t, err)
				require.Empty(t, resp.GetError(), "protoc-gen-go on %v", deps)
				resps = append(resps, resp)
			}
			// protoc-gen-go copies doc comments as the proto spells them,
			// and gofmt rewraps some (Cloud Tasks' target.proto): the
			// checked-in files are kept as gofmt writes them.
			for _, resp := range resps {
				for _, f := range resp.GetFile() {
					if strings.HasSuffix(f.GetName(), ".pb.go") {
						src, err := format.Source([]byte(f.GetContent()))
						require.NoError(t, err, "gofmt %s", f.GetName())
						f.Content = proto.String(string(src))
					}
				}
			}
			wantDir := filepath.Join(dir, "want")
			setDir := filepath.Join(wantDir, set.dir)
			files := map[string]string{}
			for _, resp := range resps {
				for name, content := range gentest.Files(resp) {
					require.True(t, strings.HasPrefix(name, set.dir+"/"), "%s is not under want/%s", name, set.dir)
					files[name] = content
				}
			}
			require.NotEmpty(t, files)
			if *update {
				require.NoError(t, os.RemoveAll(setDir))
				for _, resp := range resps {
					require.NoError(t, gentest.Write(resp, wantDir))
				}
				return
			}
			for name, content := range files {
				want, err := os.ReadFile(filepath.Join(wantDir, name))
				require.NoError(t, err, "run the test with -update")
				assert.Equal(t, string(want), content, "%s differs from the checked-in file; run with -update and review the diff", name)
			}
			_ = filepath.WalkDir(setDir, func(path string, d os.DirEntry, err error) error {
				if err != nil || d.IsDir() {
					return err
				}
				rel, _ := filepath.Rel(wantDir, path)
				if _, ok := files[filepath.ToSlash(rel)]; !ok {
					t.Errorf("%s is no longer generated; run with -update", path)
				}
				return nil
			})
		})
	}
}

// TestPublicGeneratedCompiles vets the packages TestPublicGenerated
// writes.
func TestPublicGeneratedCompiles(t *testing.T) {
	if testing.Short() {
		t.Skip("builds packages")
	}
	out, err := exec.Command("go", "vet", "./testdata/public/want/...").CombinedOutput()
	require.NoError(t, err, "go vet:\n%s", out)
	assert.Empty(t, gentest.Unformatted(t, filepath.Join("testdata", "public", "want")), "not gofmt-clean")
}
