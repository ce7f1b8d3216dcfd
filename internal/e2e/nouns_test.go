package e2e_test

import (
	"context"
	"path/filepath"
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

	nounsv1 "github.com/protoforge/protoforge/internal/e2e/gen/nouns/v1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestMethodsNamedAfterLastWords: standard methods named after the last
// words of their resource's message (GetBucket of a LogBucket, DeleteSink
// of a LogSink, as Cloud Logging names them) are served, and so are
// Updates whose request names the resource beside it (`name`,
// `sink_name`, the resource in the body), over gRPC and REST on every
// database; GetNamespacedBucket, by a name of another kind, stays the
// user's.
func TestMethodsNamedAfterLastWords(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/nouns/v1/schema", db.Dialector.Name()+".sql"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			nounsv1.RegisterConfigServiceServer(gs, nounsv1.NewConfigServiceCRUD(db))
		}, nil)
		t.Run("gRPC", func(t *testing.T) { nounsScenario(t, nounsv1.NewConfigServiceClient(conn), "g") })
		t.Run("REST", func(t *testing.T) { nounsScenario(t, nounsv1.NewConfigServiceClient(restConn{t: t, base: base}), "r") })
	})
}

func nounsScenario(t *testing.T, c nounsv1.ConfigServiceClient, tag string) {
	ctx := context.Background()
	project := "projects/p-" + tag
	loc := project + "/locations/global"

	// Buckets: created with the request's `bucket` and `bucket_id`.
	b, err := c.CreateBucket(ctx, &nounsv1.CreateBucketRequest{Parent: loc, BucketId: "audit", Bucket: &nounsv1.LogBucket{Description: "audit logs", RetentionDays: 30}})
	require.NoError(t, err)
	assert.Equal(t, loc+"/buckets/audit", b.Name)
	got, err := c.GetBucket(ctx, &nounsv1.GetBucketRequest{Name: b.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(b, got), "Get: %v, created: %v", got, b)
	list, err := c.ListBuckets(ctx, &nounsv1.ListBucketsRequest{Parent: loc})
	require.NoError(t, err)
	assert.Equal(t, []string{b.Name}, namesOf(list.Buckets))

	// Update by the request's name, the bucket in the body without one.
	up, err := c.UpdateBucket(ctx, &nounsv1.UpdateBucketRequest{Name: b.Name, Bucket: &nounsv1.LogBucket{RetentionDays: 90, Description: "not in the mask"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"retention_days"}}})
	require.NoError(t, err)
	assert.Equal(t, b.Name, up.Name)
	assert.Equal(t, int32(90), up.RetentionDays)
	assert.Equal(t, "audit logs", up.Description)
	_, err = c.UpdateBucket(ctx, &nounsv1.UpdateBucketRequest{Name: loc + "/buckets/nothing", Bucket: &nounsv1.LogBucket{RetentionDays: 1},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"retention_days"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	if tag == "g" {
		// (Over REST the body is the bucket: there is always one.)
		_, err = c.UpdateBucket(ctx, &nounsv1.UpdateBucketRequest{Name: b.Name, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"retention_days"}}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "bucket is REQUIRED: %v", err)
	}

	// Sinks, named by `sink_name`; one that holds another name than the
	// request's is refused.
	s, err := c.CreateSink(ctx, &nounsv1.CreateSinkRequest{Parent: project, Sink: &nounsv1.LogSink{Name: "ignored", Destination: "storage.googleapis.com/bucket"}})
	require.NoError(t, err)
	assert.Regexp(t, regexp.MustCompile(`^`+project+`/sinks/`+uuidPart+`$`), s.Name)
	gotSink, err := c.GetSink(ctx, &nounsv1.GetSinkRequest{SinkName: s.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(s, gotSink), "Get: %v, created: %v", gotSink, s)
	upSink, err := c.UpdateSink(ctx, &nounsv1.UpdateSinkRequest{SinkName: s.Name, Sink: &nounsv1.LogSink{Destination: "bigquery.googleapis.com/ds", Disabled: true},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"destination"}}})
	require.NoError(t, err)
	assert.Equal(t, "bigquery.googleapis.com/ds", upSink.Destination)
	assert.False(t, upSink.Disabled, "disabled is not in the mask")
	full, err := c.UpdateSink(ctx, &nounsv1.UpdateSinkRequest{SinkName: s.Name, Sink: &nounsv1.LogSink{Name: s.Name, Destination: "pubsub.googleapis.com/t", Filter: "severity>=ERROR"}})
	require.NoError(t, err, "the name the sink holds is the request's")
	assert.Equal(t, "severity>=ERROR", full.Filter)
	_, err = c.UpdateSink(ctx, &nounsv1.UpdateSinkRequest{SinkName: s.Name, Sink: &nounsv1.LogSink{Name: project + "/sinks/other", Destination: "d"}})
	require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	if tag == "g" {
		assert.Equal(t, []string{"sink.name"}, grpcViolationFields(t, err))
	}
	sinks, err := c.ListSinks(ctx, &nounsv1.ListSinksRequest{Parent: project})
	require.NoError(t, err)
	assert.Equal(t, []string{s.Name}, namesOf(sinks.Sinks))

	// Delete by the name the request holds.
	_, err = c.DeleteSink(ctx, &nounsv1.DeleteSinkRequest{SinkName: s.Name})
	require.NoError(t, err)
	_, err = c.GetSink(ctx, &nounsv1.GetSinkRequest{SinkName: s.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = c.DeleteBucket(ctx, &nounsv1.DeleteBucketRequest{Name: b.Name})
	require.NoError(t, err)
	_, err = c.GetBucket(ctx, &nounsv1.GetBucketRequest{Name: b.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	_, err = c.GetNamespacedBucket(ctx, &nounsv1.GetNamespacedBucketRequest{Name: "audit"})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "%v", err)
}
