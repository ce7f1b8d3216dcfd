package e2e_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	arv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/artifactregistry"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestPublicArtifactRegistry serves Google Artifact Registry v1
// (google/devtools/artifactregistry/v1, unchanged) on every database, over
// gRPC and over REST through its own google.api.http annotations:
// repositories written by long-running Create and Delete; packages,
// versions and files, which only the service writes (the typed stores of
// the methods a user writes, as an import would), named four and five
// levels deep, with ids that hold encoded slashes; tags and rules created
// with client ids; attachments; the project settings and VPC-SC config
// singletons.
func TestPublicArtifactRegistry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, publicSchema(db, "artifactregistry"))
		impl := arv1.NewArtifactRegistryCRUD(db)
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			arv1.RegisterArtifactRegistryServer(gs, impl)
		}, nil)
		t.Run("gRPC", func(t *testing.T) { artifactRegistryScenario(t, arv1.NewArtifactRegistryClient(conn), impl, "g") })
		t.Run("REST", func(t *testing.T) {
			artifactRegistryScenario(t, arv1.NewArtifactRegistryClient(restConn{t: t, base: base}), impl, "r")
			artifactRegistryFilePaths(t, base, impl)
		})
	})
}

func artifactRegistryScenario(t *testing.T, c arv1.ArtifactRegistryClient, impl *arv1.ArtifactRegistryCRUD, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/us-central1"

	// Repositories: long-running Create with the client's id (AIP-133,
	// AIP-151).
	createRepo := func(id string, r *arv1.Repository) *arv1.Repository {
		t.Helper()
		op, err := c.CreateRepository(ctx, &arv1.CreateRepositoryRequest{Parent: loc, RepositoryId: id, Repository: r})
		require.NoError(t, err)
		got := &arv1.Repository{}
		operationDone(t, op, got, &arv1.OperationMetadata{})
		assert.Equal(t, loc+"/repositories/"+id, got.Name)
		assert.NotNil(t, got.CreateTime)
		return got
	}
	docker := createRepo("docker", &arv1.Repository{Format: arv1.Repository_DOCKER, Description: "images",
		Labels:       map[string]string{"team": "a"},
		FormatConfig: &arv1.Repository_DockerConfig{DockerConfig: &arv1.Repository_DockerRepositoryConfig{ImmutableTags: true}},
		CleanupPolicies: map[string]*arv1.CleanupPolicy{"keep-5": {Id: "keep-5", Action: arv1.CleanupPolicy_KEEP,
			ConditionType: &arv1.CleanupPolicy_MostRecentVersions{MostRecentVersions: &arv1.CleanupPolicyMostRecentVersions{KeepCount: proto.Int32(5)}}}},
		SizeBytes: 99, RegistryUri: "evil"})
	npm := createRepo("npm", &arv1.Repository{Format: arv1.Repository_NPM, Description: "packages",
		CleanupPolicies: map[string]*arv1.CleanupPolicy{"old": {Id: "old", Action: arv1.CleanupPolicy_DELETE,
			ConditionType: &arv1.CleanupPolicy_Condition{Condition: &arv1.CleanupPolicyCondition{OlderThan: durationpb.New(86400e9)}}}}})
	assert.Zero(t, docker.SizeBytes, "size_bytes is OUTPUT_ONLY")
	assert.Empty(t, docker.RegistryUri, "registry_uri is OUTPUT_ONLY")
	got, err := c.GetRepository(ctx, &arv1.GetRepositoryRequest{Name: docker.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(docker, got), "Get: %v, created: %v", got, docker)
	assert.True(t, got.GetDockerConfig().GetImmutableTags())
	assert.Equal(t, int32(5), got.GetCleanupPolicies()["keep-5"].GetMostRecentVersions().GetKeepCount())
	_, err = c.CreateRepository(ctx, &arv1.CreateRepositoryRequest{Parent: loc, RepositoryId: "docker", Repository: &arv1.Repository{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
	_, err = c.CreateRepository(ctx, &arv1.CreateRepositoryRequest{Parent: loc, Repository: &arv1.Repository{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "repository_id is REQUIRED: %v", err)

	listRepos := func(req *arv1.ListRepositoriesRequest) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*arv1.Repository, string, error) {
			r := proto.Clone(req).(*arv1.ListRepositoriesRequest)
			r.Parent, r.PageSize, r.PageToken = loc, 1, token
			resp, err := c.ListRepositories(ctx, r)
			return resp.GetRepositories(), resp.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{docker.Name, npm.Name}, listRepos(&arv1.ListRepositoriesRequest{OrderBy: "name"}))
	assert.Equal(t, []string{npm.Name, docker.Name}, listRepos(&arv1.ListRepositoriesRequest{OrderBy: "name desc"}))
	assert.Equal(t, []string{docker.Name}, listRepos(&arv1.ListRepositoriesRequest{Filter: `name="` + docker.Name + `"`}))
	assert.Equal(t, []string{npm.Name}, listRepos(&arv1.ListRepositoriesRequest{Filter: `format = NPM`}))

	// Update with a mask, into a map of messages.
	up, err := c.UpdateRepository(ctx, &arv1.UpdateRepositoryRequest{
		Repository: &arv1.Repository{Name: docker.Name, Description: "images, revised", Labels: map[string]string{"x": "y"},
			CleanupPolicies: map[string]*arv1.CleanupPolicy{"keep-5": {Id: "keep-5", Action: arv1.CleanupPolicy_KEEP,
				ConditionType: &arv1.CleanupPolicy_MostRecentVersions{MostRecentVersions: &arv1.CleanupPolicyMostRecentVersions{KeepCount: proto.Int32(10)}}}}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"description", "cleanup_policies"}},
	})
	require.NoError(t, err)
	assert.Equal(t, "images, revised", up.Description)
	assert.Equal(t, map[string]string{"team": "a"}, up.Labels, "labels are not in the mask")
	assert.Equal(t, int32(10), up.GetCleanupPolicies()["keep-5"].GetMostRecentVersions().GetKeepCount())
	assert.True(t, up.GetDockerConfig().GetImmutableTags(), "kept")

	// Packages, versions and files are written by the service (imports,
	// uploads): here through the typed stores, under ids that hold
	// encoded slashes as Artifact Registry's do.
	pkgID := "%40scope%2Fwidget"
	pkg, err := impl.PackageStore().CreateIn(ctx, npm.Name, pkgID, &arv1.Package{DisplayName: "@scope/widget"})
	require.NoError(t, err)
	assert.Equal(t, npm.Name+"/packages/"+pkgID, pkg.Name)
	other, err := impl.PackageStore().CreateIn(ctx, npm.Name, "plain", &arv1.Package{DisplayName: "plain"})
	require.NoError(t, err)
	gotPkg, err := c.GetPackage(ctx, &arv1.GetPackageRequest{Name: pkg.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(pkg, gotPkg), "Get: %v, created: %v", gotPkg, pkg)
	pkgs, err := c.ListPackages(ctx, &arv1.ListPackagesRequest{Parent: npm.Name, OrderBy: "name"})
	require.NoError(t, err)
	require.Len(t, pkgs.Packages, 2)
	assert.Equal(t, pkg.Name, pkgs.Packages[0].Name, "%40… sorts before plain")
	pkgs, err = c.ListPackages(ctx, &arv1.ListPackagesRequest{Parent: npm.Name, Filter: `display_name="plain"`})
	require.NoError(t, err)
	require.Len(t, pkgs.Packages, 1)
	assert.Equal(t, other.Name, pkgs.Packages[0].Name)
	upPkg, err := c.UpdatePackage(ctx, &arv1.UpdatePackageRequest{Package: &arv1.Package{Name: pkg.Name, Annotations: map[string]string{"k": "v"}, DisplayName: "no"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"annotations"}}})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"k": "v"}, upPkg.Annotations)
	assert.Equal(t, "@scope/widget", upPkg.DisplayName, "not in the mask")

	versions := impl.VersionStore()
	v1, err := versions.CreateIn(ctx, pkg.Name, "1.0.0", &arv1.Version{Description: "first"})
	require.NoError(t, err)
	v2, err := versions.CreateIn(ctx, pkg.Name, "2.0.0", &arv1.Version{Description: "second"})
	require.NoError(t, err)
	gotVersion, err := c.GetVersion(ctx, &arv1.GetVersionRequest{Name: v1.Name, View: arv1.VersionView_FULL})
	require.NoError(t, err)
	assert.True(t, proto.Equal(v1, gotVersion), "Get: %v, created: %v", gotVersion, v1)
	listVersions := func(req *arv1.ListVersionsRequest) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*arv1.Version, string, error) {
			r := proto.Clone(req).(*arv1.ListVersionsRequest)
			r.Parent, r.PageSize, r.PageToken = pkg.Name, 1, token
			resp, err := c.ListVersions(ctx, r)
			return resp.GetVersions(), resp.GetNextPageToken(), err
		})
	}
	assert.Equal(t, []string{v2.Name, v1.Name}, listVersions(&arv1.ListVersionsRequest{OrderBy: "create_time desc"}))
	assert.Equal(t, []string{v1.Name}, listVersions(&arv1.ListVersionsRequest{Filter: `description="first"`}))
	upVersion, err := c.UpdateVersion(ctx, &arv1.UpdateVersionRequest{Version: &arv1.Version{Name: v2.Name, Annotations: map[string]string{"a": "b"}},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"annotations"}}})
	require.NoError(t, err)
	assert.Equal(t, "second", upVersion.Description)
	assert.Equal(t, map[string]string{"a": "b"}, upVersion.Annotations)

	// Tags, created by the client under the package.
	latest, err := c.CreateTag(ctx, &arv1.CreateTagRequest{Parent: pkg.Name, TagId: "latest", Tag: &arv1.Tag{Version: v2.Name}})
	require.NoError(t, err)
	assert.Equal(t, pkg.Name+"/tags/latest", latest.Name)
	gotTag, err := c.GetTag(ctx, &arv1.GetTagRequest{Name: latest.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(latest, gotTag), "Get: %v, created: %v", gotTag, latest)
	tags, err := c.ListTags(ctx, &arv1.ListTagsRequest{Parent: pkg.Name, Filter: `version="` + v2.Name + `"`})
	require.NoError(t, err)
	require.Len(t, tags.Tags, 1)
	upTag, err := c.UpdateTag(ctx, &arv1.UpdateTagRequest{Tag: &arv1.Tag{Name: latest.Name, Version: v1.Name}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"version"}}})
	require.NoError(t, err)
	assert.Equal(t, v1.Name, upTag.Version)
	_, err = c.CreateTag(ctx, &arv1.CreateTagRequest{Parent: npm.Name + "/packages/nothing", TagId: "x", Tag: &arv1.Tag{}})
	assert.Equal(t, codes.NotFound, status.Code(err), "a tag under a package that does not exist: %v", err)

	// Files, under the repository, read at files/** over REST.
	fileID := "%40scope%2Fwidget%2F-%2Fwidget-1.0.0.tgz"
	file, err := impl.FileStore().CreateIn(ctx, npm.Name, fileID, &arv1.File{SizeBytes: 1234, Owner: v1.Name,
		Hashes: []*arv1.Hash{{Type: arv1.Hash_SHA256, Value: []byte{1, 2, 3}}}})
	require.NoError(t, err)
	gotFile, err := c.GetFile(ctx, &arv1.GetFileRequest{Name: file.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(file, gotFile), "Get: %v, created: %v", gotFile, file)
	files, err := c.ListFiles(ctx, &arv1.ListFilesRequest{Parent: npm.Name, Filter: `owner="` + v1.Name + `"`})
	require.NoError(t, err)
	require.Len(t, files.Files, 1)
	upFile, err := c.UpdateFile(ctx, &arv1.UpdateFileRequest{File: &arv1.File{Name: file.Name, Annotations: map[string]string{"scan": "ok"}, SizeBytes: 1},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"annotations"}}})
	require.NoError(t, err)
	assert.Equal(t, int64(1234), upFile.SizeBytes, "not in the mask")

	// Rules, with the client's id.
	rule, err := c.CreateRule(ctx, &arv1.CreateRuleRequest{Parent: npm.Name, RuleId: "deny-download", Rule: &arv1.Rule{
		Action: arv1.Rule_DENY, Operation: arv1.Rule_DOWNLOAD, PackageId: "plain"}})
	require.NoError(t, err)
	assert.Equal(t, npm.Name+"/rules/deny-download", rule.Name)
	rules, err := c.ListRules(ctx, &arv1.ListRulesRequest{Parent: npm.Name})
	require.NoError(t, err)
	require.Len(t, rules.Rules, 1)
	upRule, err := c.UpdateRule(ctx, &arv1.UpdateRuleRequest{Rule: &arv1.Rule{Name: rule.Name, Action: arv1.Rule_ALLOW}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"action"}}})
	require.NoError(t, err)
	assert.Equal(t, arv1.Rule_ALLOW, upRule.Action)
	assert.Equal(t, "plain", upRule.PackageId)

	// Attachments: long-running Create with a REQUIRED id and target.
	op, err := c.CreateAttachment(ctx, &arv1.CreateAttachmentRequest{Parent: npm.Name, AttachmentId: "sbom", Attachment: &arv1.Attachment{
		Target: v1.Name, Type: "application/spdx+json", Files: []string{file.Name}}})
	require.NoError(t, err)
	att := &arv1.Attachment{}
	operationDone(t, op, att, &arv1.OperationMetadata{})
	assert.Equal(t, npm.Name+"/attachments/sbom", att.Name)
	_, err = c.CreateAttachment(ctx, &arv1.CreateAttachmentRequest{Parent: npm.Name, AttachmentId: "no-target", Attachment: &arv1.Attachment{Files: []string{file.Name}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "target is REQUIRED: %v", err)
	atts, err := c.ListAttachments(ctx, &arv1.ListAttachmentsRequest{Parent: npm.Name, Filter: `target="` + v1.Name + `"`})
	require.NoError(t, err)
	require.Len(t, atts.Attachments, 1)

	// Singletons: the project's settings and a location's VPC-SC config,
	// whose parents this API does not store.
	settingsName := "projects/p-" + tag + "/projectSettings"
	settings, err := c.GetProjectSettings(ctx, &arv1.GetProjectSettingsRequest{Name: settingsName})
	require.NoError(t, err)
	assert.Equal(t, settingsName, settings.Name)
	settings, err = c.UpdateProjectSettings(ctx, &arv1.UpdateProjectSettingsRequest{ProjectSettings: &arv1.ProjectSettings{Name: settingsName,
		LegacyRedirectionState: arv1.ProjectSettings_REDIRECTION_FROM_GCR_IO_ENABLED, PullPercent: 50},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"legacy_redirection_state"}}})
	require.NoError(t, err)
	assert.Equal(t, arv1.ProjectSettings_REDIRECTION_FROM_GCR_IO_ENABLED, settings.LegacyRedirectionState)
	assert.Zero(t, settings.PullPercent, "not in the mask")
	vpcsc, err := c.UpdateVPCSCConfig(ctx, &arv1.UpdateVPCSCConfigRequest{VpcscConfig: &arv1.VPCSCConfig{Name: loc + "/vpcscConfig", VpcscPolicy: arv1.VPCSCConfig_ALLOW},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"vpcsc_policy"}}})
	require.NoError(t, err)
	assert.Equal(t, arv1.VPCSCConfig_ALLOW, vpcsc.VpcscPolicy)
	gotVPCSC, err := c.GetVPCSCConfig(ctx, &arv1.GetVPCSCConfigRequest{Name: loc + "/vpcscConfig"})
	require.NoError(t, err)
	assert.True(t, proto.Equal(vpcsc, gotVPCSC), "Get: %v, updated: %v", gotVPCSC, vpcsc)

	// Read-only collections of the formats: nothing stored.
	images, err := c.ListDockerImages(ctx, &arv1.ListDockerImagesRequest{Parent: docker.Name})
	require.NoError(t, err)
	assert.Empty(t, images.DockerImages)
	_, err = c.GetDockerImage(ctx, &arv1.GetDockerImageRequest{Name: docker.Name + "/dockerImages/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Deletes: long-running, AIP-135 without force for a package with
	// versions and tags.
	_, err = c.DeletePackage(ctx, &arv1.DeletePackageRequest{Name: pkg.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a package with versions: %v", err)
	// BatchDeleteVersions, validate_only first: nothing deleted.
	op, err = c.BatchDeleteVersions(ctx, &arv1.BatchDeleteVersionsRequest{Parent: pkg.Name, Names: []string{v1.Name, v2.Name}, ValidateOnly: true})
	require.NoError(t, err)
	operationDone(t, op, &emptypb.Empty{}, &arv1.BatchDeleteVersionsMetadata{})
	assert.Len(t, listVersions(&arv1.ListVersionsRequest{}), 2, "validate_only deletes nothing")
	op, err = c.DeleteVersion(ctx, &arv1.DeleteVersionRequest{Name: v2.Name})
	require.NoError(t, err)
	operationDone(t, op, &emptypb.Empty{}, &arv1.OperationMetadata{})
	op, err = c.BatchDeleteVersions(ctx, &arv1.BatchDeleteVersionsRequest{Parent: pkg.Name, Names: []string{v1.Name}})
	require.NoError(t, err)
	operationDone(t, op, &emptypb.Empty{}, &arv1.BatchDeleteVersionsMetadata{})
	assert.Empty(t, listVersions(&arv1.ListVersionsRequest{}))
	_, err = c.DeleteTag(ctx, &arv1.DeleteTagRequest{Name: latest.Name})
	require.NoError(t, err)
	op, err = c.DeletePackage(ctx, &arv1.DeletePackageRequest{Name: pkg.Name})
	require.NoError(t, err)
	operationDone(t, op, &emptypb.Empty{}, &arv1.OperationMetadata{})
	_, err = c.GetPackage(ctx, &arv1.GetPackageRequest{Name: pkg.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)

	_, err = c.DeleteRepository(ctx, &arv1.DeleteRepositoryRequest{Name: npm.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a repository with packages: %v", err)
	assert.NotContains(t, status.Convert(err).Message(), "force", "DeleteRepositoryRequest has no force to set")
	_, err = c.DeleteVersion(ctx, &arv1.DeleteVersionRequest{Name: pkg.Name + "/versions/9.9"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), `"`+pkg.Name+`/versions/9.9" not found`, "a long-running Delete's NotFound names the resource")
	op, err = c.DeleteAttachment(ctx, &arv1.DeleteAttachmentRequest{Name: att.Name})
	require.NoError(t, err)
	operationDone(t, op, &emptypb.Empty{}, &arv1.OperationMetadata{})
	op, err = c.DeleteFile(ctx, &arv1.DeleteFileRequest{Name: file.Name})
	require.NoError(t, err)
	operationDone(t, op, &emptypb.Empty{}, &arv1.OperationMetadata{})
	_, err = c.DeleteRule(ctx, &arv1.DeleteRuleRequest{Name: rule.Name})
	require.NoError(t, err)
	op, err = c.DeletePackage(ctx, &arv1.DeletePackageRequest{Name: other.Name})
	require.NoError(t, err)
	operationDone(t, op, &emptypb.Empty{}, &arv1.OperationMetadata{})
	for _, r := range []*arv1.Repository{docker, npm} {
		op, err = c.DeleteRepository(ctx, &arv1.DeleteRepositoryRequest{Name: r.Name})
		require.NoError(t, err)
		operationDone(t, op, &emptypb.Empty{}, &arv1.OperationMetadata{})
		_, err = c.GetRepository(ctx, &arv1.GetRepositoryRequest{Name: r.Name})
		assert.Equal(t, codes.NotFound, status.Code(err), "deleted: %v", err)
	}
	assert.Empty(t, listRepos(&arv1.ListRepositoriesRequest{}))

	// The custom methods are the user's (AIP-136): Unimplemented.
	_, err = c.ExportArtifact(ctx, &arv1.ExportArtifactRequest{Repository: docker.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "ExportArtifact: %v", err)
}

// artifactRegistryFilePaths gets files over REST by hand at GetFile's
// `/v1/{name=…/files/**}`, beside DeleteFile's and UpdateFile's
// `…/files/*`: a file id of one segment is GetFile's, and an escaped
// slash in it is kept as google.api.http keeps it in a variable of "**"
// (the id holds "%2F").
func artifactRegistryFilePaths(t *testing.T, base string, impl *arv1.ArtifactRegistryCRUD) {
	ctx := context.Background()
	repo := "projects/p-files/locations/l/repositories/r"
	op, err := impl.CreateRepository(ctx, &arv1.CreateRepositoryRequest{Parent: "projects/p-files/locations/l", RepositoryId: "r", Repository: &arv1.Repository{}})
	require.NoError(t, err)
	require.True(t, op.GetDone())
	for _, id := range []string{"plain.txt", "a%2Fb.jar"} {
		_, err := impl.FileStore().CreateIn(ctx, repo, id, &arv1.File{SizeBytes: 1})
		require.NoError(t, err, id)
	}
	for path, want := range map[string]string{
		"/v1/" + repo + "/files/plain.txt": repo + "/files/plain.txt",
		"/v1/" + repo + "/files/a%2Fb.jar": repo + "/files/a%2Fb.jar",
	} {
		resp, err := http.Get(base + path)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if assert.Equal(t, http.StatusOK, resp.StatusCode, "GET %s: %s", path, body) {
			f := &arv1.File{}
			require.NoError(t, protojson.Unmarshal(body, f))
			assert.Equal(t, want, f.Name, "GET %s", path)
		}
	}
	// Two segments are no file id.
	resp, err := http.Get(base + "/v1/" + repo + "/files/a/b.jar")
	require.NoError(t, err)
	_ = resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}
