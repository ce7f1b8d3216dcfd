package e2e_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	aipnamesv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_names/want/aipnamesv1"
	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestInputOnly serves AIP-203's INPUT_ONLY on every database, over gRPC
// and REST: the field is stored as the client writes it (Create, Update
// through a mask) and no response holds it, a request id's recorded
// response included; filters and orders cannot read it back.
func TestInputOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveShelves(t, db)
		ctx := context.Background()
		stored := func(shelf string) string {
			var v string
			require.NoError(t, db.Raw("SELECT secret FROM shelves WHERE shelf = ?", shelf).Scan(&v).Error)
			return v
		}
		created, err := c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "s", Shelf: &aipnamesv1.Shelf{Theme: "t", Secret: "hunter2"}, RequestId: "io-1"})
		require.NoError(t, err)
		assert.Empty(t, created.Secret, "Create's response")
		assert.Equal(t, "hunter2", stored("s"))
		again, err := c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "s", Shelf: &aipnamesv1.Shelf{Theme: "t", Secret: "hunter2"}, RequestId: "io-1"})
		require.NoError(t, err)
		assert.Empty(t, again.Secret, "a repeat's recorded response")
		got, err := c.GetShelf(ctx, &aipnamesv1.GetShelfRequest{Name: "shelves/s"})
		require.NoError(t, err)
		assert.Empty(t, got.Secret, "Get")
		up, err := c.UpdateShelf(ctx, &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: "shelves/s", Secret: "swordfish"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"secret"}}})
		require.NoError(t, err)
		assert.Empty(t, up.Secret, "Update")
		assert.Equal(t, "swordfish", stored("s"))
		up, err = c.UpdateShelf(ctx, &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: "shelves/s", Theme: "u"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"theme"}}})
		require.NoError(t, err)
		assert.Equal(t, "swordfish", stored("s"), "an update of other fields keeps it")
		list, err := c.ListShelves(ctx, &aipnamesv1.ListShelvesRequest{})
		require.NoError(t, err)
		require.Len(t, list.Shelves, 1)
		assert.Empty(t, list.Shelves[0].Secret, "List")
		batch, err := c.BatchGetShelves(ctx, &aipnamesv1.BatchGetShelvesRequest{Names: []string{"shelves/s"}})
		require.NoError(t, err)
		assert.Empty(t, batch.Shelves[0].Secret, "BatchGet")
		for _, q := range []*aipnamesv1.ListShelvesRequest{{Filter: `secret = "swordfish"`}, {OrderBy: "secret"}} {
			_, err = c.ListShelves(ctx, q)
			assert.Equal(t, codes.InvalidArgument, status.Code(err), "%v: %v", q, err)
			assert.Contains(t, status.Convert(err).Message(), `field "secret" is INPUT_ONLY`, "%v", q)
		}
		// A read mask cannot ask for it.
		svc := aipnamesv1.NewShelfServiceCRUD(db).CRUDServices()[0]
		_, err = svc.ReadMask(&fieldmaskpb.FieldMask{Paths: []string{"theme", "secret"}})
		require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
		assert.Contains(t, err.Error(), "INPUT_ONLY")
		resp, err := http.Get(base + "/v1/shelves/s")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode, "%s", body)
		assert.False(t, strings.Contains(string(body), "swordfish"), "%s", body)
	})
}

// TestInputOnlyNested: an INPUT_ONLY field of a message the resource
// holds is stored (in its JSON column) and left out of every response,
// and read masks cannot name it, on every database.
func TestInputOnlyNested(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, c, "acme", "s1")
		b, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "e", Book: &nestedv1.Book{Title: "E", Isbn: "1", Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Format: "epub", DrmKey: "k-123"}}}})
		require.NoError(t, err)
		require.NotNil(t, b.GetEbook())
		assert.Equal(t, "epub", b.GetEbook().GetFormat())
		assert.Empty(t, b.GetEbook().GetDrmKey(), "Create")
		var stored string
		require.NoError(t, db.Raw("SELECT ebook FROM books WHERE book = ?", "e").Scan(&stored).Error)
		assert.Contains(t, stored, "k-123", "stored as sent")
		got, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name})
		require.NoError(t, err)
		assert.Empty(t, got.GetEbook().GetDrmKey(), "Get")
		assert.Equal(t, "epub", got.GetEbook().GetFormat())
		got, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"ebook"}}})
		require.NoError(t, err)
		assert.Empty(t, got.GetEbook().GetDrmKey(), "Get with a read mask")
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"ebook.drm_key"}}})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		list, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: shelf})
		require.NoError(t, err)
		require.Len(t, list.Books, 1)
		assert.Empty(t, list.Books[0].GetEbook().GetDrmKey(), "List")
		up, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, Title: "F"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
		require.NoError(t, err)
		assert.Empty(t, up.GetEbook().GetDrmKey(), "Update")
		require.NoError(t, db.Raw("SELECT ebook FROM books WHERE book = ?", "e").Scan(&stored).Error)
		assert.Contains(t, stored, "k-123", "an update of other fields keeps it")
	})
}

// TestInputOnlyImmutable: an INPUT_ONLY field that is also IMMUTABLE
// (AIP-203) is set on Create and never changes; an update that names it is
// InvalidArgument naming it whether the value sent is the stored one or
// not, since the answer would otherwise tell a guess of it. A full
// replacement ("*") keeps it. On every database.
func TestInputOnlyImmutable(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveShelves(t, db)
		ctx := context.Background()
		stored := func() string {
			var v string
			require.NoError(t, db.Raw("SELECT pin FROM shelves WHERE shelf = ?", "p").Scan(&v).Error)
			return v
		}
		created, err := c.CreateShelf(ctx, &aipnamesv1.CreateShelfRequest{ShelfId: "p", Shelf: &aipnamesv1.Shelf{Theme: "t", Pin: "1234"}})
		require.NoError(t, err)
		assert.Empty(t, created.Pin, "Create's response")
		assert.Equal(t, "1234", stored())
		for _, guess := range []string{"1234", "0000", ""} {
			_, err := c.UpdateShelf(ctx, &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: "shelves/p", Pin: guess}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"pin"}}})
			require.Equal(t, codes.InvalidArgument, status.Code(err), "guess %q: %v", guess, err)
			assert.Equal(t, []string{"shelf.pin"}, grpcViolationFields(t, err), "guess %q", guess)
		}
		up, err := c.UpdateShelf(ctx, &aipnamesv1.UpdateShelfRequest{Shelf: &aipnamesv1.Shelf{Name: "shelves/p", Theme: "u"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}})
		require.NoError(t, err)
		assert.Equal(t, "u", up.Theme)
		assert.Equal(t, "1234", stored(), "a full replacement keeps it")
	})
}
