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
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	singletonsv1 "github.com/protoforge/protoforge/internal/e2e/gen/singletons/v1"
)

// TestSingletonsOfSeveralPatterns serves singletons of several patterns
// (AIP-156, AIP-123) over gRPC and REST on every database: a workspace's
// config, under a workspace of a project or of a folder (stored: it must
// exist, the config goes with it, and List reads one per workspace), and
// the settings of a project or a folder (not stored: they always exist).
// Names of either pattern with the same ids name different singletons.
func TestSingletonsOfSeveralPatterns(t *testing.T) {
	serveGenerated(t, "singletons/v1", func(gs *grpc.Server, db *gorm.DB) {
		singletonsv1.RegisterSettingsServiceServer(gs, singletonsv1.NewSettingsServiceCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		singletonPatternsScenario(t, singletonsv1.NewSettingsServiceClient(cc), tag)
	})
}

func singletonPatternsScenario(t *testing.T, c singletonsv1.SettingsServiceClient, tag string) {
	ctx := context.Background()
	mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }
	id := "x-" + tag
	project, folder := "projects/"+id, "folders/"+id

	// Settings, of parents this API does not store.
	for _, parent := range []string{project, folder} {
		s, err := c.GetSettings(ctx, &singletonsv1.GetSettingsRequest{Name: parent + "/settings"})
		require.NoError(t, err, parent)
		assert.True(t, proto.Equal(&singletonsv1.Settings{Name: parent + "/settings"}, s), "never written: %v", s)
	}
	s, err := c.UpdateSettings(ctx, &singletonsv1.UpdateSettingsRequest{Settings: &singletonsv1.Settings{Name: folder + "/settings", StorageLocation: "eu", DisableDefaultSink: true}, UpdateMask: mask("storage_location")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&singletonsv1.Settings{Name: folder + "/settings", StorageLocation: "eu"}, s), "first Update: %v", s)
	s, err = c.UpdateSettings(ctx, &singletonsv1.UpdateSettingsRequest{Settings: &singletonsv1.Settings{Name: folder + "/settings", DisableDefaultSink: true}, UpdateMask: mask("disable_default_sink")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&singletonsv1.Settings{Name: folder + "/settings", StorageLocation: "eu", DisableDefaultSink: true}, s), "second Update: %v", s)
	got, err := c.GetSettings(ctx, &singletonsv1.GetSettingsRequest{Name: folder + "/settings"})
	require.NoError(t, err)
	assert.True(t, proto.Equal(s, got), "Get: %v, updated: %v", got, s)
	got, err = c.GetSettings(ctx, &singletonsv1.GetSettingsRequest{Name: project + "/settings"})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&singletonsv1.Settings{Name: project + "/settings"}, got), "the project's of the same id: %v", got)
	if tag == "g" {
		// A REST route takes no name of another form.
		for _, bad := range []string{"organizations/" + id + "/settings", project, project + "/config", "projects/-/settings", ""} {
			_, err = c.GetSettings(ctx, &singletonsv1.GetSettingsRequest{Name: bad})
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "%q: %v", bad, err)
			_, err = c.UpdateSettings(ctx, &singletonsv1.UpdateSettingsRequest{Settings: &singletonsv1.Settings{Name: bad, StorageLocation: "x"}, UpdateMask: mask("storage_location")})
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "%q: %v", bad, err)
		}
	}

	// Configs of workspaces, which this API stores.
	pw, fw := project+"/workspaces/w", folder+"/workspaces/w"
	for _, w := range []string{pw, fw} {
		_, err = c.GetWorkspaceConfig(ctx, &singletonsv1.GetWorkspaceConfigRequest{Name: w + "/config"})
		assert.Equal(t, codes.NotFound, status.Code(err), "no workspace yet: %v", err)
		_, err = c.UpdateWorkspaceConfig(ctx, &singletonsv1.UpdateWorkspaceConfigRequest{WorkspaceConfig: &singletonsv1.WorkspaceConfig{Name: w + "/config", Owner: "o"}, UpdateMask: mask("owner")})
		assert.Equal(t, codes.NotFound, status.Code(err), "no workspace yet: %v", err)
	}
	for _, parent := range []string{project, folder} {
		_, err = c.CreateWorkspace(ctx, &singletonsv1.CreateWorkspaceRequest{Parent: parent, WorkspaceId: "w", Workspace: &singletonsv1.Workspace{DisplayName: parent}})
		require.NoError(t, err)
	}
	for _, w := range []string{pw, fw} {
		cfg, err := c.GetWorkspaceConfig(ctx, &singletonsv1.GetWorkspaceConfigRequest{Name: w + "/config"})
		require.NoError(t, err)
		assert.True(t, proto.Equal(&singletonsv1.WorkspaceConfig{Name: w + "/config"}, cfg), "never written: %v", cfg)
	}
	cfg, err := c.UpdateWorkspaceConfig(ctx, &singletonsv1.UpdateWorkspaceConfigRequest{WorkspaceConfig: &singletonsv1.WorkspaceConfig{Name: fw + "/config", Owner: "ops", RetentionDays: 7}, UpdateMask: mask("owner", "retention_days")})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&singletonsv1.WorkspaceConfig{Name: fw + "/config", Owner: "ops", RetentionDays: 7}, cfg), "first Update: %v", cfg)
	got2, err := c.GetWorkspaceConfig(ctx, &singletonsv1.GetWorkspaceConfigRequest{Name: fw + "/config"})
	require.NoError(t, err)
	assert.True(t, proto.Equal(cfg, got2), "Get: %v, updated: %v", got2, cfg)
	got2, err = c.GetWorkspaceConfig(ctx, &singletonsv1.GetWorkspaceConfigRequest{Name: pw + "/config"})
	require.NoError(t, err)
	assert.Empty(t, got2.Owner, "the project's workspace of the same id")

	// List: one per workspace of the parent, written or not.
	list := func(parent string) []*singletonsv1.WorkspaceConfig {
		t.Helper()
		r, err := c.ListWorkspaceConfigs(ctx, &singletonsv1.ListWorkspaceConfigsRequest{Parent: parent})
		require.NoError(t, err, parent)
		return r.WorkspaceConfigs
	}
	assert.Equal(t, []string{pw + "/config"}, namesOf(list(project+"/workspaces/-")))
	configs := list(folder + "/workspaces/-")
	require.Len(t, configs, 1)
	assert.True(t, proto.Equal(cfg, configs[0]), "listed: %v", configs[0])
	assert.Equal(t, []string{fw + "/config"}, namesOf(list(fw)))
	_, err = c.ListWorkspaceConfigs(ctx, &singletonsv1.ListWorkspaceConfigsRequest{Parent: folder + "/workspaces/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// The config goes with its workspace, and is the default once the
	// workspace is back.
	_, err = c.DeleteWorkspace(ctx, &singletonsv1.DeleteWorkspaceRequest{Name: fw})
	require.NoError(t, err, "a singleton never keeps its parent from being deleted")
	_, err = c.GetWorkspaceConfig(ctx, &singletonsv1.GetWorkspaceConfigRequest{Name: fw + "/config"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = c.CreateWorkspace(ctx, &singletonsv1.CreateWorkspaceRequest{Parent: folder, WorkspaceId: "w", Workspace: &singletonsv1.Workspace{}})
	require.NoError(t, err)
	got2, err = c.GetWorkspaceConfig(ctx, &singletonsv1.GetWorkspaceConfigRequest{Name: fw + "/config"})
	require.NoError(t, err)
	assert.True(t, proto.Equal(&singletonsv1.WorkspaceConfig{Name: fw + "/config"}, got2), "back, never written: %v", got2)
}
