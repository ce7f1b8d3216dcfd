package e2e_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/public/want/library"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestStoreChoosesIDs: the ids the server's own code chooses through a
// typed store need only be one segment of a name, as a service names
// what it writes itself (Artifact Registry's `packages/%40scope%2Fwidget`
// and `versions/1.0.0`), and the standard methods read them; AIP-122's
// syntax stays that of the ids a client chooses.
func TestStoreChoosesIDs(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, publicSchema(db, "library"))
		ctx := context.Background()
		impl := libraryv1.NewLibraryServiceCRUD(db)
		shelves, books := impl.ShelfStore(), impl.BookStore()
		var encoded *libraryv1.Shelf
		for _, id := range []string{"%40scope%2Fwidget", "1.0.0", "Guava_Core", "com.google.guava:guava", "ünï"} {
			s, err := shelves.CreateWithID(ctx, id, &libraryv1.Shelf{Theme: id})
			require.NoError(t, err, id)
			assert.Equal(t, "shelves/"+id, s.Name)
			got, err := impl.GetShelf(ctx, &libraryv1.GetShelfRequest{Name: s.Name})
			require.NoError(t, err, id)
			assert.True(t, proto.Equal(s, got), "Get: %v, created: %v", got, s)
			if encoded == nil {
				encoded = s
			}
		}
		// So is the id of a name an upsert gives (AIP-134's allow_missing).
		up, err := shelves.Update(crudrt.AllowMissing(ctx, true), &libraryv1.Shelf{Name: "shelves/2.0.0", Theme: "t"}, nil)
		require.NoError(t, err)
		assert.Equal(t, "shelves/2.0.0", up.Name)
		b, err := books.CreateIn(ctx, encoded.Name, "v1.0", &libraryv1.Book{Title: "t"})
		require.NoError(t, err)
		assert.Equal(t, encoded.Name+"/books/v1.0", b.Name)
		list, err := impl.ListBooks(ctx, &libraryv1.ListBooksRequest{Parent: encoded.Name})
		require.NoError(t, err)
		require.Len(t, list.Books, 1)
		assert.Equal(t, b.Name, list.Books[0].Name)
		_, err = impl.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Name: b.Name})
		require.NoError(t, err)

		// What no segment of a name can hold is refused all the same.
		for _, id := range []string{"-", "a/b", "a\x00b", "\xff"} {
			_, err := shelves.CreateWithID(ctx, id, &libraryv1.Shelf{})
			assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%q: %v", id, err)
		}
		// A client's id keeps AIP-122's syntax.
		for _, svc := range impl.CRUDServices() {
			if svc.Resource().Name == "google.example.library.v1.Shelf" {
				_, err := svc.CreateWithID(ctx, "%40scope", &libraryv1.Shelf{})
				assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
			}
		}
	})
}
