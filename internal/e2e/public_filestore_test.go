package e2e_test

import (
	"context"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/cloud/common"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	filestore "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/filestore"
)

// TestPublicFilestore serves Filestore v1 (google/cloud/filestore/v1,
// unchanged) on every database, over gRPC and over REST through its own
// google.api.http annotations: instances, their snapshots, and backups
// under the location that name their source instance; every write is
// long-running (AIP-151) with metadata of another package
// (google.cloud.common.OperationMetadata); instances carry an etag in the
// resource (AIP-154); ListSnapshots takes AIP-217's return_partial_success;
// the custom methods (RestoreInstance, RevertInstance, PromoteReplica)
// are the user's.
func TestPublicFilestore(t *testing.T) {
	servePublic(t, "filestore", func(gs *grpc.Server, db *gorm.DB) {
		filestore.RegisterCloudFilestoreManagerServer(gs, filestore.NewCloudFilestoreManagerCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		filestoreScenario(t, filestore.NewCloudFilestoreManagerClient(cc), tag)
	})
}

func filestoreScenario(t *testing.T, c filestore.CloudFilestoreManagerClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-central1-a"
	done := func(op *longrunningpb.Operation, err error, resp proto.Message, verb, target string) {
		t.Helper()
		cloudOperationDone(t, op, err, resp, &common.OperationMetadata{}, verb, target)
	}
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

	// Instances: file shares and networks are messages stored whole.
	instance := func(id string, tier filestore.Instance_Tier, gb int64, labels map[string]string) *filestore.Instance {
		t.Helper()
		op, err := c.CreateInstance(ctx, &filestore.CreateInstanceRequest{Parent: loc, InstanceId: id, Instance: &filestore.Instance{
			Description: "instance " + id, Tier: tier, Labels: labels,
			FileShares: []*filestore.FileShareConfig{{Name: "vol1", CapacityGb: gb}},
			Networks: []*filestore.NetworkConfig{{Network: "default",
				Modes: []filestore.NetworkConfig_AddressMode{filestore.NetworkConfig_MODE_IPV4}}}}})
		out := &filestore.Instance{}
		done(op, err, out, "create", loc+"/instances/"+id)
		return out
	}
	hdd := instance("hdd", filestore.Instance_BASIC_HDD, 1024, map[string]string{"env": "dev"})
	ent := instance("ent", filestore.Instance_ENTERPRISE, 2048, map[string]string{"env": "prod"})
	assert.Equal(t, loc+"/instances/hdd", hdd.Name)
	assert.NotNil(t, hdd.CreateTime)
	assert.NotEmpty(t, hdd.Etag)
	assert.Equal(t, int64(1024), hdd.FileShares[0].CapacityGb)
	got, err := c.GetInstance(ctx, &filestore.GetInstanceRequest{Name: ent.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(ent, got), "Get: %v, created: %v", got, ent)
	_, err = c.CreateInstance(ctx, &filestore.CreateInstanceRequest{Parent: loc, InstanceId: "hdd", Instance: &filestore.Instance{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateInstance(ctx, &filestore.CreateInstanceRequest{Parent: loc, Instance: &filestore.Instance{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "instance_id is REQUIRED: %v", err)

	// List by pages, ordered and filtered.
	listInstances := func(filter, orderBy string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*filestore.Instance, string, error) {
			r, err := c.ListInstances(ctx, &filestore.ListInstancesRequest{Parent: loc, PageSize: 1, PageToken: token, Filter: filter, OrderBy: orderBy})
			return r.GetInstances(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{ent.Name, hdd.Name}, listInstances("", "name"))
	assert.Equal(t, []string{ent.Name, hdd.Name}, listInstances("", "tier desc"))
	assert.Equal(t, []string{hdd.Name}, listInstances(`tier = BASIC_HDD`, ""))
	assert.Equal(t, []string{ent.Name}, listInstances(`labels.env = "prod"`, ""))
	_, err = c.ListInstances(ctx, &filestore.ListInstancesRequest{Parent: loc, OrderBy: "nothing"})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "an order on no field: %v", err)

	// Update: the mask's fields, the etag in the resource (AIP-154);
	// IMMUTABLE fields are refused.
	op, err := c.UpdateInstance(ctx, &filestore.UpdateInstanceRequest{Instance: &filestore.Instance{Name: hdd.Name, Description: "resized",
		FileShares: []*filestore.FileShareConfig{{Name: "vol1", CapacityGb: 2048}}, Tier: filestore.Instance_ZONAL, Etag: hdd.Etag},
		UpdateMask: mask("description", "file_shares")})
	upHdd := &filestore.Instance{}
	done(op, err, upHdd, "update", hdd.Name)
	assert.Equal(t, "resized", upHdd.Description)
	assert.Equal(t, int64(2048), upHdd.FileShares[0].CapacityGb)
	assert.Equal(t, filestore.Instance_BASIC_HDD, upHdd.Tier, "not in the mask")
	assert.NotEqual(t, hdd.Etag, upHdd.Etag)
	_, err = c.UpdateInstance(ctx, &filestore.UpdateInstanceRequest{Instance: &filestore.Instance{Name: hdd.Name, Description: "stale", Etag: hdd.Etag},
		UpdateMask: mask("description")})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	_, err = c.UpdateInstance(ctx, &filestore.UpdateInstanceRequest{Instance: &filestore.Instance{Name: hdd.Name, Protocol: filestore.Instance_NFS_V4_1},
		UpdateMask: mask("protocol")})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "protocol is IMMUTABLE: %v", err)
	_, err = c.UpdateInstance(ctx, &filestore.UpdateInstanceRequest{Instance: &filestore.Instance{Name: loc + "/instances/nothing", Description: "x"},
		UpdateMask: mask("description")})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Snapshots, named under their instance.
	snapshot := func(parent *filestore.Instance, id, description string) *filestore.Snapshot {
		t.Helper()
		op, err := c.CreateSnapshot(ctx, &filestore.CreateSnapshotRequest{Parent: parent.Name, SnapshotId: id,
			Snapshot: &filestore.Snapshot{Description: description, Labels: map[string]string{"kind": "daily"}}})
		out := &filestore.Snapshot{}
		done(op, err, out, "create", parent.Name+"/snapshots/"+id)
		return out
	}
	mon, tue := snapshot(hdd, "mon", "Monday"), snapshot(hdd, "tue", "Tuesday")
	other := snapshot(ent, "mon", "Monday")
	gotSnap, err := c.GetSnapshot(ctx, &filestore.GetSnapshotRequest{Name: tue.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(tue, gotSnap), "Get: %v, created: %v", gotSnap, tue)
	_, err = c.CreateSnapshot(ctx, &filestore.CreateSnapshotRequest{Parent: loc + "/instances/nothing", SnapshotId: "s", Snapshot: &filestore.Snapshot{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "a snapshot of a missing instance: %v", err)
	listSnapshots := func(req *filestore.ListSnapshotsRequest) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*filestore.Snapshot, string, error) {
			r := proto.Clone(req).(*filestore.ListSnapshotsRequest)
			r.PageSize, r.PageToken = 1, token
			resp, err := c.ListSnapshots(ctx, r)
			assert.Empty(t, resp.GetUnreachable())
			return resp.GetSnapshots(), resp.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{tue.Name, mon.Name}, listSnapshots(&filestore.ListSnapshotsRequest{Parent: hdd.Name, OrderBy: "description desc"}))
	assert.Equal(t, []string{mon.Name}, listSnapshots(&filestore.ListSnapshotsRequest{Parent: hdd.Name, Filter: `description = "Monday"`}))
	// AIP-217: a partial answer allowed, the whole one given.
	assert.Equal(t, []string{mon.Name, tue.Name}, listSnapshots(&filestore.ListSnapshotsRequest{Parent: hdd.Name, ReturnPartialSuccess: true}))
	assert.ElementsMatch(t, []string{mon.Name, tue.Name, other.Name}, listSnapshots(&filestore.ListSnapshotsRequest{Parent: loc + "/instances/-"}), "AIP-159")
	op, err = c.UpdateSnapshot(ctx, &filestore.UpdateSnapshotRequest{Snapshot: &filestore.Snapshot{Name: mon.Name, Description: "Monday night",
		Labels: map[string]string{"kind": "weekly"}}, UpdateMask: mask("description")})
	upMon := &filestore.Snapshot{}
	done(op, err, upMon, "update", mon.Name)
	assert.Equal(t, "Monday night", upMon.Description)
	assert.Equal(t, map[string]string{"kind": "daily"}, upMon.Labels, "not in the mask")
	_, err = c.UpdateSnapshot(ctx, &filestore.UpdateSnapshotRequest{Snapshot: &filestore.Snapshot{Name: mon.Name, Description: "x"}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "update_mask is REQUIRED: %v", err)

	// Backups under the location name their source instance, which must
	// exist.
	op, err = c.CreateBackup(ctx, &filestore.CreateBackupRequest{Parent: loc, BackupId: "b1", Backup: &filestore.Backup{
		Description: "first", SourceInstance: hdd.Name, SourceFileShare: "vol1", Labels: map[string]string{"keep": "yes"}}})
	b1 := &filestore.Backup{}
	done(op, err, b1, "create", loc+"/backups/b1")
	assert.Equal(t, hdd.Name, b1.SourceInstance)
	_, err = c.CreateBackup(ctx, &filestore.CreateBackupRequest{Parent: loc, BackupId: "b2", Backup: &filestore.Backup{
		SourceInstance: loc + "/instances/nothing", SourceFileShare: "vol1"}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a missing source instance: %v", err)
	assert.Contains(t, status.Convert(err).Message(), "backup.source_instance")
	op, err = c.CreateBackup(ctx, &filestore.CreateBackupRequest{Parent: loc, BackupId: "b2", Backup: &filestore.Backup{
		Description: "second", SourceInstance: ent.Name, SourceFileShare: "vol1"}})
	b2 := &filestore.Backup{}
	done(op, err, b2, "create", loc+"/backups/b2")
	r, err := c.ListBackups(ctx, &filestore.ListBackupsRequest{Parent: loc, Filter: `source_instance = "` + ent.Name + `"`})
	require.NoError(t, err)
	assert.Equal(t, []string{b2.Name}, namesOf(r.Backups))
	backups := pageNames(t, func(token string) ([]*filestore.Backup, string, error) {
		r, err := c.ListBackups(ctx, &filestore.ListBackupsRequest{Parent: loc, PageSize: 1, PageToken: token, OrderBy: "description"})
		return r.GetBackups(), r.GetNextPageToken(), err
	})
	assert.Equal(t, []string{b1.Name, b2.Name}, backups)
	op, err = c.UpdateBackup(ctx, &filestore.UpdateBackupRequest{Backup: &filestore.Backup{Name: b1.Name, Labels: map[string]string{"keep": "no"}},
		UpdateMask: mask("labels")})
	upB1 := &filestore.Backup{}
	done(op, err, upB1, "update", b1.Name)
	assert.Equal(t, map[string]string{"keep": "no"}, upB1.Labels)
	assert.Equal(t, "first", upB1.Description)

	// Delete: an instance with snapshots only with force (AIP-135);
	// answers Empty.
	_, err = c.DeleteInstance(ctx, &filestore.DeleteInstanceRequest{Name: ent.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "ent has a snapshot: %v", err)
	op, err = c.DeleteSnapshot(ctx, &filestore.DeleteSnapshotRequest{Name: tue.Name})
	done(op, err, &emptypb.Empty{}, "delete", tue.Name)
	_, err = c.GetSnapshot(ctx, &filestore.GetSnapshotRequest{Name: tue.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	for _, b := range []*filestore.Backup{b1, b2} {
		op, err = c.DeleteBackup(ctx, &filestore.DeleteBackupRequest{Name: b.Name})
		done(op, err, &emptypb.Empty{}, "delete", b.Name)
	}
	for _, in := range []*filestore.Instance{ent, hdd} {
		op, err = c.DeleteInstance(ctx, &filestore.DeleteInstanceRequest{Name: in.Name, Force: true})
		done(op, err, &emptypb.Empty{}, "delete", in.Name)
	}
	_, err = c.GetSnapshot(ctx, &filestore.GetSnapshotRequest{Name: mon.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "force deleted the instance's snapshots: %v", err)
	_, err = c.DeleteInstance(ctx, &filestore.DeleteInstanceRequest{Name: hdd.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	assert.Empty(t, listInstances("", ""))
}
