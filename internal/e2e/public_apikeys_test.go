package e2e_test

import (
	"context"
	"regexp"
	"testing"

	"cloud.google.com/go/longrunning/autogen/longrunningpb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	apikeysv2 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/apikeys"
)

// TestPublicAPIKeys serves Google's API Keys v2 (google/api/apikeys/v2,
// unchanged) on every database, over gRPC and over REST through its own
// google.api.http annotations: every write is long-running with
// google.protobuf.Empty as its metadata (AIP-151), keys are created with
// and without the client's id, deleted softly and undeleted (AIP-164),
// listed with show_deleted, and guarded by the etag they hold (AIP-154).
func TestPublicAPIKeys(t *testing.T) {
	servePublic(t, "apikeys", func(gs *grpc.Server, db *gorm.DB) {
		apikeysv2.RegisterApiKeysServer(gs, apikeysv2.NewApiKeysCRUD(db))
	}, func(t *testing.T, cc grpc.ClientConnInterface, tag string) {
		apiKeysScenario(t, apikeysv2.NewApiKeysClient(cc), tag)
	})
}

func apiKeysScenario(t *testing.T, c apikeysv2.ApiKeysClient, tag string) {
	ctx := context.Background()
	loc := "projects/p-" + tag + "/locations/global"
	done := func(op *longrunningpb.Operation, err error) *apikeysv2.Key {
		t.Helper()
		require.NoError(t, err)
		k := &apikeysv2.Key{}
		operationDone(t, op, k, &emptypb.Empty{})
		return k
	}
	list := func(showDeleted bool) []string {
		t.Helper()
		return pageNames(t, func(token string) ([]*apikeysv2.Key, string, error) {
			r, err := c.ListKeys(ctx, &apikeysv2.ListKeysRequest{Parent: loc, PageSize: 1, PageToken: token, ShowDeleted: showDeleted})
			return r.GetKeys(), r.GetNextPageToken(), err
		})
	}

	// Create with the client's id and without (the server's).
	browser := done(c.CreateKey(ctx, &apikeysv2.CreateKeyRequest{Parent: loc, KeyId: "browser", Key: &apikeysv2.Key{
		DisplayName: "Browser", Annotations: map[string]string{"team": "web"},
		Restrictions: &apikeysv2.Restrictions{ClientRestrictions: &apikeysv2.Restrictions_BrowserKeyRestrictions{
			BrowserKeyRestrictions: &apikeysv2.BrowserKeyRestrictions{AllowedReferrers: []string{"*.example.com/*"}}},
			ApiTargets: []*apikeysv2.ApiTarget{{Service: "translate.googleapis.com", Methods: []string{"Get*"}}}},
	}}))
	assert.Equal(t, loc+"/keys/browser", browser.Name)
	assert.NotEmpty(t, browser.Uid)
	assert.NotEmpty(t, browser.Etag)
	assert.NotNil(t, browser.CreateTime)
	server := done(c.CreateKey(ctx, &apikeysv2.CreateKeyRequest{Parent: loc, Key: &apikeysv2.Key{DisplayName: "Server"}}))
	assert.Regexp(t, regexp.MustCompile(`^`+regexp.QuoteMeta(loc)+`/keys/`+uuidPart+`$`), server.Name)
	_, err := c.CreateKey(ctx, &apikeysv2.CreateKeyRequest{Parent: loc, KeyId: "browser", Key: &apikeysv2.Key{}})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "created twice: %v", err)
	_, err = c.CreateKey(ctx, &apikeysv2.CreateKeyRequest{Parent: loc, KeyId: "Not_An_Id", Key: &apikeysv2.Key{}})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "an id of AIP-122's form only: %v", err)
	got, err := c.GetKey(ctx, &apikeysv2.GetKeyRequest{Name: browser.Name})
	require.NoError(t, err)
	assert.True(t, proto.Equal(browser, got), "Get: %v, created: %v", got, browser)
	assert.ElementsMatch(t, []string{browser.Name, server.Name}, list(false), "by pages of one")
	page, err := c.ListKeys(ctx, &apikeysv2.ListKeysRequest{Parent: loc, PageSize: 1})
	require.NoError(t, err)
	require.NotEmpty(t, page.NextPageToken)
	_, err = c.ListKeys(ctx, &apikeysv2.ListKeysRequest{Parent: "projects/other/locations/global", PageSize: 1, PageToken: page.NextPageToken})
	assert.Equal(t, codes.InvalidArgument, status.Code(err), "a page token of another parent: %v", err)

	// Update: with a mask, the fields it names; without, the fields the key
	// populates; with `*`, every field (AIP-134); a stale etag is refused.
	up := done(c.UpdateKey(ctx, &apikeysv2.UpdateKeyRequest{Key: &apikeysv2.Key{Name: browser.Name, DisplayName: "Browser, renamed",
		Annotations: map[string]string{"not": "in the mask"}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}}))
	assert.Equal(t, "Browser, renamed", up.DisplayName)
	assert.Equal(t, map[string]string{"team": "web"}, up.Annotations)
	assert.True(t, proto.Equal(browser.Restrictions, up.Restrictions), "restrictions: %v", up.Restrictions)
	assert.NotEqual(t, browser.Etag, up.Etag)
	assert.Equal(t, browser.Uid, up.Uid)
	_, err = c.UpdateKey(ctx, &apikeysv2.UpdateKeyRequest{Key: &apikeysv2.Key{Name: browser.Name, DisplayName: "x", Etag: browser.Etag},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	implied := done(c.UpdateKey(ctx, &apikeysv2.UpdateKeyRequest{Key: &apikeysv2.Key{Name: browser.Name, Etag: up.Etag, DisplayName: "Browser 2"}}))
	assert.Equal(t, "Browser 2", implied.DisplayName)
	assert.Equal(t, map[string]string{"team": "web"}, implied.Annotations, "no mask: the fields the key populates")
	assert.True(t, proto.Equal(browser.Restrictions, implied.Restrictions), "restrictions: %v", implied.Restrictions)
	up = implied
	full := done(c.UpdateKey(ctx, &apikeysv2.UpdateKeyRequest{Key: &apikeysv2.Key{Name: server.Name, Etag: server.Etag, DisplayName: "Server 2",
		Annotations: map[string]string{"a": "b"}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}}))
	assert.Equal(t, "Server 2", full.DisplayName)
	assert.Equal(t, map[string]string{"a": "b"}, full.Annotations)
	assert.Equal(t, server.CreateTime.AsTime(), full.CreateTime.AsTime(), "OUTPUT_ONLY fields are the server's")
	full = done(c.UpdateKey(ctx, &apikeysv2.UpdateKeyRequest{Key: &apikeysv2.Key{Name: server.Name, DisplayName: "Server 3"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}}))
	assert.Empty(t, full.Annotations, "*: every field replaced")
	assert.Equal(t, server.Uid, full.Uid)
	_, err = c.UpdateKey(ctx, &apikeysv2.UpdateKeyRequest{Key: &apikeysv2.Key{Name: loc + "/keys/nothing", DisplayName: "x"}})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// Soft delete: a stale etag is refused; the key is kept with its
	// delete_time, listed with show_deleted, and undeleted.
	_, err = c.DeleteKey(ctx, &apikeysv2.DeleteKeyRequest{Name: browser.Name, Etag: browser.Etag})
	assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
	del := done(c.DeleteKey(ctx, &apikeysv2.DeleteKeyRequest{Name: browser.Name, Etag: up.Etag}))
	assert.NotNil(t, del.DeleteTime)
	assert.Equal(t, "Browser 2", del.DisplayName)
	got, err = c.GetKey(ctx, &apikeysv2.GetKeyRequest{Name: browser.Name})
	require.NoError(t, err, "a deleted key is read by its name")
	assert.NotNil(t, got.DeleteTime)
	assert.Equal(t, []string{server.Name}, list(false))
	assert.ElementsMatch(t, []string{browser.Name, server.Name}, list(true))
	_, err = c.DeleteKey(ctx, &apikeysv2.DeleteKeyRequest{Name: browser.Name})
	assert.Equal(t, codes.NotFound, status.Code(err), "deleted twice: %v", err)
	_, err = c.UpdateKey(ctx, &apikeysv2.UpdateKeyRequest{Key: &apikeysv2.Key{Name: browser.Name, DisplayName: "x"},
		UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"display_name"}}})
	assert.Equal(t, codes.FailedPrecondition, status.Code(err), "a deleted key is not updated: %v", err)
	_, err = c.UndeleteKey(ctx, &apikeysv2.UndeleteKeyRequest{Name: server.Name})
	assert.Equal(t, codes.AlreadyExists, status.Code(err), "a key not deleted (AIP-164): %v", err)
	und := done(c.UndeleteKey(ctx, &apikeysv2.UndeleteKeyRequest{Name: browser.Name}))
	assert.Nil(t, und.DeleteTime)
	assert.ElementsMatch(t, []string{browser.Name, server.Name}, list(false))
	_, err = c.UndeleteKey(ctx, &apikeysv2.UndeleteKeyRequest{Name: loc + "/keys/nothing"})
	assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

	// GetKeyString and LookupKey are the user's: Unimplemented.
	_, err = c.GetKeyString(ctx, &apikeysv2.GetKeyStringRequest{Name: browser.Name})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "GetKeyString: %v", err)
	_, err = c.LookupKey(ctx, &apikeysv2.LookupKeyRequest{KeyString: "AIza"})
	assert.Equal(t, codes.Unimplemented, status.Code(err), "LookupKey: %v", err)

	for _, k := range []*apikeysv2.Key{browser, server} {
		done(c.DeleteKey(ctx, &apikeysv2.DeleteKeyRequest{Name: k.Name}))
	}
	assert.Empty(t, list(false))
}
