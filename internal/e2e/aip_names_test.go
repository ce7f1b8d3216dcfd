package e2e_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	aipnamesv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_names/want/aipnamesv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestResourceNames serves a resource identified by its name (AIP-122,
// no protoforge option) over gRPC and REST on every database: the server
// assigns names from shelf_id or an id of its own, ignores the name a
// client sends on Create, refuses ids and names of the wrong form, and
// filters, reads, updates and deletes by name.
func TestResourceNames(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveShelves(t, db)
		ctx := context.Background()

		// REST: POST /v1/shelves?shelf_id=…, the name in the body is not used.
		resp, err := http.Post(base+"/v1/shelves?shelf_id=sci-fi", "application/json", strings.NewReader(`{"name":"shelves/evil","theme":"Science fiction"}`))
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var created aipnamesv1.Shelf
		require.NoError(t, protojson.Unmarshal(body, &created))
		assert.Equal(t, "shelves/sci-fi", created.Name, "the server names the resource from shelf_id")

		generated, err := c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: "shelves/evil", Theme: "Poetry"}})
		require.NoError(t, err)
		assert.Regexp(t, regexp.MustCompile(`^shelves/[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$`), generated.Name, "a server-chosen id")

		_, err = c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "sci-fi", Shelf: &aipnamesv1.Shelf{Theme: "again"}})
		assert.Equal(t, codes.AlreadyExists, status.Code(err), "%v", err)
		for _, bad := range []string{"Sci_Fi", "-x", "x-", "1abc", strings.Repeat("a", 64)} {
			_, err = c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: bad, Shelf: &aipnamesv1.Shelf{Theme: "t"}})
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "id %q: %v", bad, err)
			assert.Contains(t, status.Convert(err).Message(), "shelf_id", "id %q", bad)
		}

		got, err := c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: "shelves/sci-fi"})
		require.NoError(t, err)
		assert.Equal(t, "Science fiction", got.Theme)
		for _, bad := range []string{"books/sci-fi", "shelves/", "shelves/a/b", "sci-fi"} {
			_, err = c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: bad})
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "name %q: %v", bad, err)
		}
		_, err = c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: "shelves/nothing"})
		assert.Equal(t, codes.NotFound, status.Code(err))

		list, err := c.ListShelves(ctx, &aipnamesv1.ListShelvesRequest{Filter: `name = "shelves/sci-fi"`})
		require.NoError(t, err)
		require.Len(t, list.Shelves, 1)
		assert.Equal(t, "shelves/sci-fi", list.Shelves[0].Name)
		list, err = c.ListShelves(ctx, &aipnamesv1.ListShelvesRequest{Filter: `name = "shelves/sci*"`})
		require.NoError(t, err)
		assert.Len(t, list.Shelves, 1, "a wildcard after the collection")
		_, err = c.ListShelves(ctx, &aipnamesv1.ListShelvesRequest{Filter: `name = "sci-fi"`})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "a filter on name takes names: %v", err)
		list, err = c.ListShelves(ctx, &aipnamesv1.ListShelvesRequest{OrderBy: "name desc", PageSize: 1})
		require.NoError(t, err)
		require.Len(t, list.Shelves, 1)
		assert.Equal(t, "shelves/sci-fi", list.Shelves[0].Name, "ordered by name")
		list, err = c.ListShelves(ctx, &aipnamesv1.ListShelvesRequest{OrderBy: "name desc", PageSize: 1, PageToken: list.NextPageToken})
		require.NoError(t, err)
		require.Len(t, list.Shelves, 1)
		assert.Equal(t, generated.Name, list.Shelves[0].Name, "the next page")

		u, err := c.UpdateShelf(ctx, &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: "shelves/sci-fi", Theme: "SF"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"theme"}}})
		require.NoError(t, err)
		assert.Equal(t, "SF", u.Theme)
		assert.Equal(t, "shelves/sci-fi", u.Name)
		req, err := http.NewRequest(http.MethodPatch, base+"/v1/shelves/sci-fi?update_mask=theme", strings.NewReader(`{"theme":"Sci-fi"}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		resp, err = http.DefaultClient.Do(req)
		require.NoError(t, err)
		body, _ = io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"name":"shelves/sci-fi"`)

		batch, err := c.BatchGetShelves(ctx, &aipnamesv1.BatchGetShelvesRequest{Names: []string{generated.Name, "shelves/sci-fi"}})
		require.NoError(t, err)
		require.Len(t, batch.Shelves, 2)
		assert.Equal(t, generated.Name, batch.Shelves[0].Name)
		_, err = c.BatchGetShelves(ctx, &aipnamesv1.BatchGetShelvesRequest{Names: []string{"books/1"}})
		assert.Equal(t, codes.InvalidArgument, status.Code(err))

		// BatchCreate: each request's shelf_id names its shelf; one bad id
		// refuses the whole batch, naming its index.
		bc, err := c.BatchCreateShelves(ctx, &aipnamesv1.BatchCreateShelvesRequest{Requests: []*aipnamesv1.CreateShelfRequest{
			{ShelfId: "poetry", Shelf: &aipnamesv1.Shelf{Theme: "p"}}, {Shelf: &aipnamesv1.Shelf{Name: "shelves/evil", Theme: "q"}}}})
		require.NoError(t, err)
		require.Len(t, bc.Shelves, 2)
		assert.Equal(t, "shelves/poetry", bc.Shelves[0].Name)
		assert.NotEqual(t, "shelves/evil", bc.Shelves[1].Name, "the server names it")
		_, err = c.BatchCreateShelves(ctx, &aipnamesv1.BatchCreateShelvesRequest{Requests: []*aipnamesv1.CreateShelfRequest{
			{ShelfId: "drama", Shelf: &aipnamesv1.Shelf{Theme: "d"}}, {ShelfId: "Bad_Id", Shelf: &aipnamesv1.Shelf{Theme: "b"}}}})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Contains(t, status.Convert(err).Message(), "requests[1].shelf_id")
		_, err = c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: "shelves/drama"})
		assert.Equal(t, codes.NotFound, status.Code(err), "all or none")

		req, err = http.NewRequest(http.MethodDelete, base+"/v1/shelves/sci-fi", nil)
		require.NoError(t, err)
		resp, err = http.DefaultClient.Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		_, err = c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: "shelves/sci-fi"})
		assert.Equal(t, codes.NotFound, status.Code(err), fmt.Sprint(err))
	})
}

