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
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	loggingv2 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/logging"
)

// TestPublicLogging serves Google Cloud Logging v2's configuration
// (google/logging/v2, unchanged) on every database, over gRPC and over
// REST through its own google.api.http annotations: its standard methods
// are named after the last words of their resources' messages (GetBucket
// of a LogBucket, DeleteSink of a LogSink by `sink_name`), and its Updates
// name the resource beside it (UpdateBucketRequest.name, the bucket in
// the body); buckets, their views and links, sinks and exclusions, each
// of four patterns (projects, organizations, folders, billing accounts),
// and the settings of each such parent, singletons of four patterns.
func TestPublicLogging(t *testing.T) {
	servePublic(t, "logging", func(gs *grpc.Server, db *gorm.DB) {
		loggingv2.RegisterConfigServiceV2Server(gs, loggingv2.NewConfigServiceV2CRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		loggingScenario(t, loggingv2.NewConfigServiceV2Client(cc), tag)
	})
}

func loggingScenario(t *testing.T, c loggingv2.ConfigServiceV2Client, tag string) {
	ctx := context.Background()
	project := "projects/p-" + tag
	loc := project + "/locations/global"
	org := "organizations/o-" + tag + "/locations/global"
	listBuckets := func(parent string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*loggingv2.LogBucket, string, error) {
			r, err := c.ListBuckets(ctx, &loggingv2.ListBucketsRequest{Parent: parent, PageSize: 1, PageToken: token})
			return r.GetBuckets(), r.GetNextPageToken(), err
		})
	}

	// Buckets, under a project and under an organization.
	newBucket := func(parent, id string) *loggingv2.LogBucket {
		t.Helper()
		b, err := c.CreateBucket(ctx, &loggingv2.CreateBucketRequest{Parent: parent, BucketId: id, Bucket: &loggingv2.LogBucket{Description: id, RetentionDays: 30}})
		require.NoError(t, err)
		assert.Equal(t, parent+"/buckets/"+id, b.Name)
		return b
	}
	audit, app, orgBucket := newBucket(loc, "audit"), newBucket(loc, "app"), newBucket(org, "audit")
	got, err := c.GetBucket(ctx, &loggingv2.GetBucketRequest{Name: audit.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(audit, got), "Get: %v, created: %v", got, audit)
	got, err = c.GetBucket(ctx, &loggingv2.GetBucketRequest{Name: orgBucket.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(orgBucket, got), "Get: %v, created: %v", got, orgBucket)
	assert.ElementsMatch(t, []string{audit.Name, app.Name}, listBuckets(loc), "by pages of one")
	assert.Equal(t, []string{orgBucket.Name}, listBuckets(org))
	_, err = c.CreateBucket(ctx, &loggingv2.CreateBucketRequest{Parent: loc, BucketId: "audit", Bucket: &loggingv2.LogBucket{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateBucket(ctx, &loggingv2.CreateBucketRequest{Parent: loc, Bucket: &loggingv2.LogBucket{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "bucket_id is REQUIRED: %v", err)

	// Update by the request's name, with a mask.
	up, err := c.UpdateBucket(ctx, &loggingv2.UpdateBucketRequest{Name: audit.Name, Bucket: &loggingv2.LogBucket{RetentionDays: 400, Description: "not in the mask"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"retention_days"}}})
	require.NoError(t, err)
	assert.Equal(t, audit.Name, up.Name)
	assert.Equal(t, int32(400), up.RetentionDays)
	assert.Equal(t, "audit", up.Description)
	_, err = c.UpdateBucket(ctx, &loggingv2.UpdateBucketRequest{Name: loc + "/buckets/nothing", Bucket: &loggingv2.LogBucket{RetentionDays: 1},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"retention_days"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Views under a bucket.
	view, err := c.CreateView(ctx, &loggingv2.CreateViewRequest{Parent: audit.Name, ViewId: "errors", View: &loggingv2.LogView{Filter: "severity>=ERROR"}})
	require.NoError(t, err)
	assert.Equal(t, audit.Name+"/views/errors", view.Name)
	views, err := c.ListViews(ctx, &loggingv2.ListViewsRequest{Parent: audit.Name})
	require.NoError(t, err)
	assert.Equal(t, []string{view.Name}, namesOf(views.Views))
	upView, err := c.UpdateView(ctx, &loggingv2.UpdateViewRequest{Name: view.Name, View: &loggingv2.LogView{Description: "errors only"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description"}}})
	require.NoError(t, err)
	assert.Equal(t, "errors only", upView.Description)
	assert.Equal(t, "severity>=ERROR", upView.Filter)
	_, err = c.DeleteBucket(ctx, &loggingv2.DeleteBucketRequest{Name: audit.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a bucket with a view: %v", err)
	_, err = c.DeleteView(ctx, &loggingv2.DeleteViewRequest{Name: view.Name})
	require.NoError(t, err)

	// Links under a bucket: long-running.
	op, err := c.CreateLink(ctx, &loggingv2.CreateLinkRequest{Parent: app.Name, LinkId: "bq", Link: &loggingv2.Link{Description: "to BigQuery"}})
	require.NoError(t, err)
	link := &loggingv2.Link{}
	operationDone(t, op, link, &loggingv2.LinkMetadata{})
	assert.Equal(t, app.Name+"/links/bq", link.Name)
	op, err = c.DeleteLink(ctx, &loggingv2.DeleteLinkRequest{Name: link.Name})
	require.NoError(t, err)
	require.True(t, op.GetDone(), "%v", op)

	// Sinks, named by the server, read, updated and deleted by
	// `sink_name`.
	sink, err := c.CreateSink(ctx, &loggingv2.CreateSinkRequest{Parent: project, Sink: &loggingv2.LogSink{Destination: "storage.googleapis.com/my-bucket", Filter: "severity>=ERROR"}})
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^`+project+`/sinks/`+uuidPart+`$`), sink.Name)
	gotSink, err := c.GetSink(ctx, &loggingv2.GetSinkRequest{SinkName: sink.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(sink, gotSink), "Get: %v, created: %v", gotSink, sink)
	upSink, err := c.UpdateSink(ctx, &loggingv2.UpdateSinkRequest{SinkName: sink.Name, Sink: &loggingv2.LogSink{Disabled: true, Destination: "not in the mask"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}})
	require.NoError(t, err)
	assert.True(t, upSink.Disabled)
	assert.Equal(t, "storage.googleapis.com/my-bucket", upSink.Destination)
	_, err = c.UpdateSink(ctx, &loggingv2.UpdateSinkRequest{SinkName: sink.Name, Sink: &loggingv2.LogSink{Name: project + "/sinks/other", Disabled: false},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "the sink holds another name: %v", err)
	_, err = c.CreateSink(ctx, &loggingv2.CreateSinkRequest{Parent: project, Sink: &loggingv2.LogSink{Destination: "d"}, UniqueWriterIdentity: true})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "unique_writer_identity is the user's to serve: %v", err)
	sinks, err := c.ListSinks(ctx, &loggingv2.ListSinksRequest{Parent: project})
	require.NoError(t, err)
	assert.Equal(t, []string{sink.Name}, namesOf(sinks.Sinks))
	_, err = c.DeleteSink(ctx, &loggingv2.DeleteSinkRequest{SinkName: sink.Name})
	require.NoError(t, err)
	_, err = c.GetSink(ctx, &loggingv2.GetSinkRequest{SinkName: sink.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Exclusions, under a folder.
	folder := "folders/f-" + tag
	ex, err := c.CreateExclusion(ctx, &loggingv2.CreateExclusionRequest{Parent: folder, Exclusion: &loggingv2.LogExclusion{Filter: "severity<INFO"}})
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^`+folder+`/exclusions/`+uuidPart+`$`), ex.Name)
	upEx, err := c.UpdateExclusion(ctx, &loggingv2.UpdateExclusionRequest{Name: ex.Name, Exclusion: &loggingv2.LogExclusion{Disabled: true},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disabled"}}})
	require.NoError(t, err)
	assert.True(t, upEx.Disabled)
	_, err = c.DeleteExclusion(ctx, &loggingv2.DeleteExclusionRequest{Name: ex.Name})
	require.NoError(t, err)

	// Settings and CMEK settings: singletons of four patterns (AIP-156,
	// AIP-123), under parents this API does not store, which always
	// exist. One never written is read with its defaults; its first
	// Update stores it; a project's and an organization's of the same id
	// are two. The REST routes (/v2/{name=*/*}/settings) bind the
	// parent's name, which names its singleton; over gRPC the singleton's
	// own name does, and so does its parent's.
	same := "x-" + tag
	named := func(parent, collection string) string {
		if tag == "r" {
			return parent
		}
		return parent + "/" + collection
	}
	for _, parent := range []string{"projects/" + same, "organizations/" + same, "folders/" + same, "billingAccounts/" + same} {
		s, err := c.GetSettings(ctx, &loggingv2.GetSettingsRequest{Name: named(parent, "settings")})
		require.NoError(t, err, parent)
		assert.True(t, proto.Equal(&loggingv2.Settings{Name: parent + "/settings"}, s), "never written: %v", s)
	}
	orgOf := "organizations/" + same
	set, err := c.UpdateSettings(ctx, &loggingv2.UpdateSettingsRequest{Name: named(orgOf, "settings"), Settings: &loggingv2.Settings{StorageLocation: "europe-west1", DisableDefaultSink: true, KmsKeyName: "not in the mask"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"storage_location", "disable_default_sink"}}})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&loggingv2.Settings{Name: orgOf + "/settings", StorageLocation: "europe-west1", DisableDefaultSink: true}, set), "first Update: %v", set)
	set, err = c.UpdateSettings(ctx, &loggingv2.UpdateSettingsRequest{Name: orgOf, Settings: &loggingv2.Settings{DisableDefaultSink: false},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"disable_default_sink"}}})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&loggingv2.Settings{Name: orgOf + "/settings", StorageLocation: "europe-west1"}, set), "second Update, by the parent's name: %v", set)
	gotSet, err := c.GetSettings(ctx, &loggingv2.GetSettingsRequest{Name: named(orgOf, "settings")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(set, gotSet), "Get: %v, updated: %v", gotSet, set)
	gotSet, err = c.GetSettings(ctx, &loggingv2.GetSettingsRequest{Name: named("projects/"+same, "settings")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&loggingv2.Settings{Name: "projects/" + same + "/settings"}, gotSet), "the project's of the same id: %v", gotSet)
	_, err = c.UpdateSettings(ctx, &loggingv2.UpdateSettingsRequest{Name: named(orgOf, "settings"), Settings: &loggingv2.Settings{Name: "folders/" + same + "/settings"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"storage_location"}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "the settings hold another name: %v", err)
	bad := []string{"locations/" + same}
	if tag != "r" {
		bad = append(bad, "locations/"+same+"/settings", "projects/"+same+"/cmekSettings", "projects/-/settings", "projects/"+same+"/settings/x")
	}
	for _, name := range bad {
		_, err = c.GetSettings(ctx, &loggingv2.GetSettingsRequest{Name: name})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%s: %v", name, err)
		_, err = c.UpdateSettings(ctx, &loggingv2.UpdateSettingsRequest{Name: name, Settings: &loggingv2.Settings{StorageLocation: "x"},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"storage_location"}}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%s: %v", name, err)
	}
	// A billing account's: over REST, PATCH /v2/{name=*/*}/cmekSettings
	// beside GET /v2/{name=billingAccounts/*}/cmekSettings.
	owner := "billingAccounts/" + same
	cs, err := c.UpdateCmekSettings(ctx, &loggingv2.UpdateCmekSettingsRequest{Name: named(owner, "cmekSettings"), CmekSettings: &loggingv2.CmekSettings{KmsKeyName: "projects/k/locations/l/keyRings/r/cryptoKeys/c"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"kms_key_name"}}})
	require.NoError(t, err)
	assert.Equal(t, owner+"/cmekSettings", cs.Name)
	gotCs, err := c.GetCmekSettings(ctx, &loggingv2.GetCmekSettingsRequest{Name: named(owner, "cmekSettings")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(cs, gotCs), "Get: %v, updated: %v", gotCs, cs)
	gotCs, err = c.GetCmekSettings(ctx, &loggingv2.GetCmekSettingsRequest{Name: named("folders/"+same, "cmekSettings")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&loggingv2.CmekSettings{Name: "folders/" + same + "/cmekSettings"}, gotCs), "a folder's of the same id, never written: %v", gotCs)

	// UndeleteBucket returns Empty and buckets are not soft deleted
	// (AIP-164): it is the user's, as are the custom methods.
	_, err = c.UndeleteBucket(ctx, &loggingv2.UndeleteBucketRequest{Name: audit.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "UndeleteBucket: %v", err)
	_, err = c.CopyLogEntries(ctx, &loggingv2.CopyLogEntriesRequest{Name: audit.Name, Destination: "storage.googleapis.com/b"})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "CopyLogEntries: %v", err)

	for _, b := range []*loggingv2.LogBucket{audit, app, orgBucket} {
		_, err = c.DeleteBucket(ctx, &loggingv2.DeleteBucketRequest{Name: b.Name})
		require.NoError(t, err)
	}
	assert.Empty(t, listBuckets(loc))
}
