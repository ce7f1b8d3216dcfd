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
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	eventarcv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/eventarc"
)

// TestPublicEventarc serves Google Eventarc v1 (google/cloud/eventarc/v1,
// unchanged) on every database, over gRPC and over REST through its own
// google.api.http annotations: every write is long-running (AIP-151), and
// the writes take validate_only (AIP-163), Update and Delete
// allow_missing (AIP-134, AIP-135) and Delete an etag (AIP-154); Delete
// answers the resource deleted. Enrollments refer to message buses,
// channel connections to channels; the Google channel config is a
// singleton.
func TestPublicEventarc(t *testing.T) {
	servePublic(t, "eventarc", func(gs *grpc.Server, db *gorm.DB) {
		eventarcv1.RegisterEventarcServer(gs, eventarcv1.NewEventarcCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		eventarcScenario(t, eventarcv1.NewEventarcClient(cc), tag)
	})
}

func eventarcScenario(t *testing.T, c eventarcv1.EventarcClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-central1"
	done := func(op *longrunningpb.Operation, err error, resp proto.Message, verb, target string) {
		t.Helper()
		cloudOperationDone(t, op, err, resp, &eventarcv1.OperationMetadata{}, verb, target)
	}
	trigger := func(service string) *eventarcv1.Trigger {
		return &eventarcv1.Trigger{
			EventFilters: []*eventarcv1.EventFilter{{Attribute: "type", Value: "google.cloud.pubsub.topic.v1.messagePublished"}},
			Destination: &eventarcv1.Destination{Descriptor_: &eventarcv1.Destination_CloudRun{CloudRun: &eventarcv1.CloudRun{
				Service: service, Region: "us-central1", Path: "/events"}}},
			Labels: map[string]string{"team": "a"},
		}
	}
	listTriggers := func(req *eventarcv1.ListTriggersRequest) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*eventarcv1.Trigger, string, error) {
			r := proto.Clone(req).(*eventarcv1.ListTriggersRequest)
			r.Parent, r.PageSize, r.PageToken = loc, 1, token
			resp, err := c.ListTriggers(ctx, r)
			return resp.GetTriggers(), resp.GetNextPageToken(), err
		})
	}

	// Create, long-running, with the client's id; the name the resource
	// holds (REQUIRED in the proto) is the server's (AIP-133).
	op, err := c.CreateTrigger(ctx, &eventarcv1.CreateTriggerRequest{Parent: loc, TriggerId: "on-publish", Trigger: trigger("svc-a"), ValidateOnly: true})
	checked := &eventarcv1.Trigger{}
	done(op, err, checked, "create", loc+"/triggers/on-publish")
	assert.Equal(t, loc+"/triggers/on-publish", checked.Name)
	assert.Empty(t, listTriggers(&eventarcv1.ListTriggersRequest{}), "validate_only creates nothing")
	op, err = c.CreateTrigger(ctx, &eventarcv1.CreateTriggerRequest{Parent: loc, TriggerId: "on-publish", Trigger: trigger("svc-a")})
	tr := &eventarcv1.Trigger{}
	done(op, err, tr, "create", loc+"/triggers/on-publish")
	assert.Equal(t, loc+"/triggers/on-publish", tr.Name)
	assert.NotEmpty(t, tr.Uid)
	assert.NotEmpty(t, tr.Etag)
	got, err := c.GetTrigger(ctx, &eventarcv1.GetTriggerRequest{Name: tr.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(tr, got), "Get: %v, created: %v", got, tr)
	op, err = c.CreateTrigger(ctx, &eventarcv1.CreateTriggerRequest{Parent: loc, TriggerId: "second", Trigger: trigger("svc-b")})
	tr2 := &eventarcv1.Trigger{}
	done(op, err, tr2, "create", loc+"/triggers/second")
	_, err = c.CreateTrigger(ctx, &eventarcv1.CreateTriggerRequest{Parent: loc, TriggerId: "on-publish", Trigger: trigger("svc-a")})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateTrigger(ctx, &eventarcv1.CreateTriggerRequest{Parent: loc, TriggerId: "no-filters", Trigger: &eventarcv1.Trigger{Destination: trigger("x").Destination}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "event_filters is REQUIRED: %v", err)
	_, err = c.CreateTrigger(ctx, &eventarcv1.CreateTriggerRequest{Parent: loc, TriggerId: "no-region", Trigger: &eventarcv1.Trigger{
		EventFilters: trigger("x").EventFilters, Destination: &eventarcv1.Destination{Descriptor_: &eventarcv1.Destination_CloudRun{CloudRun: &eventarcv1.CloudRun{Service: "s"}}}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "destination.cloud_run.region is REQUIRED: %v", err)

	assert.Equal(t, []string{tr.Name, tr2.Name}, listTriggers(&eventarcv1.ListTriggersRequest{OrderBy: "name"}))
	assert.Equal(t, []string{tr2.Name, tr.Name}, listTriggers(&eventarcv1.ListTriggersRequest{OrderBy: "name desc"}))
	assert.Equal(t, []string{tr2.Name}, listTriggers(&eventarcv1.ListTriggersRequest{Filter: `name = "` + tr2.Name + `"`}))
	// AIP-160's has operator through the repeated event_filters: an
	// element whose attribute is "type"; = does not pass through a list.
	assert.Equal(t, []string{tr.Name, tr2.Name}, listTriggers(&eventarcv1.ListTriggersRequest{OrderBy: "name",
		Filter: `event_filters.attribute:"type" AND event_filters.value:"google.cloud.pubsub.topic.v1.messagePublished"`}))
	assert.Empty(t, listTriggers(&eventarcv1.ListTriggersRequest{Filter: `event_filters.attribute:"bucket"`}))
	_, err = c.ListTriggers(ctx, &eventarcv1.ListTriggersRequest{Parent: loc, Filter: `event_filters.attribute = "type"`})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), `event_filters.attribute:…`)

	// Update: long-running, with a mask, validate_only, an etag is the
	// server's (OUTPUT_ONLY), allow_missing creates.
	op, err = c.UpdateTrigger(ctx, &eventarcv1.UpdateTriggerRequest{Trigger: &eventarcv1.Trigger{Name: tr.Name, Labels: map[string]string{"team": "b"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}, ValidateOnly: true})
	up := &eventarcv1.Trigger{}
	done(op, err, up, "update", tr.Name)
	assert.Equal(t, map[string]string{"team": "b"}, up.Labels)
	got, err = c.GetTrigger(ctx, &eventarcv1.GetTriggerRequest{Name: tr.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(tr, got), "validate_only changes nothing: %v", got)
	op, err = c.UpdateTrigger(ctx, &eventarcv1.UpdateTriggerRequest{Trigger: &eventarcv1.Trigger{Name: tr.Name, Labels: map[string]string{"team": "b"}, ServiceAccount: "not in the mask"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}})
	up = &eventarcv1.Trigger{}
	done(op, err, up, "update", tr.Name)
	assert.Equal(t, map[string]string{"team": "b"}, up.Labels)
	assert.Empty(t, up.ServiceAccount)
	assert.NotEqual(t, tr.Etag, up.Etag)
	assert.Equal(t, tr.Uid, up.Uid)
	_, err = c.UpdateTrigger(ctx, &eventarcv1.UpdateTriggerRequest{Trigger: &eventarcv1.Trigger{Name: loc + "/triggers/nothing", Labels: map[string]string{"a": "b"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	op, err = c.UpdateTrigger(ctx, &eventarcv1.UpdateTriggerRequest{Trigger: trigger("svc-c"), AllowMissing: true,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}})
	if tag == "g" {
		// The trigger names no resource: its name is REQUIRED here.
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
	}
	upsert := trigger("svc-c")
	upsert.Name = loc + "/triggers/upserted"
	op, err = c.UpdateTrigger(ctx, &eventarcv1.UpdateTriggerRequest{Trigger: upsert, AllowMissing: true,
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}})
	created := &eventarcv1.Trigger{}
	done(op, err, created, "update", upsert.Name)
	assert.Equal(t, "svc-c", created.GetDestination().GetCloudRun().GetService(), "AIP-134: the mask is ignored when creating")

	// Delete: long-running, answers the trigger; validate_only, a stale
	// etag, allow_missing.
	op, err = c.DeleteTrigger(ctx, &eventarcv1.DeleteTriggerRequest{Name: tr.Name, ValidateOnly: true})
	deleted := &eventarcv1.Trigger{}
	done(op, err, deleted, "delete", tr.Name)
	assert.Equal(t, tr.Name, deleted.Name)
	_, err = c.GetTrigger(ctx, &eventarcv1.GetTriggerRequest{Name: tr.Name})
	require.NoError(t, err, "validate_only deletes nothing")
	_, err = c.DeleteTrigger(ctx, &eventarcv1.DeleteTriggerRequest{Name: tr.Name, Etag: tr.Etag})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	op, err = c.DeleteTrigger(ctx, &eventarcv1.DeleteTriggerRequest{Name: tr.Name, Etag: up.Etag})
	deleted = &eventarcv1.Trigger{}
	done(op, err, deleted, "delete", tr.Name)
	assert.Equal(t, map[string]string{"team": "b"}, deleted.Labels, "the trigger as it was")
	_, err = c.GetTrigger(ctx, &eventarcv1.GetTriggerRequest{Name: tr.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = c.DeleteTrigger(ctx, &eventarcv1.DeleteTriggerRequest{Name: tr.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), `"`+tr.Name+`" not found`, "a long-running Delete's NotFound names the resource")
	op, err = c.DeleteTrigger(ctx, &eventarcv1.DeleteTriggerRequest{Name: tr.Name, AllowMissing: true, Etag: "stale"})
	missing := &eventarcv1.Trigger{}
	done(op, err, missing, "delete", tr.Name)
	assert.Equal(t, tr.Name, missing.Name, "allow_missing: deleted already")
	op, err = c.DeleteTrigger(ctx, &eventarcv1.DeleteTriggerRequest{Name: tr.Name, AllowMissing: true, ValidateOnly: true})
	done(op, err, &eventarcv1.Trigger{}, "delete", tr.Name)

	// Message buses and the enrollments that refer to them.
	op, err = c.CreateMessageBus(ctx, &eventarcv1.CreateMessageBusRequest{Parent: loc, MessageBusId: "bus", MessageBus: &eventarcv1.MessageBus{DisplayName: "Bus"}})
	bus := &eventarcv1.MessageBus{}
	done(op, err, bus, "create", loc+"/messageBuses/bus")
	enrollment := func(id, busName string) (*longrunningpb.Operation, error) {
		return c.CreateEnrollment(ctx, &eventarcv1.CreateEnrollmentRequest{Parent: loc, EnrollmentId: id, Enrollment: &eventarcv1.Enrollment{
			CelMatch: "message.type == 'x'", MessageBus: busName, Destination: loc + "/pipelines/p"}})
	}
	op, err = enrollment("enr", bus.Name)
	enr := &eventarcv1.Enrollment{}
	done(op, err, enr, "create", loc+"/enrollments/enr")
	_, err = enrollment("dangling", loc+"/messageBuses/nothing")
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a message bus that does not exist: %v", err)
	_, err = c.CreateEnrollment(ctx, &eventarcv1.CreateEnrollmentRequest{Parent: loc, EnrollmentId: "no-cel", Enrollment: &eventarcv1.Enrollment{
		MessageBus: bus.Name, Destination: "d"}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "cel_match is REQUIRED: %v", err)
	_, err = c.UpdateEnrollment(ctx, &eventarcv1.UpdateEnrollmentRequest{Enrollment: &eventarcv1.Enrollment{Name: enr.Name, MessageBus: loc + "/messageBuses/other"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"message_bus"}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "message_bus is IMMUTABLE: %v", err)
	op, err = c.UpdateEnrollment(ctx, &eventarcv1.UpdateEnrollmentRequest{Enrollment: &eventarcv1.Enrollment{Name: enr.Name, DisplayName: "renamed", Etag: enr.Etag},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	upEnr := &eventarcv1.Enrollment{}
	done(op, err, upEnr, "update", enr.Name)
	assert.Equal(t, "renamed", upEnr.DisplayName)
	_, err = c.DeleteMessageBus(ctx, &eventarcv1.DeleteMessageBusRequest{Name: bus.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "an enrollment refers to the bus: %v", err)
	op, err = c.DeleteEnrollment(ctx, &eventarcv1.DeleteEnrollmentRequest{Name: enr.Name, Etag: upEnr.Etag})
	done(op, err, &eventarcv1.Enrollment{}, "delete", enr.Name)
	op, err = c.DeleteMessageBus(ctx, &eventarcv1.DeleteMessageBusRequest{Name: bus.Name, Etag: bus.Etag})
	done(op, err, &eventarcv1.MessageBus{}, "delete", bus.Name)

	// Channels and connections; the connection's activation_token is
	// INPUT_ONLY.
	op, err = c.CreateChannel(ctx, &eventarcv1.CreateChannelRequest{Parent: loc, ChannelId: "ch", Channel: &eventarcv1.Channel{Provider: loc + "/providers/acme"}})
	ch := &eventarcv1.Channel{}
	done(op, err, ch, "create", loc+"/channels/ch")
	op, err = c.CreateChannelConnection(ctx, &eventarcv1.CreateChannelConnectionRequest{Parent: loc, ChannelConnectionId: "conn",
		ChannelConnection: &eventarcv1.ChannelConnection{Channel: ch.Name, ActivationToken: "secret"}})
	conn := &eventarcv1.ChannelConnection{}
	done(op, err, conn, "create", loc+"/channelConnections/conn")
	assert.Empty(t, conn.ActivationToken, "INPUT_ONLY")
	conns, err := c.ListChannelConnections(ctx, &eventarcv1.ListChannelConnectionsRequest{Parent: loc})
	require.NoError(t, err)
	require.Len(t, conns.ChannelConnections, 1)
	assert.Empty(t, conns.ChannelConnections[0].ActivationToken)
	op, err = c.DeleteChannelConnection(ctx, &eventarcv1.DeleteChannelConnectionRequest{Name: conn.Name})
	done(op, err, &eventarcv1.ChannelConnection{}, "delete", conn.Name)
	op, err = c.DeleteChannel(ctx, &eventarcv1.DeleteChannelRequest{Name: ch.Name})
	done(op, err, &eventarcv1.Channel{}, "delete", ch.Name)

	// The Google channel config, a singleton of the location.
	cfgName := loc + "/googleChannelConfig"
	cfg, err := c.GetGoogleChannelConfig(ctx, &eventarcv1.GetGoogleChannelConfigRequest{Name: cfgName})
	require.NoError(t, err)
	assert.Equal(t, cfgName, cfg.Name)
	cfg, err = c.UpdateGoogleChannelConfig(ctx, &eventarcv1.UpdateGoogleChannelConfigRequest{GoogleChannelConfig: &eventarcv1.GoogleChannelConfig{
		Name: cfgName, Labels: map[string]string{"x": "y"}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"labels"}}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"x": "y"}, cfg.Labels)
	assert.NotNil(t, cfg.UpdateTime)

	// Providers are the service's: none stored here.
	providers, err := c.ListProviders(ctx, &eventarcv1.ListProvidersRequest{Parent: loc})
	require.NoError(t, err)
	assert.Empty(t, providers.Providers)

	for _, name := range []string{tr2.Name, created.Name} {
		op, err = c.DeleteTrigger(ctx, &eventarcv1.DeleteTriggerRequest{Name: name})
		done(op, err, &eventarcv1.Trigger{}, "delete", name)
	}
	assert.Empty(t, listTriggers(&eventarcv1.ListTriggersRequest{}))
}
