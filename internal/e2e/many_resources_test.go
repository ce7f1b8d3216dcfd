package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"google.golang.org/protobuf/encoding/protojson"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	manyv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/many_resources/want/manyv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestManyResourcesPerService serves one service of two resources (the
// golden case many_resources) over real sockets, with grpc-go and REST
// through vanguard, on every database: each resource has its standard
// methods and its routes, and the custom method answers Unimplemented.
func TestManyResourcesPerService(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/many_resources/want/manyv1/schema", db.Dialector.Name()+".sql"))
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
			manyv1.RegisterLibraryServiceServer(gs, manyv1.NewLibraryServiceCRUD(db))
		}, manyv1.LibraryServiceRESTRules())

		rest := func(method, path, body string, want int) map[string]any {
			t.Helper()
			req, err := http.NewRequest(method, base+path, strings.NewReader(body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			require.Equal(t, want, resp.StatusCode, "%s %s: %s", method, path, b)
			out := map[string]any{}
			if len(b) > 0 {
				require.NoError(t, json.Unmarshal(b, &out), "%s", b)
			}
			return out
		}

		shelf := rest("POST", "/v1/shelves", `{"theme":"Science fiction"}`, 200)
		other := rest("POST", "/v1/shelves", `{"theme":"Poetry"}`, 200)
		book := rest("POST", "/v1/books", fmt.Sprintf(`{"shelfId":%q,"title":"Dune"}`, shelf["id"]), 200)
		assert.Equal(t, "Science fiction", rest("GET", fmt.Sprintf("/v1/shelves/%s", shelf["id"]), "", 200)["theme"])
		assert.Equal(t, "Dune", rest("GET", fmt.Sprintf("/v1/books/%s", book["id"]), "", 200)["title"])
		assert.Len(t, rest("GET", "/v1/shelves", "", 200)["shelves"], 2)
		assert.Len(t, rest("GET", "/v1/books", "", 200)["books"], 1)
		// theme has a MySQL collation of its own (utf8mb4_unicode_ci): a
		// prefix matches in it there, not by code point; elsewhere the
		// schema's byte order holds.
		want := 0
		if db.Dialector.Name() == "mysql" {
			want = 1
		}
		assert.Len(t, rest("GET", "/v1/shelves?filter="+url.QueryEscape(`theme = "sci*"`), "", 200)["shelves"], want, "a prefix in the column's collation")
		assert.Len(t, rest("GET", "/v1/shelves?filter="+url.QueryEscape(`theme = "pó*"`), "", 200)["shelves"], want, "accents alike in the column's collation, not a range of code points")
		assert.Len(t, rest("GET", "/v1/shelves?filter="+url.QueryEscape(`theme = "Sci*"`), "", 200)["shelves"], 1)
		assert.Empty(t, rest("GET", "/v1/books?skip=1", "", 200)["books"], "AIP-158 skip")
		rest("GET", "/v1/books?skip=-1", "", 400)
		u := rest("PATCH", fmt.Sprintf("/v1/books/%s?update_mask=title", book["id"]), `{"title":"Dune Messiah","shelfId":"999"}`, 200)
		assert.Equal(t, "Dune Messiah", u["title"])
		assert.Equal(t, shelf["id"], u["shelfId"], "only the masked field changes")
		d := rest("DELETE", fmt.Sprintf("/v1/books/%s", book["id"]), "", 200)
		assert.NotEmpty(t, d["deleteTime"], "a soft delete returns the deleted book")
		rest("POST", fmt.Sprintf("/v1/books/%s:undelete", book["id"]), "{}", 200)

		// The custom method is left to the user: 501 over REST, and
		// Unimplemented over gRPC.
		st := rest("POST", fmt.Sprintf("/v1/books/%s:move", book["id"]), fmt.Sprintf(`{"shelfId":%q}`, other["id"]), 501)
		assert.EqualValues(t, codes.Unimplemented, st["code"])
		c := manyv1.NewLibraryServiceClient(conn)
		_, err := c.MoveBook(context.Background(), &manyv1.MoveBookRequest{Id: 1})
		assert.Equal(t, codes.Unimplemented, status.Code(err))
		got, err := c.GetShelf(context.Background(), &manyv1.GetShelfRequest{Name: fmt.Sprintf("shelves/%s", other["id"])})
		require.NoError(t, err)
		assert.Equal(t, "Poetry", got.GetTheme())

		// Deleting the shelf cascades to its books (the foreign key).
		rest("DELETE", fmt.Sprintf("/v1/shelves/%s", shelf["id"]), "", 200)
		rest("GET", fmt.Sprintf("/v1/books/%s", book["id"]), "", 404)
	})
}

