package e2e_test

import (
	"context"
	"encoding/json"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"

	aiplrov1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_lro/want/aiplrov1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestLongRunning: standard methods that return long-running operations
// (AIP-151) answer, over gRPC and REST on every database, an operation
// that is done: named operations/<id>, its response what the method
// returns otherwise (equal to what is stored), its metadata the declared
// type telling when it began and ended, its target and its verb. A
// refused request is an error, not an operation; a repeated request_id
// gets the same operation.
func TestLongRunning(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_lro/want/aiplrov1/schema", db.Dialector.Name()+".sql"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			aiplrov1.RegisterInstanceServiceServer(gs, aiplrov1.NewInstanceServiceCRUD(db))
		}, aiplrov1.InstanceServiceRESTRules())
		c := aiplrov1.NewInstanceServiceClient(conn)
		ctx := context.Background()

		create := &aiplrov1.CreateInstanceRequest{InstanceId: "alpha", Instance: &aiplrov1.Instance{DisplayName: "Alpha", NodeCount: 3, IpAddress: "010.001.002.003", Peers: []string{"2001:DB8::1", "::ffff:10.0.0.1"}}, RequestId: "f47ac10b-58cc-4372-a567-0e02b2c3d479"}
		op, err := c.CreateInstance(ctx, create)
		require.NoError(t, err)
		made := &aiplrov1.Instance{}
		meta := checkOperation(t, op, made, "create")
		assert.Equal(t, "instances/alpha", made.Name)
		assert.Equal(t, "Alpha", made.DisplayName)
		assert.Equal(t, int64(3), made.NodeCount)
		assert.Equal(t, "instances/alpha", meta.GetTarget())
		got, err := c.GetInstance(ctx, &aiplrov1.GetInstanceRequest{Name: "instances/alpha"})
		require.NoError(t, err)
		assert.True(t, proto.Equal(made, got), "the operation's response is what is stored:\n%v\n%v", made, got)

		// AIP-155: the repeat gets the recorded operation; AIP-202: a UUID
		// in capitals is the same request id.
		again, err := c.CreateInstance(ctx, create)
		require.NoError(t, err)
		assert.True(t, proto.Equal(op, again), "a repeated request_id gets the first operation:\n%v\n%v", op, again)
		upper := proto.Clone(create).(*aiplrov1.CreateInstanceRequest)
		upper.RequestId = strings.ToUpper(create.RequestId)
		again, err = c.CreateInstance(ctx, upper)
		require.NoError(t, err)
		assert.True(t, proto.Equal(op, again), "the request id in capitals gets the first operation:\n%v\n%v", op, again)

		// AIP-202: values of a field with a format have it, or the request
		// is refused naming the field.
		for _, bad := range []struct {
			req   *aiplrov1.CreateInstanceRequest
			field string
		}{
			{&aiplrov1.CreateInstanceRequest{InstanceId: "beta", Instance: &aiplrov1.Instance{}, RequestId: "create-beta"}, "request_id"},
			{&aiplrov1.CreateInstanceRequest{InstanceId: "beta", Instance: &aiplrov1.Instance{}, RequestId: "f47ac10b-58cc-7372-a567-0e02b2c3d479"}, "request_id"},
			{&aiplrov1.CreateInstanceRequest{InstanceId: "beta", Instance: &aiplrov1.Instance{IpAddress: "10.0.0.256"}}, "instance.ip_address"},
			{&aiplrov1.CreateInstanceRequest{InstanceId: "beta", Instance: &aiplrov1.Instance{IpAddress: "fe80::1%eth0"}}, "instance.ip_address"},
			{&aiplrov1.CreateInstanceRequest{InstanceId: "beta", Instance: &aiplrov1.Instance{Peers: []string{"2001:db8::1", "10.0.0.1"}}}, "instance.peers[1]"},
			{&aiplrov1.CreateInstanceRequest{InstanceId: "beta", Instance: &aiplrov1.Instance{Peers: []string{""}}}, "instance.peers[0]"},
			{&aiplrov1.CreateInstanceRequest{InstanceId: "beta", Instance: &aiplrov1.Instance{Zones: map[string]string{"z": "::1"}}}, `instance.zones["z"]`},
			{&aiplrov1.CreateInstanceRequest{InstanceId: "beta", Instance: &aiplrov1.Instance{Primary: &aiplrov1.Endpoint{Ip: "10.0.0.1"}, Backup: &aiplrov1.Endpoint{Ip: "x"}}}, "instance.backup.ip"},
			{&aiplrov1.CreateInstanceRequest{InstanceId: "beta", Instance: &aiplrov1.Instance{Backup: &aiplrov1.Endpoint{HostId: proto.String("")}}}, "instance.backup.host_id"},
		} {
			_, err := c.CreateInstance(ctx, bad.req)
			require.Equal(t, codes.InvalidArgument, status.Code(err), "%v: %v", bad.req, err)
			assert.Equal(t, []string{bad.field}, violationFields(err), "%v: %v", bad.req, err)
		}
		_, err = c.GetInstance(ctx, &aiplrov1.GetInstanceRequest{Name: "instances/beta"})
		assert.Equal(t, codes.NotFound, status.Code(err), "a refused request wrote nothing: %v", err)

		// A read mask shapes the response, not the target.
		op, err = c.CreateInstance(ctx, &aiplrov1.CreateInstanceRequest{InstanceId: "masked", Instance: &aiplrov1.Instance{DisplayName: "M"}, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
		require.NoError(t, err)
		masked := &aiplrov1.Instance{}
		meta = checkOperation(t, op, masked, "create")
		assert.Equal(t, "", masked.Name, "the read mask leaves the name out of the response")
		assert.Equal(t, "instances/masked", meta.GetTarget())

		// A refused request is an error, not an operation.
		_, err = c.CreateInstance(ctx, &aiplrov1.CreateInstanceRequest{InstanceId: "Not An Id", Instance: &aiplrov1.Instance{DisplayName: "x"}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		_, err = c.CreateInstance(ctx, &aiplrov1.CreateInstanceRequest{InstanceId: "alpha", Instance: &aiplrov1.Instance{DisplayName: "again"}})
		assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)

		// Update over REST: the operation in JSON, its response typed.
		resp, body := restDo(t, http.MethodPatch, base+"/v1/instances/alpha?update_mask=display_name", `{"displayName":"Renamed"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var js struct {
			Name     string
			Done     bool
			Response map[string]any
			Metadata map[string]any
		}
		require.NoError(t, json.Unmarshal(body, &js), "%s", body)
		assert.True(t, js.Done, "%s", body)
		assert.True(t, strings.HasPrefix(js.Name, "operations/"), "%s", body)
		assert.Equal(t, "type.googleapis.com/aiplro.v1.Instance", js.Response["@type"], "%s", body)
		assert.Equal(t, "Renamed", js.Response["displayName"], "%s", body)
		assert.Equal(t, "type.googleapis.com/aiplro.v1.OperationMetadata", js.Metadata["@type"], "%s", body)
		assert.Equal(t, "update", js.Metadata["verb"], "%s", body)

		op, err = c.UpdateInstance(ctx, &aiplrov1.UpdateInstanceRequest{Instance: &aiplrov1.Instance{Name: "instances/alpha", NodeCount: 5}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"node_count"}}})
		require.NoError(t, err)
		updated := &aiplrov1.Instance{}
		checkOperation(t, op, updated, "update")
		assert.Equal(t, "Renamed", updated.DisplayName)
		assert.Equal(t, int64(5), updated.NodeCount)

		_, err = c.DeleteInstance(ctx, &aiplrov1.DeleteInstanceRequest{Name: "instances/alpha", Etag: "stale"})
		assert.Equal(t, codes.Aborted, status.Code(err), "%v", err)
		op, err = c.DeleteInstance(ctx, &aiplrov1.DeleteInstanceRequest{Name: "instances/alpha"})
		require.NoError(t, err)
		meta = checkOperation(t, op, &emptypb.Empty{}, "delete")
		assert.Equal(t, "instances/alpha", meta.GetTarget(), "the target of a delete that answers Empty is the name it deleted")
		_, err = c.GetInstance(ctx, &aiplrov1.GetInstanceRequest{Name: "instances/alpha"})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	})
}

// checkOperation checks that op is done and named operations/<id>, with
// a response of resp's type (read into resp) and metadata of
// OperationMetadata with its times and verb, which it returns.
func checkOperation(t *testing.T, op *longrunningpb.Operation, resp proto.Message, verb string) *aiplrov1.OperationMetadata {
	t.Helper()
	return checkOperationOf(t, op, resp, &aiplrov1.OperationMetadata{}, verb)
}

// operationMetadata is a metadata message with the times and verb of
// AIP-151's examples.
type operationMetadata interface {
	proto.Message
	GetVerb() string
	GetCreateTime() *timestamppb.Timestamp
	GetEndTime() *timestamppb.Timestamp
}

// checkOperationOf is checkOperation with the metadata read into meta.
func checkOperationOf[M operationMetadata](t *testing.T, op *longrunningpb.Operation, resp proto.Message, meta M, verb string) M {
	t.Helper()
	require.True(t, op.GetDone(), "%v", op)
	require.True(t, strings.HasPrefix(op.GetName(), "operations/") && len(op.GetName()) > len("operations/"), "%v", op)
	require.Nil(t, op.GetError(), "%v", op)
	require.NoError(t, op.GetResponse().UnmarshalTo(resp), "%v", op)
	require.NoError(t, op.GetMetadata().UnmarshalTo(meta), "%v", op)
	assert.Equal(t, verb, meta.GetVerb())
	require.NotNil(t, meta.GetCreateTime())
	require.NotNil(t, meta.GetEndTime())
	assert.False(t, meta.GetEndTime().AsTime().Before(meta.GetCreateTime().AsTime()), "%v", meta)
	return meta
}

// violationFields are the fields of the google.rpc.BadRequest of a gRPC
// error.
func violationFields(err error) []string {
	var out []string
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				out = append(out, v.GetField())
			}
		}
	}
	return out
}
