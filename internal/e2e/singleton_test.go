package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	singletonv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_singleton/want/aipsingletonv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestSingletons serves singleton resources (AIP-156) over gRPC and REST
// on every database: a singleton exists as long as its parent does, so
// Get answers one never written with its defaults and its name, and its
// first Update stores it; under a parent that does not exist both are
// NotFound; it goes with its parent when the parent is removed, and stays
// when the parent is soft deleted; Delete of a parent never needs force
// for it; names of the wrong pattern are InvalidArgument; an etag cannot
// match one never written; concurrent first writes all land.
func TestSingletons(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveSingletons(t, db)
		ctx := context.Background()
		code := func(err error) codes.Code { return status.Code(err) }

		_, err := c.CreatePublisher(ctx, &singletonv1.CreatePublisherRequest{PublisherId: "acme", Publisher: &singletonv1.Publisher{DisplayName: "Acme"}})
		require.NoError(t, err)

		// Never written: the defaults, with the name.
		got, err := c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: "publishers/acme/settings"})
		require.NoError(t, err)
		assert.True(t, proto.Equal(&singletonv1.PublisherSettings{Name: "publishers/acme/settings"}, got), "got %v", got)
		resp, body := restDo(t, "GET", base+"/v1/publishers/acme/settings", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assertJSONMessage(t, &singletonv1.PublisherSettings{Name: "publishers/acme/settings"}, body)

		// Under a parent that does not exist: NotFound naming it.
		_, err = c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: "publishers/nobody/settings"})
		assert.Equal(t, codes.NotFound, code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), "publishers/nobody")
		_, err = c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{PublisherSettings: &singletonv1.PublisherSettings{Name: "publishers/nobody/settings", Locale: "fr"}})
		assert.Equal(t, codes.NotFound, code(err), "%v", err)
		resp, body = restDo(t, "GET", base+"/v1/publishers/nobody/settings", "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", body)

		// Names of another pattern.
		for _, name := range []string{"publishers/acme", "publishers/acme/settings/x", "publishers/acme/other", "publishers/-/settings", "projects/acme/settings", ""} {
			_, err = c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: name})
			assert.Equal(t, codes.InvalidArgument, code(err), "Get %q: %v", name, err)
			_, err = c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{PublisherSettings: &singletonv1.PublisherSettings{Name: name, Locale: "fr"}})
			assert.Equal(t, codes.InvalidArgument, code(err), "Update %q: %v", name, err)
		}

		// A parent whose ids are longer than the columns hold does not
		// exist, as for a Create under it (TestLongParentID), also where
		// this API does not store the parent: Get and Update agree.
		long := strings.Repeat("b", 256)
		_, err = c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: "publishers/" + long + "/settings"})
		assert.Equal(t, codes.NotFound, code(err), "%v", err)
		_, err = c.GetProjectSettings(ctx, &singletonv1.GetProjectSettingsRequest{Name: "projects/" + long + "/settings"})
		assert.Equal(t, codes.NotFound, code(err), "%v", err)
		assert.Equal(t, "PARENT_NOT_FOUND", errorInfo(err).GetReason())
		assert.Contains(t, status.Convert(err).Message(), "256 characters long; at most 255")
		_, err = c.UpdateProjectSettings(ctx, &singletonv1.UpdateProjectSettingsRequest{ProjectSettings: &singletonv1.ProjectSettings{Name: "projects/" + long + "/settings", Region: "eu"}})
		assert.Equal(t, codes.NotFound, code(err), "%v", err)
		assert.Equal(t, "PARENT_NOT_FOUND", errorInfo(err).GetReason())
		_, err = c.GetProjectSettings(ctx, &singletonv1.GetProjectSettingsRequest{Name: "projects/" + strings.Repeat("é", 255) + "/settings"})
		assert.NoError(t, err, "255 characters, 510 bytes: stored")

		// A reference to a singleton holds while its parent exists,
		// written or not; its parent is not deleted while a live row
		// names the singleton.
		_, err = c.CreatePublisher(ctx, &singletonv1.CreatePublisherRequest{PublisherId: "globex", Publisher: &singletonv1.Publisher{}})
		require.NoError(t, err)
		_, err = c.CreateShelf(ctx, &singletonv1.CreateShelfRequest{Parent: "publishers/acme", ShelfId: "styled", Shelf: &singletonv1.Shelf{StyleFrom: "publishers/globex/settings"}})
		require.NoError(t, err, "the settings of globex exist, never written")
		for _, ref := range []string{"publishers/nobody/settings", "publishers/globex", "publishers/globex/settings/x"} {
			_, err = c.CreateShelf(ctx, &singletonv1.CreateShelfRequest{Parent: "publishers/acme", ShelfId: "bad", Shelf: &singletonv1.Shelf{StyleFrom: ref}})
			assert.Equal(t, codes.InvalidArgument, code(err), "%s: %v", ref, err)
			assert.Equal(t, []string{"shelf.style_from"}, violationFields(err), ref)
		}
		_, err = c.DeletePublisher(ctx, &singletonv1.DeletePublisherRequest{Name: "publishers/globex"})
		assert.Equal(t, codes.FailedPrecondition, code(err), "a live shelf names its settings: %v", err)
		require.Error(t, db.Exec("UPDATE shelves SET style_from_publisher = 'nobody' WHERE shelf = 'styled'").Error, "the schema holds the reference too")
		_, err = c.DeleteShelf(ctx, &singletonv1.DeleteShelfRequest{Name: "publishers/acme/shelves/styled"})
		require.NoError(t, err)
		_, err = c.DeletePublisher(ctx, &singletonv1.DeletePublisherRequest{Name: "publishers/globex"})
		require.NoError(t, err, "named by no live row any more")

		// An etag cannot match a singleton never written.
		_, err = c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{PublisherSettings: &singletonv1.PublisherSettings{Name: "publishers/acme/settings", Locale: "fr", Etag: "1"}})
		assert.Equal(t, codes.Aborted, code(err), "%v", err)

		// The first Update stores the fields of its mask over the
		// defaults, with the server's fields.
		first, err := c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{
			PublisherSettings: &singletonv1.PublisherSettings{Name: "publishers/acme/settings", Locale: "fr", PageSize: 25, Labels: map[string]string{"a": "1"}},
			UpdateMask:        &fieldmaskpb.FieldMask{Paths: []string{"locale", "labels"}},
		})
		require.NoError(t, err)
		assert.Equal(t, "publishers/acme/settings", first.Name)
		assert.Equal(t, "fr", first.Locale)
		assert.Zero(t, first.PageSize, "page_size is not in the mask")
		assert.Equal(t, map[string]string{"a": "1"}, first.Labels)
		assert.NotNil(t, first.CreateTime)
		assert.NotNil(t, first.UpdateTime)
		assert.NotEmpty(t, first.Etag)
		got, err = c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: "publishers/acme/settings"})
		require.NoError(t, err)
		assert.True(t, proto.Equal(first, got), "what the first Update answered is stored: %v, %v", first, got)

		// Then an ordinary Update, with its etag, over REST.
		resp, body = restDo(t, "PATCH", base+"/v1/publishers/acme/settings?update_mask=page_size", `{"pageSize":50,"locale":"de","etag":"`+first.Etag+`"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var second singletonv1.PublisherSettings
		require.NoError(t, protojson.Unmarshal(body, &second))
		assert.Equal(t, int32(50), second.PageSize)
		assert.Equal(t, "fr", second.Locale, "locale is not in the mask")
		assert.True(t, second.CreateTime.AsTime().Equal(first.CreateTime.AsTime()))
		assert.NotEqual(t, first.Etag, second.Etag)
		_, err = c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{PublisherSettings: &singletonv1.PublisherSettings{Name: "publishers/acme/settings", Locale: "it", Etag: first.Etag}})
		assert.Equal(t, codes.Aborted, code(err), "a stale etag: %v", err)
		got, err = c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: "publishers/acme/settings", ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"name", "locale"}}})
		require.NoError(t, err)
		assert.True(t, proto.Equal(&singletonv1.PublisherSettings{Name: "publishers/acme/settings", Locale: "fr"}, got), "read_mask: %v", got)

		// A singleton two levels deep, under a shelf that is removed
		// when deleted: its row goes with the shelf, without force.
		_, err = c.CreateShelf(ctx, &singletonv1.CreateShelfRequest{Parent: "publishers/acme", ShelfId: "fiction", Shelf: &singletonv1.Shelf{Theme: "Fiction"}})
		require.NoError(t, err)
		cfg, err := c.GetShelfConfig(ctx, &singletonv1.GetShelfConfigRequest{Name: "publishers/acme/shelves/fiction/config"})
		require.NoError(t, err)
		assert.True(t, proto.Equal(&singletonv1.ShelfConfig{Name: "publishers/acme/shelves/fiction/config"}, cfg), "%v", cfg)
		_, err = c.GetShelfConfig(ctx, &singletonv1.GetShelfConfigRequest{Name: "publishers/acme/shelves/poetry/config"})
		assert.Equal(t, codes.NotFound, code(err), "%v", err)
		resp, body = restDo(t, "PATCH", base+"/v1/publishers/acme/shelves/fiction/config", `{"capacity":40,"locked":true}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assertJSONMessage(t, &singletonv1.ShelfConfig{Name: "publishers/acme/shelves/fiction/config", Capacity: 40, Locked: true}, body)
		_, err = c.DeleteShelf(ctx, &singletonv1.DeleteShelfRequest{Name: "publishers/acme/shelves/fiction"})
		require.NoError(t, err, "a singleton never keeps its parent from being deleted")
		_, err = c.GetShelfConfig(ctx, &singletonv1.GetShelfConfigRequest{Name: "publishers/acme/shelves/fiction/config"})
		assert.Equal(t, codes.NotFound, code(err), "gone with its shelf: %v", err)
		_, err = c.CreateShelf(ctx, &singletonv1.CreateShelfRequest{Parent: "publishers/acme", ShelfId: "fiction", Shelf: &singletonv1.Shelf{}})
		require.NoError(t, err)
		cfg, err = c.GetShelfConfig(ctx, &singletonv1.GetShelfConfigRequest{Name: "publishers/acme/shelves/fiction/config"})
		require.NoError(t, err)
		assert.Zero(t, cfg.Capacity, "a shelf created again has a new config: %v", cfg)
		var n int64
		require.NoError(t, db.Table("shelf_configs").Count(&n).Error)
		assert.Zero(t, n, "the removed shelf's config row went with it")

		// The publisher is soft deleted: its settings stay, to come back
		// with it. Its shelf is removed by a forced Delete, and the
		// shelf's config with it.
		_, err = c.UpdateShelfConfig(ctx, &singletonv1.UpdateShelfConfigRequest{ShelfConfig: &singletonv1.ShelfConfig{Name: "publishers/acme/shelves/fiction/config", Capacity: 7}})
		require.NoError(t, err)
		_, err = c.DeletePublisher(ctx, &singletonv1.DeletePublisherRequest{Name: "publishers/acme"})
		assert.Equal(t, codes.FailedPrecondition, code(err), "the shelf, not a singleton, needs force: %v", err)
		_, err = c.DeletePublisher(ctx, &singletonv1.DeletePublisherRequest{Name: "publishers/acme", Force: true})
		require.NoError(t, err)
		require.NoError(t, db.Table("shelf_configs").Count(&n).Error)
		assert.Zero(t, n)
		require.NoError(t, db.Table("publisher_settings").Count(&n).Error)
		assert.Equal(t, int64(1), n, "the soft-deleted publisher's settings stay")
		_, err = c.UndeletePublisher(ctx, &singletonv1.UndeletePublisherRequest{Name: "publishers/acme"})
		require.NoError(t, err)
		got, err = c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: "publishers/acme/settings"})
		require.NoError(t, err)
		assert.Equal(t, int32(50), got.PageSize, "back with the publisher")
		_, err = c.DeletePublisher(ctx, &singletonv1.DeletePublisherRequest{Name: "publishers/acme"})
		require.NoError(t, err, "without shelves, the settings need no force")

		// Under a parent this API does not store: always there, through
		// the proto's own google.api.http bindings too. Its IMMUTABLE
		// field is set by the first write and kept after.
		resp, body = restDo(t, "GET", base+"/v1/projects/p-1/settings", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assertJSONMessage(t, &singletonv1.ProjectSettings{Name: "projects/p-1/settings"}, body)
		resp, body = restDo(t, "PATCH", base+"/v1/projects/p-1/settings", `{"region":"eu","owner":"ann"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assertJSONMessage(t, &singletonv1.ProjectSettings{Name: "projects/p-1/settings", Region: "eu", Owner: "ann"}, body)
		_, err = c.UpdateProjectSettings(ctx, &singletonv1.UpdateProjectSettingsRequest{ProjectSettings: &singletonv1.ProjectSettings{Name: "projects/p-1/settings", Owner: "bob"}})
		assert.Equal(t, codes.InvalidArgument, code(err), "IMMUTABLE: %v", err)
		// An id a client could not choose for a resource of its own is
		// still its parent's.
		_, err = c.UpdateProjectSettings(ctx, &singletonv1.UpdateProjectSettingsRequest{ProjectSettings: &singletonv1.ProjectSettings{Name: "projects/1234/settings", Region: "us"}})
		require.NoError(t, err)

		// Concurrent first writes of one singleton: each lands, none is
		// refused as a duplicate.
		const writers = 8
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = c.UpdateProjectSettings(ctx, &singletonv1.UpdateProjectSettingsRequest{
					ProjectSettings: &singletonv1.ProjectSettings{Name: "projects/race/settings", Region: strings.Repeat("r", i+1)},
					UpdateMask:      &fieldmaskpb.FieldMask{Paths: []string{"region"}},
				})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			assert.NoError(t, err, "writer %d", i)
		}
		got2, err := c.GetProjectSettings(ctx, &singletonv1.GetProjectSettingsRequest{Name: "projects/race/settings"})
		require.NoError(t, err)
		assert.NotEmpty(t, got2.Region)
	})
}

// serveSingletons applies the aip_singleton schema to db and serves it
// over gRPC and REST: the REST base URL and a gRPC client.
func serveSingletons(t *testing.T, db *gorm.DB) (string, singletonv1.SingletonServiceClient) {
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_singleton/want/aipsingletonv1/schema", db.Dialector.Name()+".sql"))
	base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
		singletonv1.RegisterSingletonServiceServer(gs, singletonv1.NewSingletonServiceCRUD(db))
	}, singletonv1.SingletonServiceRESTRules())
	return base, singletonv1.NewSingletonServiceClient(conn)
}

// assertJSONMessage checks that body is the JSON of want.
func assertJSONMessage(t *testing.T, want proto.Message, body []byte) {
	t.Helper()
	got := want.ProtoReflect().New().Interface()
	require.NoError(t, protojson.Unmarshal(body, got), "%s", body)
	assert.True(t, proto.Equal(want, got), "want %v, got %s", want, body)
}

// TestSingletonList lists singletons (AIP-156) as AIP-159 reads across
// collections, over gRPC and REST on every database: one per parent,
// written or not, in the order of the parents' keys, page by page; a
// parent named whole gives its one singleton (NotFound when it does not
// exist); across parents, a soft-deleted parent's singleton only with
// show_deleted; filter and order_by are refused, and a page token is
// bound to its parent.
func TestSingletonList(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveSingletons(t, db)
		ctx := context.Background()
		for _, id := range []string{"b", "a", "c"} {
			_, err := c.CreatePublisher(ctx, &singletonv1.CreatePublisherRequest{PublisherId: id, Publisher: &singletonv1.Publisher{DisplayName: id}})
			require.NoError(t, err)
		}
		written, err := c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{PublisherSettings: &singletonv1.PublisherSettings{Name: "publishers/b/settings", Locale: "fr", Labels: map[string]string{"k": "v"}}})
		require.NoError(t, err)
		def := func(p string) *singletonv1.PublisherSettings {
			return &singletonv1.PublisherSettings{Name: "publishers/" + p + "/settings"}
		}
		list := func(req *singletonv1.ListPublisherSettingsRequest) []proto.Message {
			t.Helper()
			var all []proto.Message
			for page := 0; ; page++ {
				res, err := c.ListPublisherSettings(ctx, req)
				require.NoError(t, err)
				assert.LessOrEqual(t, len(res.PublisherSettings), max(int(req.PageSize), 1))
				for _, s := range res.PublisherSettings {
					all = append(all, s)
				}
				if res.NextPageToken == "" {
					return all
				}
				require.Less(t, page, 10)
				req.PageToken = res.NextPageToken
			}
		}
		assertList := func(want []proto.Message, got []proto.Message, msg string) {
			t.Helper()
			require.Len(t, got, len(want), "%s: %v", msg, got)
			for i := range want {
				assert.True(t, proto.Equal(want[i], got[i]), "%s [%d]: want %v, got %v", msg, i, want[i], got[i])
			}
		}
		assertList([]proto.Message{def("a"), written, def("c")}, list(&singletonv1.ListPublisherSettingsRequest{Parent: "publishers/-", PageSize: 2}), "across parents, two by two")
		assertList([]proto.Message{written}, list(&singletonv1.ListPublisherSettingsRequest{Parent: "publishers/b"}), "under b")
		assertList([]proto.Message{def("c")}, list(&singletonv1.ListPublisherSettingsRequest{Parent: "publishers/c"}), "under c, never written")

		_, err = c.ListPublisherSettings(ctx, &singletonv1.ListPublisherSettingsRequest{Parent: "publishers/nobody"})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		for _, parent := range []string{"", "publishers", "publishers/b/settings", "projects/b", "publishers/b/x"} {
			_, err = c.ListPublisherSettings(ctx, &singletonv1.ListPublisherSettingsRequest{Parent: parent})
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "parent %q: %v", parent, err)
		}

		// A page token is bound to its parent.
		res, err := c.ListPublisherSettings(ctx, &singletonv1.ListPublisherSettingsRequest{Parent: "publishers/-", PageSize: 1})
		require.NoError(t, err)
		require.NotEmpty(t, res.NextPageToken)
		_, err = c.ListPublisherSettings(ctx, &singletonv1.ListPublisherSettingsRequest{Parent: "publishers/b", PageSize: 1, PageToken: res.NextPageToken})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)

		// A soft-deleted parent: across parents with show_deleted only;
		// named whole, as Get answers it.
		_, err = c.DeletePublisher(ctx, &singletonv1.DeletePublisherRequest{Name: "publishers/a"})
		require.NoError(t, err)
		assertList([]proto.Message{written, def("c")}, list(&singletonv1.ListPublisherSettingsRequest{Parent: "publishers/-", PageSize: 1}), "across parents, a deleted")
		assertList([]proto.Message{def("a"), written, def("c")}, list(&singletonv1.ListPublisherSettingsRequest{Parent: "publishers/-", PageSize: 1, ShowDeleted: true}), "across parents, show_deleted")
		assertList([]proto.Message{def("a")}, list(&singletonv1.ListPublisherSettingsRequest{Parent: "publishers/a"}), "under deleted a")

		// REST: GET /v1/{parent=publishers/*}/publisherSettings.
		resp, body := restDo(t, "GET", base+"/v1/publishers/-/publisherSettings?pageSize=5&showDeleted=true", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var rest singletonv1.ListPublisherSettingsResponse
		require.NoError(t, protojson.Unmarshal(body, &rest), "%s", body)
		assertList([]proto.Message{def("a"), written, def("c")}, []proto.Message{rest.PublisherSettings[0], rest.PublisherSettings[1], rest.PublisherSettings[2]}, "REST")
		assert.Len(t, rest.PublisherSettings, 3)
		resp, body = restDo(t, "GET", base+"/v1/publishers/nobody/publisherSettings", "")
		assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", body)

		// Two levels down: a shelf's config, under one publisher or all.
		for _, sh := range []struct{ pub, id string }{{"b", "s2"}, {"b", "s1"}, {"c", "s1"}} {
			_, err := c.CreateShelf(ctx, &singletonv1.CreateShelfRequest{Parent: "publishers/" + sh.pub, ShelfId: sh.id, Shelf: &singletonv1.Shelf{}})
			require.NoError(t, err)
		}
		cfg, err := c.UpdateShelfConfig(ctx, &singletonv1.UpdateShelfConfigRequest{ShelfConfig: &singletonv1.ShelfConfig{Name: "publishers/b/shelves/s2/config", Capacity: 7}})
		require.NoError(t, err)
		configs := func(parent string) []string {
			res, err := c.ListShelfConfigs(ctx, &singletonv1.ListShelfConfigsRequest{Parent: parent, PageSize: 10})
			require.NoError(t, err, parent)
			var names []string
			for _, s := range res.ShelfConfigs {
				names = append(names, s.Name)
				if s.Name == cfg.Name {
					assert.True(t, proto.Equal(cfg, s), "want %v, got %v", cfg, s)
				}
			}
			return names
		}
		assert.Equal(t, []string{"publishers/b/shelves/s1/config", "publishers/b/shelves/s2/config", "publishers/c/shelves/s1/config"}, configs("publishers/-/shelves/-"))
		assert.Equal(t, []string{"publishers/b/shelves/s1/config", "publishers/b/shelves/s2/config"}, configs("publishers/b/shelves/-"))
		assert.Equal(t, []string{"publishers/b/shelves/s1/config", "publishers/c/shelves/s1/config"}, configs("publishers/-/shelves/s1"))
		_, err = c.ListShelfConfigs(ctx, &singletonv1.ListShelfConfigsRequest{Parent: "publishers/-/shelves/-", Filter: "capacity > 1"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), "filter")
		_, err = c.ListShelfConfigs(ctx, &singletonv1.ListShelfConfigsRequest{Parent: "publishers/-/shelves/-", OrderBy: "capacity"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), "order_by")

		// A page of 1000 singletons with two-column keys, on every
		// database (the written rows are read with one row-value IN).
		var b strings.Builder
		b.WriteString("INSERT INTO shelves (publisher, shelf) VALUES ")
		for i := range 1000 {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "('c', 'm%04d')", i)
		}
		require.NoError(t, db.Exec(b.String()).Error)
		big, err := c.ListShelfConfigs(ctx, &singletonv1.ListShelfConfigsRequest{Parent: "publishers/-/shelves/-", PageSize: 1000})
		require.NoError(t, err)
		require.Len(t, big.ShelfConfigs, 1000)
		assert.NotEmpty(t, big.NextPageToken, "1003 configs in all")
		for _, s := range big.ShelfConfigs {
			if s.Name == cfg.Name {
				assert.True(t, proto.Equal(cfg, s), "want %v, got %v", cfg, s)
			}
		}
		// A token is read before anything else: a bad one is refused
		// even where no parent can match.
		_, err = c.ListShelfConfigs(ctx, &singletonv1.ListShelfConfigsRequest{Parent: "publishers/-/shelves/" + strings.Repeat("x", 256), PageToken: "garbage"})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)

		// Its parents are not stored here: left to the user.
		_, err = c.ListProjectSettings(ctx, &singletonv1.ListProjectSettingsRequest{Parent: "projects/-"})
		assert.Equal(t, codes.Unimplemented, status.Code(err), "%v", err)
	})
}
