package e2e_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	tenantv1 "github.com/protoforge/protoforge/internal/e2e/gen/tenant/v1"
	"github.com/protoforge/protoforge/internal/e2e/gen/tenant/v1/tenantv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

type tenantKey struct{}

// tenantInterceptor puts the caller's tenant, from the X-Tenant header,
// into the context, as an authentication interceptor would.
func tenantInterceptor() connect.UnaryInterceptorFunc {
	return func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if t := req.Header().Get("X-Tenant"); t != "" {
				ctx = context.WithValue(ctx, tenantKey{}, t)
			}
			return next(ctx, req)
		}
	}
}

func tenantFromContext(ctx context.Context) (any, error) {
	t, ok := ctx.Value(tenantKey{}).(string)
	if !ok {
		return nil, errors.New("no X-Tenant header")
	}
	return t, nil
}

// asTenant sets the X-Tenant header of every request of a client.
func asTenant(tenant string) connect.ClientOption {
	return connect.WithInterceptors(connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			req.Header().Set("X-Tenant", tenant)
			return next(ctx, req)
		}
	}))
}

// tenantServer serves, over a socket, the handler handle makes with the
// interceptor that reads the caller's tenant, on db with the tenant
// test package's schema.
func tenantServer(t *testing.T, db *gorm.DB, handle func(connect.HandlerOption) (string, http.Handler)) *httptest.Server {
	t.Helper()
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/tenant/v1/schema", db.Dialector.Name()+".sql"))
	mux := http.NewServeMux()
	mux.Handle(handle(connect.WithInterceptors(tenantInterceptor())))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// TestTenantIsolation proves that every CRUD method sees only the caller's
// tenant: another tenant's row is NotFound, never PermissionDenied.
func TestTenantIsolation(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		srv := tenantServer(t, db, func(opt connect.HandlerOption) (string, http.Handler) {
			return tenantv1connect.NewNoteServiceHandler(tenantv1.NewNoteServiceCRUD(db, crudrt.WithTenant(tenantFromContext)), opt)
		})
		acme := tenantv1connect.NewNoteServiceClient(srv.Client(), srv.URL, asTenant("acme"))
		globex := tenantv1connect.NewNoteServiceClient(srv.Client(), srv.URL, asTenant("globex"))
		anon := tenantv1connect.NewNoteServiceClient(srv.Client(), srv.URL)
		ctx := context.Background()
		notFound := func(err error, what string) {
			t.Helper()
			assert.Equal(t, connect.CodeNotFound, codeOf(err), "%s: %v", what, err)
		}

		// Create stamps the caller's tenant, whatever the client sends.
		a1, err := acme.CreateNote(ctx, &tenantv1.CreateNoteRequest{Note: &tenantv1.Note{Text: "a1", TenantId: "globex"}})
		require.NoError(t, err)
		assert.Equal(t, "acme", a1.TenantId)
		for _, txt := range []string{"a2", "a3", "a4"} {
			_, err := acme.CreateNote(ctx, &tenantv1.CreateNoteRequest{Note: &tenantv1.Note{Text: txt}})
			require.NoError(t, err)
		}
		g1, err := globex.CreateNote(ctx, &tenantv1.CreateNoteRequest{Note: &tenantv1.Note{Text: "g1"}})
		require.NoError(t, err)
		_, err = anon.CreateNote(ctx, &tenantv1.CreateNoteRequest{Note: &tenantv1.Note{Text: "x"}})
		assert.Equal(t, connect.CodeUnauthenticated, codeOf(err))

		// Get, Update, Delete, Undelete across tenants: NotFound.
		_, err = globex.GetNote(ctx, &tenantv1.GetNoteRequest{Id: a1.Id})
		notFound(err, "Get")
		_, err = globex.UpdateNote(ctx, &tenantv1.UpdateNoteRequest{Note: &tenantv1.Note{Id: a1.Id, Text: "stolen"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"text"}}})
		notFound(err, "Update")
		_, err = globex.DeleteNote(ctx, &tenantv1.DeleteNoteRequest{Id: a1.Id})
		notFound(err, "Delete")
		_, err = acme.DeleteNote(ctx, &tenantv1.DeleteNoteRequest{Id: a1.Id})
		require.NoError(t, err)
		_, err = globex.UndeleteNote(ctx, &tenantv1.UndeleteNoteRequest{Id: a1.Id})
		notFound(err, "Undelete")
		_, err = acme.UndeleteNote(ctx, &tenantv1.UndeleteNoteRequest{Id: a1.Id})
		require.NoError(t, err)

		// Update cannot move a row to another tenant.
		u, err := acme.UpdateNote(ctx, &tenantv1.UpdateNoteRequest{Note: &tenantv1.Note{Id: a1.Id, Text: "mine", TenantId: "globex"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"text", "tenant_id"}}})
		require.NoError(t, err)
		assert.Equal(t, "acme", u.TenantId)

		// Batches: one foreign id makes the whole call NotFound, and
		// nothing of the other tenant is deleted.
		_, err = globex.BatchGetNotes(ctx, &tenantv1.BatchGetNotesRequest{Ids: []int64{g1.Id, a1.Id}})
		notFound(err, "BatchGet")
		_, err = globex.BatchDeleteNotes(ctx, &tenantv1.BatchDeleteNotesRequest{Ids: []int64{a1.Id}})
		notFound(err, "BatchDelete")
		got, err := acme.GetNote(ctx, &tenantv1.GetNoteRequest{Id: a1.Id})
		require.NoError(t, err)
		assert.Nil(t, got.DeleteTime)
		bc, err := globex.BatchCreateNotes(ctx, &tenantv1.BatchCreateNotesRequest{Requests: []*tenantv1.CreateNoteRequest{{Note: &tenantv1.Note{Text: "g2", TenantId: "acme"}}}})
		require.NoError(t, err)
		assert.Equal(t, "globex", bc.Notes[0].TenantId)

		// List: only the caller's rows, even when the filter names another
		// tenant; a page token of one tenant is refused for another.
		list, err := globex.ListNotes(ctx, &tenantv1.ListNotesRequest{ShowDeleted: true})
		require.NoError(t, err)
		for _, n := range list.Notes {
			assert.Equal(t, "globex", n.TenantId)
		}
		assert.Len(t, list.Notes, 2)
		list, err = globex.ListNotes(ctx, &tenantv1.ListNotesRequest{Filter: `tenant_id = "acme"`})
		require.NoError(t, err)
		assert.Empty(t, list.Notes, "a filter cannot reach another tenant")
		page, err := acme.ListNotes(ctx, &tenantv1.ListNotesRequest{PageSize: 2})
		require.NoError(t, err)
		require.Len(t, page.Notes, 2)
		require.NotEmpty(t, page.NextPageToken)
		_, err = globex.ListNotes(ctx, &tenantv1.ListNotesRequest{PageSize: 2, PageToken: page.NextPageToken})
		assert.Equal(t, connect.CodeInvalidArgument, codeOf(err), "a token is bound to its tenant")
		next, err := acme.ListNotes(ctx, &tenantv1.ListNotesRequest{PageSize: 2, PageToken: page.NextPageToken})
		require.NoError(t, err)
		assert.Len(t, next.Notes, 2)

		// AIP-155 request ids are each tenant's own: the same id names a
		// request of acme's and another of globex's.
		ra, err := acme.CreateNote(ctx, &tenantv1.CreateNoteRequest{Note: &tenantv1.Note{Text: "ra"}, RequestId: "1"})
		require.NoError(t, err)
		rg, err := globex.CreateNote(ctx, &tenantv1.CreateNoteRequest{Note: &tenantv1.Note{Text: "rg"}, RequestId: "1"})
		require.NoError(t, err, "another tenant's request with the same id is its own")
		assert.NotEqual(t, ra.Id, rg.Id)
		assert.Equal(t, "globex", rg.TenantId)
		again, err := acme.CreateNote(ctx, &tenantv1.CreateNoteRequest{Note: &tenantv1.Note{Text: "ra"}, RequestId: "1"})
		require.NoError(t, err)
		assert.Equal(t, ra.Id, again.Id, "acme's repeat gets acme's response")
	})
}

