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

	workstations "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/workstations"
)

// TestPublicWorkstations serves Cloud Workstations v1
// (google/cloud/workstations/v1, unchanged) on every database, over gRPC
// and over REST through its own google.api.http annotations: clusters
// hold configs, which hold workstations (three levels of names); every
// write is long-running (AIP-151) with validate_only (AIP-163), Update
// has allow_missing (AIP-134), Delete an etag (AIP-154) and, for clusters
// and configs, force (AIP-135); each resource keeps a delete_time, so
// Delete is a soft delete (AIP-164) without Undelete; the custom methods
// (StartWorkstation, GenerateAccessToken, …) are the user's.
func TestPublicWorkstations(t *testing.T) {
	servePublic(t, "workstations", func(gs *grpc.Server, db *gorm.DB) {
		workstations.RegisterWorkstationsServer(gs, workstations.NewWorkstationsCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		workstationsScenario(t, workstations.NewWorkstationsClient(cc), tag)
	})
}

func workstationsScenario(t *testing.T, c workstations.WorkstationsClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-central1"
	done := func(op *longrunningpb.Operation, err error, resp proto.Message, verb, target string) {
		t.Helper()
		cloudOperationDone(t, op, err, resp, &workstations.OperationMetadata{}, verb, target)
	}
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

	// A cluster: validate_only previews it and writes nothing.
	op, err := c.CreateWorkstationCluster(ctx, &workstations.CreateWorkstationClusterRequest{Parent: loc, WorkstationClusterId: "dev",
		WorkstationCluster: &workstations.WorkstationCluster{DisplayName: "Dev", Network: "projects/p/global/networks/default"}, ValidateOnly: true})
	preview := &workstations.WorkstationCluster{}
	done(op, err, preview, "create", loc+"/workstationClusters/dev")
	assert.Equal(t, "Dev", preview.DisplayName)
	_, err = c.GetWorkstationCluster(ctx, &workstations.GetWorkstationClusterRequest{Name: loc + "/workstationClusters/dev"})
	assert.Equal(t, codes.NotFound, status.Code(err), "validate_only wrote the cluster: %v", err)
	op, err = c.CreateWorkstationCluster(ctx, &workstations.CreateWorkstationClusterRequest{Parent: loc, WorkstationClusterId: "dev",
		WorkstationCluster: &workstations.WorkstationCluster{DisplayName: "Dev", Network: "projects/p/global/networks/default",
			Labels: map[string]string{"team": "a"}, Annotations: map[string]string{"owner": "ann"}}})
	cluster := &workstations.WorkstationCluster{}
	done(op, err, cluster, "create", loc+"/workstationClusters/dev")
	assert.Equal(t, loc+"/workstationClusters/dev", cluster.Name)
	assert.NotEmpty(t, cluster.Etag)
	assert.NotNil(t, cluster.CreateTime)
	assert.Nil(t, cluster.DeleteTime)
	got, err := c.GetWorkstationCluster(ctx, &workstations.GetWorkstationClusterRequest{Name: cluster.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(cluster, got), "Get: %v, created: %v", got, cluster)
	_, err = c.CreateWorkstationCluster(ctx, &workstations.CreateWorkstationClusterRequest{Parent: loc, WorkstationCluster: &workstations.WorkstationCluster{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "workstation_cluster_id is REQUIRED: %v", err)
	_, err = c.CreateWorkstationCluster(ctx, &workstations.CreateWorkstationClusterRequest{Parent: loc, WorkstationClusterId: "dev",
		WorkstationCluster: &workstations.WorkstationCluster{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)

	// Update: the mask's fields; IMMUTABLE ones refused; a stale etag is
	// Aborted; validate_only writes nothing; allow_missing creates.
	op, err = c.UpdateWorkstationCluster(ctx, &workstations.UpdateWorkstationClusterRequest{WorkstationCluster: &workstations.WorkstationCluster{
		Name: cluster.Name, DisplayName: "Development", Labels: map[string]string{"x": "y"}, Etag: cluster.Etag}, UpdateMask: mask("display_name")})
	upCluster := &workstations.WorkstationCluster{}
	done(op, err, upCluster, "update", cluster.Name)
	assert.Equal(t, "Development", upCluster.DisplayName)
	assert.Equal(t, map[string]string{"team": "a"}, upCluster.Labels)
	assert.NotEqual(t, cluster.Etag, upCluster.Etag)
	_, err = c.UpdateWorkstationCluster(ctx, &workstations.UpdateWorkstationClusterRequest{WorkstationCluster: &workstations.WorkstationCluster{
		Name: cluster.Name, DisplayName: "stale", Etag: cluster.Etag}, UpdateMask: mask("display_name")})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	_, err = c.UpdateWorkstationCluster(ctx, &workstations.UpdateWorkstationClusterRequest{WorkstationCluster: &workstations.WorkstationCluster{
		Name: cluster.Name, Network: "projects/p/global/networks/other"}, UpdateMask: mask("network")})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "network is IMMUTABLE: %v", err)
	op, err = c.UpdateWorkstationCluster(ctx, &workstations.UpdateWorkstationClusterRequest{WorkstationCluster: &workstations.WorkstationCluster{
		Name: cluster.Name, DisplayName: "preview"}, UpdateMask: mask("display_name"), ValidateOnly: true})
	done(op, err, &workstations.WorkstationCluster{}, "update", cluster.Name)
	got, err = c.GetWorkstationCluster(ctx, &workstations.GetWorkstationClusterRequest{Name: cluster.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(upCluster, got), "validate_only changed the cluster: %v", got)
	_, err = c.UpdateWorkstationCluster(ctx, &workstations.UpdateWorkstationClusterRequest{WorkstationCluster: &workstations.WorkstationCluster{
		Name: loc + "/workstationClusters/ops", DisplayName: "Ops"}, UpdateMask: mask("display_name")})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	op, err = c.UpdateWorkstationCluster(ctx, &workstations.UpdateWorkstationClusterRequest{WorkstationCluster: &workstations.WorkstationCluster{
		Name: loc + "/workstationClusters/ops", DisplayName: "Ops"}, UpdateMask: mask("display_name"), AllowMissing: true})
	ops := &workstations.WorkstationCluster{}
	done(op, err, ops, "update", loc+"/workstationClusters/ops")
	assert.Equal(t, "Ops", ops.DisplayName)
	assert.NotNil(t, ops.CreateTime)

	// List by pages, filtered.
	listClusters := func(filter string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*workstations.WorkstationCluster, string, error) {
			r, err := c.ListWorkstationClusters(ctx, &workstations.ListWorkstationClustersRequest{Parent: loc, PageSize: 1, PageToken: token, Filter: filter})
			return r.GetWorkstationClusters(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{cluster.Name, ops.Name}, listClusters(""))
	assert.Equal(t, []string{ops.Name}, listClusters(`display_name = "Ops"`))
	assert.Equal(t, []string{cluster.Name}, listClusters(`labels.team = "a"`))

	// Configs under the cluster, workstations under the configs.
	config := func(id, display string) *workstations.WorkstationConfig {
		t.Helper()
		op, err := c.CreateWorkstationConfig(ctx, &workstations.CreateWorkstationConfigRequest{Parent: cluster.Name, WorkstationConfigId: id,
			WorkstationConfig: &workstations.WorkstationConfig{DisplayName: display, ReplicaZones: []string{"us-central1-a", "us-central1-b"},
				Host: &workstations.WorkstationConfig_Host{Config: &workstations.WorkstationConfig_Host_GceInstance_{GceInstance: &workstations.WorkstationConfig_Host_GceInstance{
					MachineType: "e2-standard-4", BootDiskSizeGb: 50}}}}})
		out := &workstations.WorkstationConfig{}
		done(op, err, out, "create", cluster.Name+"/workstationConfigs/"+id)
		return out
	}
	small, large := config("small", "Small"), config("large", "Large")
	assert.Equal(t, "e2-standard-4", small.GetHost().GetGceInstance().GetMachineType())
	assert.Equal(t, []string{"us-central1-a", "us-central1-b"}, small.ReplicaZones)
	gotConfig, err := c.GetWorkstationConfig(ctx, &workstations.GetWorkstationConfigRequest{Name: large.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(large, gotConfig), "Get: %v, created: %v", gotConfig, large)
	_, err = c.CreateWorkstationConfig(ctx, &workstations.CreateWorkstationConfigRequest{Parent: loc + "/workstationClusters/nothing",
		WorkstationConfigId: "c", WorkstationConfig: &workstations.WorkstationConfig{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "a config of a missing cluster: %v", err)
	station := func(cfg *workstations.WorkstationConfig, id, display string) *workstations.Workstation {
		t.Helper()
		op, err := c.CreateWorkstation(ctx, &workstations.CreateWorkstationRequest{Parent: cfg.Name, WorkstationId: id,
			Workstation: &workstations.Workstation{DisplayName: display, Env: map[string]string{"EDITOR": "vi"}}})
		out := &workstations.Workstation{}
		done(op, err, out, "create", cfg.Name+"/workstations/"+id)
		return out
	}
	ann, bob, cat := station(small, "ann", "Ann"), station(small, "bob", "Bob"), station(large, "cat", "Cat")
	assert.Equal(t, map[string]string{"EDITOR": "vi"}, ann.Env)
	listStations := func(parent, filter string) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*workstations.Workstation, string, error) {
			r, err := c.ListWorkstations(ctx, &workstations.ListWorkstationsRequest{Parent: parent, PageSize: 1, PageToken: token, Filter: filter})
			return r.GetWorkstations(), r.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{ann.Name, bob.Name}, listStations(small.Name, ""))
	assert.Equal(t, []string{bob.Name}, listStations(small.Name, `display_name = "Bob"`))
	assert.ElementsMatch(t, []string{ann.Name, bob.Name, cat.Name}, listStations(cluster.Name+"/workstationConfigs/-", ""), "AIP-159")
	_, err = c.GetWorkstation(ctx, &workstations.GetWorkstationRequest{Name: large.Name + "/workstations/ann"})
	assert.Equal(t, codes.NotFound, status.Code(err), "ann is under small: %v", err)

	// A workstation's etag guards Update and Delete.
	op, err = c.UpdateWorkstation(ctx, &workstations.UpdateWorkstationRequest{Workstation: &workstations.Workstation{Name: ann.Name,
		Env: map[string]string{"EDITOR": "emacs"}, Etag: ann.Etag}, UpdateMask: mask("env")})
	upAnn := &workstations.Workstation{}
	done(op, err, upAnn, "update", ann.Name)
	assert.Equal(t, map[string]string{"EDITOR": "emacs"}, upAnn.Env)
	assert.Equal(t, "Ann", upAnn.DisplayName)
	_, err = c.DeleteWorkstation(ctx, &workstations.DeleteWorkstationRequest{Name: ann.Name, Etag: ann.Etag})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	op, err = c.DeleteWorkstation(ctx, &workstations.DeleteWorkstationRequest{Name: ann.Name, Etag: upAnn.Etag, ValidateOnly: true})
	done(op, err, &workstations.Workstation{}, "delete", ann.Name)
	assert.Equal(t, []string{ann.Name, bob.Name}, listStations(small.Name, ""), "validate_only deleted")

	// Delete is a soft delete: the workstation is answered with its
	// delete_time, Get still reads it, List hides it, Update and a second
	// Delete refuse it.
	op, err = c.DeleteWorkstation(ctx, &workstations.DeleteWorkstationRequest{Name: ann.Name, Etag: upAnn.Etag})
	deleted := &workstations.Workstation{}
	done(op, err, deleted, "delete", ann.Name)
	assert.NotNil(t, deleted.DeleteTime)
	gotAnn, err := c.GetWorkstation(ctx, &workstations.GetWorkstationRequest{Name: ann.Name})
	require.NoError(t, err)
	assert.NotNil(t, gotAnn.DeleteTime)
	assert.Equal(t, []string{bob.Name}, listStations(small.Name, ""))
	_, err = c.UpdateWorkstation(ctx, &workstations.UpdateWorkstationRequest{Workstation: &workstations.Workstation{Name: ann.Name, DisplayName: "x"},
		UpdateMask: mask("display_name")})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "AIP-164: %v", err)
	_, err = c.DeleteWorkstation(ctx, &workstations.DeleteWorkstationRequest{Name: ann.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)

	// A config or cluster with children is deleted with force only, and
	// force deletes what is under it.
	_, err = c.DeleteWorkstationConfig(ctx, &workstations.DeleteWorkstationConfigRequest{Name: large.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "cat is under large: %v", err)
	op, err = c.DeleteWorkstationConfig(ctx, &workstations.DeleteWorkstationConfigRequest{Name: large.Name, Force: true, Etag: large.Etag})
	done(op, err, &workstations.WorkstationConfig{}, "delete", large.Name)
	gotCat, err := c.GetWorkstation(ctx, &workstations.GetWorkstationRequest{Name: cat.Name})
	require.NoError(t, err)
	assert.NotNil(t, gotCat.DeleteTime, "force deleted cat with its config")
	_, err = c.DeleteWorkstationCluster(ctx, &workstations.DeleteWorkstationClusterRequest{Name: cluster.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "small is under it: %v", err)
	op, err = c.DeleteWorkstationCluster(ctx, &workstations.DeleteWorkstationClusterRequest{Name: cluster.Name, Force: true})
	done(op, err, &workstations.WorkstationCluster{}, "delete", cluster.Name)
	gotBob, err := c.GetWorkstation(ctx, &workstations.GetWorkstationRequest{Name: bob.Name})
	require.NoError(t, err)
	assert.NotNil(t, gotBob.DeleteTime, "force deleted bob with his cluster")
	op, err = c.DeleteWorkstationCluster(ctx, &workstations.DeleteWorkstationClusterRequest{Name: ops.Name, Etag: ops.Etag})
	done(op, err, &workstations.WorkstationCluster{}, "delete", ops.Name)
	assert.Empty(t, listClusters(""))
}