// library implements the custom method of LibraryService with the stores
// the generated type exposes, as a user would.
type library struct{ *manyv1.LibraryServiceCRUD }

// MoveBook moves a book to another shelf, which must exist, in one
// transaction.
func (l library) MoveBook(ctx context.Context, req *manyv1.MoveBookRequest) (*manyv1.Book, error) {
	var moved *manyv1.Book
	err := l.BookStore().Transaction(ctx, func(tx *gorm.DB) error {
		if _, err := l.ShelfStore().On(tx).Get(ctx, req.GetShelfId()); err != nil {
			return err
		}
		book, err := l.BookStore().On(tx).Get(ctx, req.GetId())
		if err != nil {
			return err
		}
		book.ShelfId = req.GetShelfId()
		moved, err = l.BookStore().On(tx).Update(ctx, book, &fieldmaskpb.FieldMask{Paths: []string{"shelf_id"}})
		return err
	})
	return moved, err
}

// PeekBook reads a book and says in its title the read mask it was
// given, as a custom method that reads its own request would.
func (l library) PeekBook(ctx context.Context, req *manyv1.PeekBookRequest) (*manyv1.Book, error) {
	book, err := l.BookStore().Get(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	book.Title = "mask=" + strings.Join(req.GetReadMask().GetPaths(), "|")
	return book, nil
}

// TestCustomMethodReadMaskOverREST: the read mask of a custom method whose
// path is a standard method's and a verb (/v1/books/{id}:peek beside
// GetBook's /v1/books/{id}) reaches the method over REST as over gRPC;
// GetBook's own read mask is read as over gRPC too.
func TestCustomMethodReadMaskOverREST(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/many_resources/want/manyv1/schema", db.Dialector.Name()+".sql"))
		impl := library{manyv1.NewLibraryServiceCRUD(db)}
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) { manyv1.RegisterLibraryServiceServer(gs, impl) }, manyv1.LibraryServiceRESTRules())
		c := manyv1.NewLibraryServiceClient(conn)
		ctx := context.Background()
		shelf, err := c.CreateShelf(ctx, &manyv1.CreateShelfRequest{Shelf: &manyv1.Shelf{Theme: "a"}})
		require.NoError(t, err)
		book, err := c.CreateBook(ctx, &manyv1.CreateBookRequest{Book: &manyv1.Book{ShelfId: shelf.Id, Title: "Dune"}})
		require.NoError(t, err)

		viaGRPC, err := c.PeekBook(ctx, &manyv1.PeekBookRequest{Id: book.Id, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"title", "shelf_id"}}})
		require.NoError(t, err)
		assert.Equal(t, "mask=title|shelf_id", viaGRPC.Title)
		resp, body := restDo(t, "GET", fmt.Sprintf("%s/v1/books/%d:peek?read_mask=title,shelfId", base, book.Id), "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), `"title":"mask=title|shelf_id"`)

		resp, body = restDo(t, "GET", fmt.Sprintf("%s/v1/books/%d?read_mask=title", base, book.Id), "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var got manyv1.Book
		require.NoError(t, protojson.Unmarshal(body, &got))
		assert.Equal(t, "Dune", got.Title)
		assert.Zero(t, got.ShelfId, "a field outside GetBook's mask")
	})
}

