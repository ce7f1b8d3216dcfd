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
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	pubsubv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/pubsub"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestPublicPubSub serves Google Cloud Pub/Sub v1 (google/pubsub/v1,
// unchanged) on every database, over gRPC and over REST through its own
// google.api.http annotations: its requests have the shapes of before
// AIP-133: topics and subscriptions are created by putting the resource,
// named by the client, at its name (CreateTopic(Topic), PUT
// /v1/{name=projects/*/topics/*}); Get and Delete name them in fields
// named after them (GetTopicRequest.topic) and List in `project`. A
// topic's patterns include the literal `_deleted-topic_`, which a
// subscription's topic may hold; snapshots are written by the service
// (a typed store here); schemas are created with an id.
func TestPublicPubSub(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, publicSchema(db, "pubsub"))
		subscriber := pubsubv1.NewSubscriberCRUD(db)
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			pubsubv1.RegisterPublisherServer(gs, pubsubv1.NewPublisherCRUD(db))
			pubsubv1.RegisterSubscriberServer(gs, subscriber)
			pubsubv1.RegisterSchemaServiceServer(gs, pubsubv1.NewSchemaServiceCRUD(db))
		}, nil)
		scenario := func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
			pubsubScenario(t, pubsubv1.NewPublisherClient(cc), pubsubv1.NewSubscriberClient(cc), pubsubv1.NewSchemaServiceClient(cc), subscriber, tag)
		}
		t.Run("gRPC", func(t *testing.T) { scenario(t, conn, "g") })
		t.Run("REST", func(t *testing.T) { scenario(t, restConn{t: t, base: base}, "r") })
	})
}