// TestTenantParents proves that a tenant's resources live under its own
// parents only: creating, batch creating or listing under another
// tenant's parent is NotFound, as under a parent that does not exist,
// and nothing is written.
func TestTenantParents(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		acme, globex := serveFolders(t, db)
		ctx := context.Background()

		_, err := acme.CreateFolder(ctx, &tenantv1.CreateFolderRequest{FolderId: "plans", Folder: &tenantv1.Folder{Title: "plans"}})
		require.NoError(t, err)
		// Doc.tenant_id is OUTPUT_ONLY: the server stamps it all the same,
		// over what the client sent.
		d, err := acme.CreateDoc(ctx, &tenantv1.CreateDocRequest{Parent: "folders/plans", DocId: "a", Doc: &tenantv1.Doc{Text: "a", TenantId: "globex"}})
		require.NoError(t, err)
		assert.Equal(t, "folders/plans/docs/a", d.Name)
		assert.Equal(t, "acme", d.TenantId)

		for what, err := range map[string]error{
			"create under another tenant's folder": func() error {
				_, err := globex.CreateDoc(ctx, &tenantv1.CreateDocRequest{Parent: "folders/plans", DocId: "g", Doc: &tenantv1.Doc{Text: "g"}})
				return err
			}(),
			"batch create under another tenant's folder": func() error {
				_, err := globex.BatchCreateDocs(ctx, &tenantv1.BatchCreateDocsRequest{Parent: "folders/plans", Requests: []*tenantv1.CreateDocRequest{{DocId: "g1", Doc: &tenantv1.Doc{Text: "g"}}}})
				return err
			}(),
			"batch create across folders, one of them another tenant's": func() error {
				_, err := globex.CreateFolder(ctx, &tenantv1.CreateFolderRequest{FolderId: "mine", Folder: &tenantv1.Folder{Title: "mine"}})
				require.NoError(t, err)
				_, err = globex.BatchCreateDocs(ctx, &tenantv1.BatchCreateDocsRequest{Parent: "folders/-", Requests: []*tenantv1.CreateDocRequest{
					{Parent: "folders/mine", DocId: "g2", Doc: &tenantv1.Doc{Text: "g"}}, {Parent: "folders/plans", DocId: "g3", Doc: &tenantv1.Doc{Text: "g"}}}})
				return err
			}(),
			"list under another tenant's folder": func() error {
				_, err := globex.ListDocs(ctx, &tenantv1.ListDocsRequest{Parent: "folders/plans"})
				return err
			}(),
			"list under a folder that does not exist": func() error {
				_, err := globex.ListDocs(ctx, &tenantv1.ListDocsRequest{Parent: "folders/none"})
				return err
			}(),
		} {
			assert.Equal(t, connect.CodeNotFound, codeOf(err), "%s: %v", what, err)
		}
		var n int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM docs").Scan(&n).Error)
		assert.EqualValues(t, 1, n, "only acme's document was written")
		res, err := acme.ListDocs(ctx, &tenantv1.ListDocsRequest{Parent: "folders/plans"})
		require.NoError(t, err)
		assert.Len(t, res.Docs, 1)
		_, err = acme.BatchCreateDocs(ctx, &tenantv1.BatchCreateDocsRequest{Parent: "folders/plans", Requests: []*tenantv1.CreateDocRequest{{DocId: "b", Doc: &tenantv1.Doc{Text: "b"}}}})
		require.NoError(t, err, "the owner writes under its folder")
	})
}