// TestResourceUID: an output-only `uid` (AIP-148) is a UUID4 the server
// assigns on every Create, whatever the client sends, and never changes:
// an update that names it, alone or through "*", leaves it as it was.
func TestResourceUID(t *testing.T) {
	uuid4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveShelves(t, db)
		ctx := context.Background()

		a, err := c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "a", Shelf: &aipnamesv1.Shelf{Theme: "a", Uid: "client-chosen"}})
		require.NoError(t, err)
		resp, err := http.Post(base+"/v1/shelves?shelf_id=b", "application/json", strings.NewReader(`{"theme":"b","uid":"00000000-0000-4000-8000-000000000000"}`))
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var b aipnamesv1.Shelf
		require.NoError(t, protojson.Unmarshal(body, &b))
		bc, err := c.BatchCreateShelves(ctx, &aipnamesv1.BatchCreateShelvesRequest{Requests: []*aipnamesv1.CreateShelfRequest{
			{ShelfId: "c", Shelf: &aipnamesv1.Shelf{Theme: "c", Uid: "x"}}, {ShelfId: "d", Shelf: &aipnamesv1.Shelf{Theme: "d", Uid: "x"}}}})
		require.NoError(t, err)
		seen := map[string]bool{}
		for _, s := range append([]*aipnamesv1.Shelf{a, &b}, bc.Shelves...) {
			assert.Regexp(t, uuid4, s.Uid, "%s: a UUID4 of the server's", s.Name)
			assert.False(t, seen[s.Uid], "%s: uid %s given twice", s.Name, s.Uid)
			seen[s.Uid] = true
			got, err := c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: s.Name})
			require.NoError(t, err)
			assert.Equal(t, s.Uid, got.Uid, "%s: stored as answered", s.Name)
		}
		list, err := c.ListShelves(ctx, &aipnamesv1.ListShelvesRequest{Filter: fmt.Sprintf("uid = %q", b.Uid)})
		require.NoError(t, err)
		require.Len(t, list.Shelves, 1)
		assert.Equal(t, "shelves/b", list.Shelves[0].Name)

		for _, mask := range [][]string{{"uid"}, {"uid", "theme"}, {"*"}} {
			u, err := c.UpdateShelf(ctx, &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: a.Name, Theme: "new", Uid: "changed"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: mask}})
			require.NoError(t, err, "mask %v: an output-only field in a request is ignored, not refused", mask)
			assert.Equal(t, a.Uid, u.Uid, "mask %v", mask)
			got, err := c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: a.Name})
			require.NoError(t, err)
			assert.Equal(t, a.Uid, got.Uid, "mask %v", mask)
		}
	})
}

// serveShelves serves aip_names' ShelfService on db over gRPC and REST,
// and returns the REST base URL and a gRPC client.
func serveShelves(t *testing.T, db *gorm.DB) (string, aipnamesv1.ShelfServiceClient) {
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_names/want/aipnamesv1/schema", db.Dialector.Name()+".sql"))
	base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
		aipnamesv1.RegisterShelfServiceServer(gs, aipnamesv1.NewShelfServiceCRUD(db))
	}, aipnamesv1.ShelfServiceRESTRules())
	return base, aipnamesv1.NewShelfServiceClient(conn)
}