func pubsubScenario(t *testing.T, pub pubsubv1.PublisherClient, sub pubsubv1.SubscriberClient, schemas pubsubv1.SchemaServiceClient, impl *pubsubv1.SubscriberCRUD, tag string) {
	ctx := context.Background()
	project := "projects/p-" + tag
	listTopics := func() []string {
		return pageNames(t, func(token string) ([]*pubsubv1.Topic, string, error) {
			r, err := pub.ListTopics(ctx, &pubsubv1.ListTopicsRequest{Project: project, PageSize: 1, PageToken: token})
			return r.GetTopics(), r.GetNextPageToken(), err
		})
	}

	// Topics, created at the name the client gives them.
	topic, err := pub.CreateTopic(ctx, &pubsubv1.Topic{Name: project + "/topics/orders", Labels: map[string]string{"team": "a"},
		MessageRetentionDuration: durationpb.New(3600e9), State: pubsubv1.Topic_INGESTION_RESOURCE_ERROR, Tags: map[string]string{"env": "prod"}})
	require.NoError(t, err)
	assert.Equal(t, project+"/topics/orders", topic.Name)
	assert.Equal(t, pubsubv1.Topic_STATE_UNSPECIFIED, topic.State, "state is OUTPUT_ONLY")
	assert.Empty(t, topic.Tags, "tags are INPUT_ONLY")
	got, err := pub.GetTopic(ctx, &pubsubv1.GetTopicRequest{Topic: topic.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(topic, got), "Get: %v, created: %v", got, topic)
	other, err := pub.CreateTopic(ctx, &pubsubv1.Topic{Name: project + "/topics/audit"})
	require.NoError(t, err)
	_, err = pub.CreateTopic(ctx, &pubsubv1.Topic{Name: topic.Name})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	if tag == "g" {
		// Over REST these match no route.
		_, err = pub.CreateTopic(ctx, &pubsubv1.Topic{})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "a topic names itself: %v", err)
		_, err = pub.CreateTopic(ctx, &pubsubv1.Topic{Name: "topics/x"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), "name: want projects/{project}/topics/{topic}")
		_, err = pub.GetTopic(ctx, &pubsubv1.GetTopicRequest{Topic: "_deleted-topic_"})
		assert.Equal(t, codes.NotFound, status.Code(err), "a name of the topic's literal pattern, which no topic has: %v", err)
		_, err = pub.GetTopic(ctx, &pubsubv1.GetTopicRequest{Topic: "projects/p/queues/q"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), "topic: want projects/{project}/topics/{topic}", "the error names the request's field")
		_, err = pub.ListTopics(ctx, &pubsubv1.ListTopicsRequest{Project: "folders/f"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), "project: want projects/{project}", "the error names the request's field")
		_, err = pub.ListTopics(ctx, &pubsubv1.ListTopicsRequest{})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "project is REQUIRED: %v", err)
	}
	assert.ElementsMatch(t, []string{topic.Name, other.Name}, listTopics(), "ListTopics of the project, by pages of one")
	up, err := pub.UpdateTopic(ctx, &pubsubv1.UpdateTopicRequest{Topic: &pubsubv1.Topic{Name: topic.Name, Labels: map[string]string{"team": "b"}, KmsKeyName: "not in the mask"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"team": "b"}, up.Labels)
	assert.Empty(t, up.KmsKeyName)
	assert.Equal(t, int64(3600), up.GetMessageRetentionDuration().GetSeconds())

	// Subscriptions refer to their topic; `_deleted-topic_` names none.
	s, err := sub.CreateSubscription(ctx, &pubsubv1.Subscription{Name: project + "/subscriptions/billing", Topic: topic.Name, AckDeadlineSeconds: 30,
		RetryPolicy: &pubsubv1.RetryPolicy{MinimumBackoff: durationpb.New(10e9)}})
	require.NoError(t, err)
	assert.Equal(t, project+"/subscriptions/billing", s.Name)
	gotSub, err := sub.GetSubscription(ctx, &pubsubv1.GetSubscriptionRequest{Subscription: s.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(s, gotSub), "Get: %v, created: %v", gotSub, s)
	_, err = sub.CreateSubscription(ctx, &pubsubv1.Subscription{Name: project + "/subscriptions/lost", Topic: project + "/topics/nothing"})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a topic that does not exist: %v", err)
	orphan, err := sub.CreateSubscription(ctx, &pubsubv1.Subscription{Name: project + "/subscriptions/orphan", Topic: "_deleted-topic_"})
	require.NoError(t, err, "the topic's literal pattern")
	assert.Equal(t, "_deleted-topic_", orphan.Topic)
	subs, err := sub.ListSubscriptions(ctx, &pubsubv1.ListSubscriptionsRequest{Project: project})
	require.NoError(t, err)
	assert.Len(t, subs.Subscriptions, 2)
	upSub, err := sub.UpdateSubscription(ctx, &pubsubv1.UpdateSubscriptionRequest{Subscription: &pubsubv1.Subscription{Name: s.Name, AckDeadlineSeconds: 60},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"ack_deadline_seconds"}}})
	require.NoError(t, err)
	assert.Equal(t, int32(60), upSub.AckDeadlineSeconds)
	assert.Equal(t, topic.Name, upSub.Topic)
	_, err = sub.UpdateSubscription(ctx, &pubsubv1.UpdateSubscriptionRequest{Subscription: &pubsubv1.Subscription{Name: s.Name, Topic: "_deleted-topic_"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"topic"}}})
	require.NoError(t, err, "a subscription may be moved off its topic")
	_, err = sub.UpdateSubscription(ctx, &pubsubv1.UpdateSubscriptionRequest{Subscription: &pubsubv1.Subscription{Name: s.Name, Topic: topic.Name},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"topic"}}})
	require.NoError(t, err)

	// Snapshots are the service's to write (from a subscription's
	// backlog); read, listed, updated and deleted here.
	snap, err := impl.SnapshotStore().CreateIn(ctx, project, "before-deploy", &pubsubv1.Snapshot{Topic: topic.Name, Labels: map[string]string{"a": "b"}})
	require.NoError(t, err)
	gotSnap, err := sub.GetSnapshot(ctx, &pubsubv1.GetSnapshotRequest{Snapshot: snap.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(snap, gotSnap), "Get: %v, created: %v", gotSnap, snap)
	snaps, err := sub.ListSnapshots(ctx, &pubsubv1.ListSnapshotsRequest{Project: project})
	require.NoError(t, err)
	require.Len(t, snaps.Snapshots, 1)
	upSnap, err := sub.UpdateSnapshot(ctx, &pubsubv1.UpdateSnapshotRequest{Snapshot: &pubsubv1.Snapshot{Name: snap.Name, Labels: map[string]string{"c": "d"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"c": "d"}, upSnap.Labels)

	// A topic that a subscription or a snapshot names is kept.
	_, err = pub.DeleteTopic(ctx, &pubsubv1.DeleteTopicRequest{Topic: topic.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "subscriptions name the topic: %v", err)
	for _, name := range []string{s.Name, orphan.Name} {
		_, err = sub.DeleteSubscription(ctx, &pubsubv1.DeleteSubscriptionRequest{Subscription: name})
		require.NoError(t, err)
		_, err = sub.GetSubscription(ctx, &pubsubv1.GetSubscriptionRequest{Subscription: name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
	}
	_, err = sub.DeleteSnapshot(ctx, &pubsubv1.DeleteSnapshotRequest{Snapshot: snap.Name})
	require.NoError(t, err)
	for _, name := range []string{topic.Name, other.Name} {
		_, err = pub.DeleteTopic(ctx, &pubsubv1.DeleteTopicRequest{Topic: name})
		require.NoError(t, err)
		_, err = pub.DeleteTopic(ctx, &pubsubv1.DeleteTopicRequest{Topic: name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	}
	assert.Empty(t, listTopics())

	// Schemas, AIP-133's way.
	schema, err := schemas.CreateSchema(ctx, &pubsubv1.CreateSchemaRequest{Parent: project, SchemaId: "order", Schema: &pubsubv1.Schema{
		Type: pubsubv1.Schema_AVRO, Definition: `{"type":"record","name":"Order","fields":[]}`}})
	require.NoError(t, err)
	assert.Equal(t, project+"/schemas/order", schema.Name)
	gotSchema, err := schemas.GetSchema(ctx, &pubsubv1.GetSchemaRequest{Name: schema.Name, View: pubsubv1.SchemaView_FULL})
	require.NoError(t, err)
	assert.True(t, proto.Equal(schema, gotSchema), "Get: %v, created: %v", gotSchema, schema)
	list, err := schemas.ListSchemas(ctx, &pubsubv1.ListSchemasRequest{Parent: project})
	require.NoError(t, err)
	require.Len(t, list.Schemas, 1)
	_, err = schemas.DeleteSchema(ctx, &pubsubv1.DeleteSchemaRequest{Name: schema.Name})
	require.NoError(t, err)

	// The custom methods are the user's (AIP-136): Unimplemented.
	_, err = pub.Publish(ctx, &pubsubv1.PublishRequest{Topic: topic.Name, Messages: []*pubsubv1.PubsubMessage{{Data: []byte("x")}}})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "Publish: %v", err)
	_, err = sub.Pull(ctx, &pubsubv1.PullRequest{Subscription: s.Name, MaxMessages: 1})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "Pull: %v", err)
}