// TestTenantSingletons: a singleton (AIP-156) of a tenant's parent is the
// tenant's: Get of one never written answers its defaults with the
// caller's tenant, its first Update stores it with the tenant, another
// tenant's Get, Update and List under the parent are NotFound as under a
// parent that does not exist, and a List across parents holds the
// caller's parents only.
func TestTenantSingletons(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		acme, globex := serveFolders(t, db)
		ctx := context.Background()
		for _, f := range []string{"b", "a"} {
			_, err := acme.CreateFolder(ctx, &tenantv1.CreateFolderRequest{FolderId: f, Folder: &tenantv1.Folder{Title: f}})
			require.NoError(t, err)
		}
		_, err := globex.CreateFolder(ctx, &tenantv1.CreateFolderRequest{FolderId: "g", Folder: &tenantv1.Folder{Title: "g"}})
		require.NoError(t, err)

		got, err := acme.GetFolderSettings(ctx, &tenantv1.GetFolderSettingsRequest{Name: "folders/a/settings"})
		require.NoError(t, err)
		assert.True(t, proto.Equal(&tenantv1.FolderSettings{Name: "folders/a/settings", TenantId: "acme"}, got), "defaults with the tenant: %v", got)
		written, err := acme.UpdateFolderSettings(ctx, &tenantv1.UpdateFolderSettingsRequest{FolderSettings: &tenantv1.FolderSettings{Name: "folders/a/settings", Color: "red", TenantId: "globex"}})
		require.NoError(t, err)
		assert.Equal(t, "acme", written.TenantId, "stamped from the caller")
		assert.Equal(t, "red", written.Color)

		for what, err := range map[string]error{
			"get another tenant's": func() error {
				_, err := globex.GetFolderSettings(ctx, &tenantv1.GetFolderSettingsRequest{Name: "folders/a/settings"})
				return err
			}(),
			"get another tenant's, never written": func() error {
				_, err := globex.GetFolderSettings(ctx, &tenantv1.GetFolderSettingsRequest{Name: "folders/b/settings"})
				return err
			}(),
			"update another tenant's": func() error {
				_, err := globex.UpdateFolderSettings(ctx, &tenantv1.UpdateFolderSettingsRequest{FolderSettings: &tenantv1.FolderSettings{Name: "folders/a/settings", Color: "blue"}})
				return err
			}(),
			"first write under another tenant's folder": func() error {
				_, err := globex.UpdateFolderSettings(ctx, &tenantv1.UpdateFolderSettingsRequest{FolderSettings: &tenantv1.FolderSettings{Name: "folders/b/settings", Color: "blue"}})
				return err
			}(),
			"list under another tenant's folder": func() error {
				_, err := globex.ListFolderSettings(ctx, &tenantv1.ListFolderSettingsRequest{Parent: "folders/a"})
				return err
			}(),
		} {
			assert.Equal(t, connect.CodeNotFound, codeOf(err), "%s: %v", what, err)
		}
		var n int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM folder_settings").Scan(&n).Error)
		assert.EqualValues(t, 1, n, "only acme's settings were written")

		res, err := acme.ListFolderSettings(ctx, &tenantv1.ListFolderSettingsRequest{Parent: "folders/-", PageSize: 1})
		require.NoError(t, err)
		require.Len(t, res.FolderSettings, 1)
		assert.True(t, proto.Equal(written, res.FolderSettings[0]), "first page: %v", res.FolderSettings)
		token := res.NextPageToken
		_, err = globex.ListFolderSettings(ctx, &tenantv1.ListFolderSettingsRequest{Parent: "folders/-", PageSize: 1, PageToken: token})
		assert.Equal(t, connect.CodeInvalidArgument, codeOf(err), "a page token is bound to the tenant it was issued to: %v", err)
		res, err = acme.ListFolderSettings(ctx, &tenantv1.ListFolderSettingsRequest{Parent: "folders/-", PageSize: 1, PageToken: token})
		require.NoError(t, err)
		require.Len(t, res.FolderSettings, 1)
		assert.True(t, proto.Equal(&tenantv1.FolderSettings{Name: "folders/b/settings", TenantId: "acme"}, res.FolderSettings[0]), "second page: %v", res.FolderSettings)
		assert.Empty(t, res.NextPageToken, "acme has two folders")
		gres, err := globex.ListFolderSettings(ctx, &tenantv1.ListFolderSettingsRequest{Parent: "folders/-"})
		require.NoError(t, err)
		require.Len(t, gres.FolderSettings, 1)
		assert.True(t, proto.Equal(&tenantv1.FolderSettings{Name: "folders/g/settings", TenantId: "globex"}, gres.FolderSettings[0]), "globex's own: %v", gres.FolderSettings)
	})
}