// TestCustomMethodWithStores serves a custom method written with the
// generated stores over real sockets (gRPC and REST): it sees the standard
// methods' checks, its transaction commits or rolls back as a whole.
func TestCustomMethodWithStores(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/many_resources/want/manyv1/schema", db.Dialector.Name()+".sql"))
		impl := library{manyv1.NewLibraryServiceCRUD(db)}
		base, conn := serveGRPCREST(t, func(gs *grpc.Server) { manyv1.RegisterLibraryServiceServer(gs, impl) }, manyv1.LibraryServiceRESTRules())
		c := manyv1.NewLibraryServiceClient(conn)
		ctx := context.Background()

		a, err := c.CreateShelf(ctx, &manyv1.CreateShelfRequest{Shelf: &manyv1.Shelf{Theme: "a"}})
		require.NoError(t, err)
		b, err := c.CreateShelf(ctx, &manyv1.CreateShelfRequest{Shelf: &manyv1.Shelf{Theme: "b"}})
		require.NoError(t, err)
		book, err := c.CreateBook(ctx, &manyv1.CreateBookRequest{Book: &manyv1.Book{ShelfId: a.Id, Title: "Dune"}})
		require.NoError(t, err)

		moved, err := c.MoveBook(ctx, &manyv1.MoveBookRequest{Id: book.Id, ShelfId: b.Id})
		require.NoError(t, err)
		assert.Equal(t, b.Id, moved.ShelfId)
		assert.Equal(t, "2", moved.Etag, "the store's Update moves the etag on")

		_, err = c.MoveBook(ctx, &manyv1.MoveBookRequest{Id: book.Id, ShelfId: 999})
		assert.Equal(t, codes.NotFound, status.Code(err), "a missing shelf: %v", err)
		resp, err := http.Post(fmt.Sprintf("%s/v1/books/%d:move", base, book.Id), "application/json", strings.NewReader(fmt.Sprintf(`{"shelfId":"%d"}`, a.Id)))
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, "REST")
		// The additional binding: the shelf in the path.
		resp, err = http.Post(fmt.Sprintf("%s/v1/shelves/%d/books/%d:move", base, b.Id, book.Id), "application/json", strings.NewReader(`{}`))
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, "REST, additional binding")
		again, err := c.GetBook(ctx, &manyv1.GetBookRequest{Id: book.Id})
		require.NoError(t, err)
		assert.Equal(t, b.Id, again.ShelfId, "moved by the additional binding")
		resp, err = http.Post(fmt.Sprintf("%s/v1/books/%d:move", base, book.Id), "application/json", strings.NewReader(fmt.Sprintf(`{"shelfId":"%d"}`, a.Id)))
		require.NoError(t, err)
		_ = resp.Body.Close()

		// A transaction that fails after a write leaves nothing behind.
		stores := library{manyv1.NewLibraryServiceCRUD(db)}
		err = stores.BookStore().Transaction(ctx, func(tx *gorm.DB) error {
			got, err := stores.BookStore().On(tx).Get(ctx, book.Id)
			if err != nil {
				return err
			}
			got.Title = "changed"
			if _, err := stores.BookStore().On(tx).Update(ctx, got, &fieldmaskpb.FieldMask{Paths: []string{"title"}}); err != nil {
				return err
			}
			_, err = stores.ShelfStore().On(tx).Create(ctx, &manyv1.Shelf{Theme: strings.Repeat("x", 81)})
			return err
		})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "the theme is over its size: %v", err)
		after, err := c.GetBook(ctx, &manyv1.GetBookRequest{Id: book.Id})
		require.NoError(t, err)
		assert.Equal(t, "Dune", after.Title, "rolled back")
		assert.Equal(t, a.Id, after.ShelfId)
	})
}
