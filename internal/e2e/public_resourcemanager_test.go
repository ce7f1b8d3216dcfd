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
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	rmv3 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/resourcemanager"
)

// TestPublicResourceManager serves Google Cloud Resource Manager v3
// (google/cloud/resourcemanager/v3, unchanged) on every database, over
// gRPC and over REST through its own google.api.http annotations:
// folders, projects, tag keys and tag values are named at the top
// (`folders/{folder}`) and hold their parent in a field of their own
// (`parent`: `organizations/1`, `folders/2`), by which their List
// selects (AIP-132); folders and projects are deleted softly and
// undeleted (AIP-164), every write long-running; tag holds are named
// under tag values. A parent held in a field must exist when it names a
// resource of the package: the organizations, which the API does not
// create, are stored beforehand as their provisioning would.
func TestPublicResourceManager(t *testing.T) {
	servePublic(t, "resourcemanager", func(gs *grpc.Server, db *gorm.DB) {
		for _, tag := range []string{"g", "r"} {
			m, err := (&rmv3.Organization{Name: "organizations/" + tag, DisplayName: tag}).ToModel()
			require.NoError(t, err)
			require.NoError(t, db.Create(m).Error)
		}
		rmv3.RegisterFoldersServer(gs, rmv3.NewFoldersCRUD(db))
		rmv3.RegisterProjectsServer(gs, rmv3.NewProjectsCRUD(db))
		rmv3.RegisterTagKeysServer(gs, rmv3.NewTagKeysCRUD(db))
		rmv3.RegisterTagValuesServer(gs, rmv3.NewTagValuesCRUD(db))
		rmv3.RegisterTagHoldsServer(gs, rmv3.NewTagHoldsCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		resourceManagerScenario(t, rmv3.NewFoldersClient(cc), rmv3.NewProjectsClient(cc), rmv3.NewTagKeysClient(cc),
			rmv3.NewTagValuesClient(cc), rmv3.NewTagHoldsClient(cc), tag)
	})
}

func resourceManagerScenario(t *testing.T, folders rmv3.FoldersClient, projects rmv3.ProjectsClient, keys rmv3.TagKeysClient,
	values rmv3.TagValuesClient, holds rmv3.TagHoldsClient, tag string) {
	ctx := context.Background()
	org := "organizations/" + tag
	listFolders := func(parent string, showDeleted bool) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*rmv3.Folder, string, error) {
			r, err := folders.ListFolders(ctx, &rmv3.ListFoldersRequest{Parent: parent, PageSize: 1, PageToken: token, ShowDeleted: showDeleted})
			return r.GetFolders(), r.GetNextPageToken(), err
		})
	}
	newFolder := func(parent, display string) *rmv3.Folder {
		t.Helper()
		op, err := folders.CreateFolder(ctx, &rmv3.CreateFolderRequest{Folder: &rmv3.Folder{Parent: parent, DisplayName: display}})
		require.NoError(t, err)
		f := &rmv3.Folder{}
		operationDone(t, op, f, &rmv3.CreateFolderMetadata{})
		assert.Regexp(t, regexp.MustCompile(`^folders/`+uuidPart+`$`), f.Name)
		return f
	}

	// Folders under the organization and under one another: List selects
	// by the parent they hold.
	eng, ops := newFolder(org, "Engineering"), newFolder(org, "Operations")
	web := newFolder(eng.Name, "Web")
	got, err := folders.GetFolder(ctx, &rmv3.GetFolderRequest{Name: web.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(web, got), "Get: %v, created: %v", got, web)
	assert.ElementsMatch(t, []string{eng.Name, ops.Name}, listFolders(org, false), "the organization's folders, by pages of one")
	assert.Equal(t, []string{web.Name}, listFolders(eng.Name, false), "the folders of Engineering")
	assert.Empty(t, listFolders(ops.Name, false))
	page, err := folders.ListFolders(ctx, &rmv3.ListFoldersRequest{Parent: org, PageSize: 1})
	require.NoError(t, err)
	require.NotEmpty(t, page.NextPageToken)
	_, err = folders.ListFolders(ctx, &rmv3.ListFoldersRequest{Parent: eng.Name, PageSize: 1, PageToken: page.NextPageToken})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a page token of another parent: %v", err)
	_, err = folders.CreateFolder(ctx, &rmv3.CreateFolderRequest{Folder: &rmv3.Folder{DisplayName: "orphan"}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "parent is REQUIRED: %v", err)

	// AIP-159: "-" for the id of the parent a field holds reads across
	// the parents of that type (the other protocol's folders too, on
	// this database), by pages bound to it; none is NotFound.
	// A name of another API's resource stored as sent (one segment
	// more) is not a folder's.
	deeper := newFolder(eng.Name+"/sub", "Another API's")
	underOrgs, underFolders := listFolders("organizations/-", false), listFolders("folders/-", false)
	assert.NotContains(t, underFolders, deeper.Name)
	assert.Subset(t, underOrgs, []string{eng.Name, ops.Name})
	assert.NotContains(t, underOrgs, web.Name)
	assert.Contains(t, underFolders, web.Name)
	assert.NotContains(t, underFolders, eng.Name)
	assert.NotContains(t, underFolders, ops.Name)
	page, err = folders.ListFolders(ctx, &rmv3.ListFoldersRequest{Parent: "organizations/-", PageSize: 1})
	require.NoError(t, err)
	require.NotEmpty(t, page.NextPageToken)
	_, err = folders.ListFolders(ctx, &rmv3.ListFoldersRequest{Parent: org, PageSize: 1, PageToken: page.NextPageToken})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a page token of the wildcard under one parent: %v", err)
	projectsAcross, err := projects.ListProjects(ctx, &rmv3.ListProjectsRequest{Parent: "folders/-"})
	require.NoError(t, err, "no project yet, under any folder: a page, not NotFound")
	for _, p := range projectsAcross.GetProjects() {
		assert.Regexp(t, `^folders/[^/]+$`, p.GetParent())
	}

	// The parent a field holds exists, as a parent named in the name
	// must (PARENT_NOT_FOUND), whichever type of the package it names.
	for _, parent := range []string{"folders/nothing", "organizations/nobody", "projects/none"} {
		_, err = folders.CreateFolder(ctx, &rmv3.CreateFolderRequest{Folder: &rmv3.Folder{Parent: parent, DisplayName: "orphan"}})
		assert.Equal(t, codes.NotFound, status.Code(err), "%s: %v", parent, err)
		assert.Contains(t, status.Convert(err).Message(), `"`+parent+`" not found`)
	}
	_, err = projects.CreateProject(ctx, &rmv3.CreateProjectRequest{Project: &rmv3.Project{Parent: "folders/nothing", ProjectId: "orphan"}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	_, err = keys.CreateTagKey(ctx, &rmv3.CreateTagKeyRequest{TagKey: &rmv3.TagKey{Parent: "organizations/nobody", ShortName: "orphan"}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	// A name of no resource of the package is another API's, stored as
	// sent, as other references to other APIs are.
	ext := newFolder("billingAccounts/"+tag, "External")
	assert.Equal(t, "billingAccounts/"+tag, ext.Parent)

	// A List under a parent held in a field that does not exist is
	// NOT_FOUND as under a parent in a name (AIP-132), whichever type of
	// the package it names, and so is the List of each resource holding
	// one; under another API's resource it is a page.
	notFound := func(parent string, err error) {
		t.Helper()
		assert.Equal(t, codes.NotFound, status.Code(err), "%s: %v", parent, err)
		assert.Contains(t, status.Convert(err).Message(), `"`+parent+`" not found`)
		if tag == "g" { // restConn reads the code and message
			assert.Equal(t, "PARENT_NOT_FOUND", errorInfo(err).GetReason())
			assert.Equal(t, parent, errorInfo(err).GetMetadata()["parent"])
		}
	}
	for _, parent := range []string{"folders/nothing", "organizations/nobody", "projects/none"} {
		_, err = folders.ListFolders(ctx, &rmv3.ListFoldersRequest{Parent: parent})
		notFound(parent, err)
	}
	_, err = projects.ListProjects(ctx, &rmv3.ListProjectsRequest{Parent: "folders/nothing", ShowDeleted: true})
	notFound("folders/nothing", err)
	_, err = keys.ListTagKeys(ctx, &rmv3.ListTagKeysRequest{Parent: "organizations/nobody"})
	notFound("organizations/nobody", err)
	_, err = values.ListTagValues(ctx, &rmv3.ListTagValuesRequest{Parent: "tagKeys/nothing"})
	notFound("tagKeys/nothing", err)
	assert.Equal(t, []string{ext.Name}, listFolders("billingAccounts/"+tag, false))
	assert.Empty(t, listFolders("billingAccounts/nobody", false), "another API's resource is not looked up")
	assert.Empty(t, listFolders(ops.Name, false), "a folder that exists, with no folders in it")
	// An Update that moves a folder checks its new parent the same way.
	_, err = folders.UpdateFolder(ctx, &rmv3.UpdateFolderRequest{Folder: &rmv3.Folder{Name: ext.Name, Parent: "folders/nothing"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"parent"}}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
	op, err := folders.UpdateFolder(ctx, &rmv3.UpdateFolderRequest{Folder: &rmv3.Folder{Name: ext.Name, Parent: ops.Name},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"parent"}}})
	require.NoError(t, err)
	moved := &rmv3.Folder{}
	operationDone(t, op, moved, &rmv3.UpdateFolderMetadata{})
	assert.Equal(t, ops.Name, moved.Parent)
	assert.Equal(t, []string{ext.Name}, listFolders(ops.Name, false))
	// Nor under itself, or a folder under it: a folder is not its own
	// ancestor.
	for _, under := range []string{web.Name, eng.Name} {
		_, err = folders.UpdateFolder(ctx, &rmv3.UpdateFolderRequest{Folder: &rmv3.Folder{Name: eng.Name, Parent: under},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"parent"}}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%s under %s: %v", eng.Name, under, err)
		assert.Contains(t, status.Convert(err).Message(), "folder.parent")
	}
	op, err = folders.DeleteFolder(ctx, &rmv3.DeleteFolderRequest{Name: ext.Name})
	require.NoError(t, err)
	operationDone(t, op, &rmv3.Folder{}, &rmv3.DeleteFolderMetadata{})
	// Nothing is created under a folder that is deleted (AIP-164).
	_, err = folders.CreateFolder(ctx, &rmv3.CreateFolderRequest{Folder: &rmv3.Folder{Parent: ext.Name, DisplayName: "under deleted"}})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)

	// A folder with a folder in it is not deleted (AIP-135).
	_, err = folders.DeleteFolder(ctx, &rmv3.DeleteFolderRequest{Name: eng.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "Engineering holds Web: %v", err)

	// Update (long-running, with a mask REQUIRED) and soft Delete, Undelete.
	op, err = folders.UpdateFolder(ctx, &rmv3.UpdateFolderRequest{Folder: &rmv3.Folder{Name: web.Name, DisplayName: "Web, renamed", Parent: "not in the mask"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	require.NoError(t, err)
	upd := &rmv3.Folder{}
	operationDone(t, op, upd, &rmv3.UpdateFolderMetadata{})
	assert.Equal(t, "Web, renamed", upd.DisplayName)
	assert.Equal(t, eng.Name, upd.Parent)
	op, err = folders.DeleteFolder(ctx, &rmv3.DeleteFolderRequest{Name: web.Name})
	require.NoError(t, err)
	del := &rmv3.Folder{}
	operationDone(t, op, del, &rmv3.DeleteFolderMetadata{})
	assert.NotNil(t, del.DeleteTime)
	assert.Empty(t, listFolders(eng.Name, false), "a deleted folder is listed with show_deleted only")
	assert.Equal(t, []string{web.Name}, listFolders(eng.Name, true))
	op, err = folders.DeleteFolder(ctx, &rmv3.DeleteFolderRequest{Name: ops.Name})
	require.NoError(t, err, "an empty folder")
	operationDone(t, op, &rmv3.Folder{}, &rmv3.DeleteFolderMetadata{})
	// A soft-deleted folder exists (AIP-164): its List is a page, as
	// under a soft-deleted parent in a name.
	assert.Empty(t, listFolders(ops.Name, false))
	assert.Equal(t, []string{ext.Name}, listFolders(ops.Name, true))
	// A folder comes back only under a live parent (AIP-164).
	_, err = folders.UndeleteFolder(ctx, &rmv3.UndeleteFolderRequest{Name: ext.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "%v", err)
	assert.Contains(t, status.Convert(err).Message(), "cannot be restored: its parent \""+ops.Name+"\"")
	op, err = folders.UndeleteFolder(ctx, &rmv3.UndeleteFolderRequest{Name: web.Name})
	require.NoError(t, err)
	und := &rmv3.Folder{}
	operationDone(t, op, und, &rmv3.UndeleteFolderMetadata{})
	assert.Nil(t, und.DeleteTime)
	assert.Equal(t, []string{web.Name}, listFolders(eng.Name, false))

	// Projects, in folders.
	op, err = projects.CreateProject(ctx, &rmv3.CreateProjectRequest{Project: &rmv3.Project{Parent: web.Name, ProjectId: "web-prod", DisplayName: "Web prod",
		Labels: map[string]string{"env": "prod"}}})
	require.NoError(t, err)
	prj := &rmv3.Project{}
	operationDone(t, op, prj, &rmv3.CreateProjectMetadata{})
	assert.Regexp(t, regexp.MustCompile(`^projects/`+uuidPart+`$`), prj.Name)
	gotPrj, err := projects.GetProject(ctx, &rmv3.GetProjectRequest{Name: prj.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(prj, gotPrj), "Get: %v, created: %v", gotPrj, prj)
	list, err := projects.ListProjects(ctx, &rmv3.ListProjectsRequest{Parent: web.Name})
	require.NoError(t, err)
	require.Len(t, list.Projects, 1)
	assert.Equal(t, prj.Name, list.Projects[0].Name)
	list, err = projects.ListProjects(ctx, &rmv3.ListProjectsRequest{Parent: eng.Name})
	require.NoError(t, err)
	assert.Empty(t, list.Projects, "a folder's projects, not its subfolders'")
	_, err = projects.UpdateProject(ctx, &rmv3.UpdateProjectRequest{Project: &rmv3.Project{Name: prj.Name, ProjectId: "other"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"project_id"}}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "project_id is IMMUTABLE: %v", err)
	op, err = projects.DeleteProject(ctx, &rmv3.DeleteProjectRequest{Name: prj.Name})
	require.NoError(t, err)
	operationDone(t, op, &rmv3.Project{}, &rmv3.DeleteProjectMetadata{})
	list, err = projects.ListProjects(ctx, &rmv3.ListProjectsRequest{Parent: web.Name, ShowDeleted: true})
	require.NoError(t, err)
	require.Len(t, list.Projects, 1)
	assert.NotNil(t, list.Projects[0].DeleteTime)

	// Tag keys under the organization, tag values under keys, holds under
	// values.
	op, err = keys.CreateTagKey(ctx, &rmv3.CreateTagKeyRequest{TagKey: &rmv3.TagKey{Parent: org, ShortName: "env", Description: "environment"}})
	require.NoError(t, err)
	key := &rmv3.TagKey{}
	operationDone(t, op, key, &rmv3.CreateTagKeyMetadata{})
	keyList, err := keys.ListTagKeys(ctx, &rmv3.ListTagKeysRequest{Parent: org})
	require.NoError(t, err)
	require.Len(t, keyList.TagKeys, 1)
	op, err = values.CreateTagValue(ctx, &rmv3.CreateTagValueRequest{TagValue: &rmv3.TagValue{Parent: key.Name, ShortName: "prod"}})
	require.NoError(t, err)
	value := &rmv3.TagValue{}
	operationDone(t, op, value, &rmv3.CreateTagValueMetadata{})
	valueList, err := values.ListTagValues(ctx, &rmv3.ListTagValuesRequest{Parent: key.Name})
	require.NoError(t, err)
	require.Len(t, valueList.TagValues, 1)
	assert.Equal(t, value.Name, valueList.TagValues[0].Name)
	op, err = holds.CreateTagHold(ctx, &rmv3.CreateTagHoldRequest{Parent: value.Name, TagHold: &rmv3.TagHold{Holder: "//compute.googleapis.com/projects/p/instances/i"}})
	require.NoError(t, err)
	hold := &rmv3.TagHold{}
	operationDone(t, op, hold, &rmv3.CreateTagHoldMetadata{})
	assert.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(value.Name)+`/tagHolds/`+uuidPart+`$`), hold.Name)
	holdList, err := holds.ListTagHolds(ctx, &rmv3.ListTagHoldsRequest{Parent: value.Name})
	require.NoError(t, err)
	require.Len(t, holdList.TagHolds, 1)
	_, err = values.DeleteTagValue(ctx, &rmv3.DeleteTagValueRequest{Name: value.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a value with holds: %v", err)
	_, err = keys.DeleteTagKey(ctx, &rmv3.DeleteTagKeyRequest{Name: key.Name})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a key with values: %v", err)
	op, err = holds.DeleteTagHold(ctx, &rmv3.DeleteTagHoldRequest{Name: hold.Name})
	require.NoError(t, err)
	operationDone(t, op, &emptypb.Empty{}, &rmv3.DeleteTagHoldMetadata{})
	op, err = values.DeleteTagValue(ctx, &rmv3.DeleteTagValueRequest{Name: value.Name})
	require.NoError(t, err)
	operationDone(t, op, &rmv3.TagValue{}, &rmv3.DeleteTagValueMetadata{})
	op, err = keys.DeleteTagKey(ctx, &rmv3.DeleteTagKeyRequest{Name: key.Name})
	require.NoError(t, err)
	operationDone(t, op, &rmv3.TagKey{}, &rmv3.DeleteTagKeyMetadata{})

	// The custom methods are the user's (AIP-136): Unimplemented.
	_, err = folders.MoveFolder(ctx, &rmv3.MoveFolderRequest{Name: web.Name, DestinationParent: ops.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "MoveFolder: %v", err)
}