// serveFolders applies the tenant schema to db and serves FolderService
// over Connect, with the tenant from a header: clients of tenants acme and
// globex.
func serveFolders(t *testing.T, db *gorm.DB) (acme, globex tenantv1connect.FolderServiceClient) {
	t.Helper()
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/tenant/v1/schema", db.Dialector.Name()+".sql"))
	mux := http.NewServeMux()
	mux.Handle(tenantv1connect.NewFolderServiceHandler(
		tenantv1.NewFolderServiceCRUD(db, crudrt.WithTenant(tenantFromContext)),
		connect.WithInterceptors(tenantInterceptor())))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return tenantv1connect.NewFolderServiceClient(srv.Client(), srv.URL, asTenant("acme")),
		tenantv1connect.NewFolderServiceClient(srv.Client(), srv.URL, asTenant("globex"))
}

// TestTenantStores: the typed stores of the methods a user writes have
// the standard Update's and Delete's semantics: Store.Update's first
// write of a singleton stores it and Store.CreateWithID creates one under
// the parent its id names (NotFound naming the parent when the parent is
// missing or another tenant's), and under crudrt.AllowMissing
// Store.Update creates a resource that does not exist, under the
// caller's parents only, and Store.Delete of one succeeds.
func TestTenantStores(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/tenant/v1/schema", db.Dialector.Name()+".sql"))
		folderSvc := tenantv1.NewFolderServiceCRUD(db, crudrt.WithTenant(tenantFromContext))
		noteSvc := tenantv1.NewNoteServiceCRUD(db, crudrt.WithTenant(tenantFromContext))
		acme := context.WithValue(context.Background(), tenantKey{}, "acme")
		globex := context.WithValue(context.Background(), tenantKey{}, "globex")
		folders, err := crudrt.StoreOf[*tenantv1.Folder](folderSvc)
		require.NoError(t, err)
		docs, err := crudrt.StoreOf[*tenantv1.Doc](folderSvc)
		require.NoError(t, err)
		settings, err := crudrt.StoreOf[*tenantv1.FolderSettings](folderSvc)
		require.NoError(t, err)
		notes, err := crudrt.StoreOf[*tenantv1.Note](noteSvc)
		require.NoError(t, err)
		count := func(table string) int64 {
			t.Helper()
			var n int64
			require.NoError(t, db.Raw("SELECT COUNT(*) FROM "+table).Scan(&n).Error)
			return n
		}
		notFoundNaming := func(err error, name, what string) {
			t.Helper()
			assert.Equal(t, connect.CodeNotFound, codeOf(err), "%s: %v", what, err)
			assert.ErrorContains(t, err, name, what)
		}

		_, err = folders.CreateWithID(acme, "plans", &tenantv1.Folder{Title: "plans"})
		require.NoError(t, err)

		// A singleton never written: its first Update stores it.
		color := &fieldmaskpb.FieldMask{Paths: []string{"color"}}
		s, err := settings.Update(acme, &tenantv1.FolderSettings{Name: "folders/plans/settings", Color: "red"}, color)
		require.NoError(t, err, "first write of a singleton through the store")
		assert.True(t, proto.Equal(&tenantv1.FolderSettings{Name: "folders/plans/settings", Color: "red", TenantId: "acme"}, s), "%v", s)
		got, err := settings.GetByName(acme, "folders/plans/settings")
		require.NoError(t, err)
		assert.Equal(t, "red", got.Color)
		_, err = settings.Update(acme, &tenantv1.FolderSettings{Name: "folders/none/settings", Color: "red"}, color)
		notFoundNaming(err, "folders/none", "a singleton under a folder that does not exist")
		_, err = settings.Update(globex, &tenantv1.FolderSettings{Name: "folders/plans/settings", Color: "blue"}, color)
		notFoundNaming(err, "folders/plans", "a singleton under another tenant's folder")
		assert.EqualValues(t, 1, count("folder_settings"))

		// Store.CreateWithID of a singleton names its parent by the id:
		// another tenant's parent, or one that does not exist, is
		// NotFound naming it, and nothing is written.
		_, err = folders.CreateWithID(acme, "fresh", &tenantv1.Folder{Title: "fresh"})
		require.NoError(t, err)
		_, err = settings.CreateWithID(globex, "fresh", &tenantv1.FolderSettings{Color: "blue"})
		notFoundNaming(err, "folders/fresh", "a singleton created under another tenant's folder")
		_, err = settings.CreateWithID(globex, "none", &tenantv1.FolderSettings{Color: "blue"})
		notFoundNaming(err, "folders/none", "a singleton created under a folder that does not exist")
		assert.EqualValues(t, 1, count("folder_settings"))
		s, err = settings.CreateWithID(acme, "fresh", &tenantv1.FolderSettings{Color: "green"})
		require.NoError(t, err, "a singleton created under the caller's folder")
		assert.True(t, proto.Equal(&tenantv1.FolderSettings{Name: "folders/fresh/settings", Color: "green", TenantId: "acme"}, s), "%v", s)

		// AllowMissing: an upsert under the caller's folder creates the
		// document; under another tenant's folder it is NotFound.
		text := &fieldmaskpb.FieldMask{Paths: []string{"text"}}
		d, err := docs.Update(crudrt.AllowMissing(acme, true), &tenantv1.Doc{Name: "folders/plans/docs/new", Text: "n"}, text)
		require.NoError(t, err, "upsert through the store")
		assert.True(t, proto.Equal(&tenantv1.Doc{Name: "folders/plans/docs/new", Text: "n", TenantId: "acme"}, d), "%v", d)
		_, err = docs.Update(crudrt.AllowMissing(globex, true), &tenantv1.Doc{Name: "folders/plans/docs/g", Text: "g"}, text)
		notFoundNaming(err, "folders/plans", "an upsert under another tenant's folder")
		_, err = docs.Update(crudrt.AllowMissing(globex, true), &tenantv1.Doc{Name: "folders/plans/docs/new", Text: "stolen"}, text)
		notFoundNaming(err, "folders/plans", "an upsert of another tenant's document")
		assert.EqualValues(t, 1, count("docs"))

		// AllowMissing: Delete of a resource that does not exist, or of
		// another tenant's, succeeds and deletes nothing.
		n, err := notes.Create(acme, &tenantv1.Note{Text: "a"})
		require.NoError(t, err)
		gone, err := notes.Delete(crudrt.AllowMissing(globex, true), n.Id, "")
		require.NoError(t, err, "another tenant's note is missing to the caller")
		assert.Nil(t, gone)
		_, err = notes.Delete(globex, n.Id, "")
		assert.Equal(t, connect.CodeNotFound, codeOf(err), "without AllowMissing: %v", err)
		kept, err := notes.Get(acme, n.Id)
		require.NoError(t, err)
		assert.Nil(t, kept.DeleteTime, "acme's note is not deleted")
		_, err = notes.Delete(crudrt.AllowMissing(acme, true), n.Id+1000, "")
		require.NoError(t, err, "a note that does not exist")
	})
}
