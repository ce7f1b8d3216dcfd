package e2e_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestOneofUpdate switches the member of a oneof (a scalar and a message)
// with Update, by mask, without a mask, and with BatchUpdate, on every
// database: the other member is cleared in what is stored, so that the
// row reads back as the message it was written from, and List, Get and
// REST keep serving the collection.
func TestOneofUpdate(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, c, "acme", "fiction")
		b, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "dune", Book: &nestedv1.Book{Title: "Dune", Edition: &nestedv1.Book_PrintRun{PrintRun: 5000}}})
		require.NoError(t, err)
		get := func() *nestedv1.Book {
			t.Helper()
			got, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name})
			require.NoError(t, err)
			return got
		}
		mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

		up, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Format: "pdf"}}}, UpdateMask: mask("ebook")})
		require.NoError(t, err)
		assert.Equal(t, "pdf", up.GetEbook().GetFormat())
		got := get()
		assert.Equal(t, "pdf", got.GetEbook().GetFormat(), "the new member")
		assert.Zero(t, got.GetPrintRun(), "the other member is cleared")

		// Without a mask: the populated fields, the scalar member.
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, Title: "Dune", Edition: &nestedv1.Book_PrintRun{PrintRun: 7}}})
		require.NoError(t, err)
		got = get()
		assert.Equal(t, int64(7), got.GetPrintRun())
		assert.Nil(t, got.GetEbook())

		// A mask naming the member that is not set leaves the other one:
		// only the fields the mask names change.
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name}, UpdateMask: mask("ebook")})
		require.NoError(t, err)
		assert.Equal(t, int64(7), get().GetPrintRun())

		// BatchUpdate, and the collection still reads.
		_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Parent: shelf, UpdateMask: mask("print_run"), Requests: []*nestedv1.UpdateBookRequest{
			{Book: &nestedv1.Book{Name: b.Name, Edition: &nestedv1.Book_PrintRun{PrintRun: 9}}},
		}})
		require.NoError(t, err)
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Format: "epub"}}}, UpdateMask: mask("ebook")})
		require.NoError(t, err)
		list, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: shelf})
		require.NoError(t, err, "status %v", status.Code(err))
		require.Len(t, list.Books, 1)
		assert.Equal(t, "epub", list.Books[0].GetEbook().GetFormat())
		assert.Zero(t, list.Books[0].GetPrintRun())
		r, body := restDo(t, "GET", base+"/v1/"+shelf+"/books", "")
		assert.Equal(t, http.StatusOK, r.StatusCode, "%s", body)
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: shelf + "/books/none"})
		assert.Equal(t, codes.NotFound, status.Code(err))
	})
}

// TestNestedFieldBehavior: REQUIRED and OUTPUT_ONLY hold in the messages
// a resource holds (AIP-203), on every database: a present ebook needs its
// format, on Create, Update and BatchCreate, naming the path; the
// downloads a client sends are ignored on Create and Update, and an
// update of the ebook keeps the stored value.
func TestNestedFieldBehavior(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, c, "acme", "fiction")

		_, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "x", Book: &nestedv1.Book{Title: "X", Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{}}}})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"book.ebook.format"}, grpcViolationFields(t, err))
		_, err = c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Parent: shelf, Requests: []*nestedv1.CreateBookRequest{
			{BookId: "y", Book: &nestedv1.Book{Title: "Y"}},
			{BookId: "z", Book: &nestedv1.Book{Title: "Z", Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Downloads: 3}}}},
		}})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"requests[1].book.ebook.format"}, grpcViolationFields(t, err))

		b, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "dune", Book: &nestedv1.Book{Title: "Dune", Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Format: "pdf", Downloads: 99}}}})
		require.NoError(t, err)
		assert.Zero(t, b.GetEbook().GetDownloads(), "output only: the client's value is ignored")
		got, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name})
		require.NoError(t, err)
		assert.Zero(t, got.GetEbook().GetDownloads())

		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{}}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"ebook"}}})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"book.ebook.format"}, grpcViolationFields(t, err))
		// The server's count, as the server's own code would store it.
		require.NoError(t, db.Exec(`UPDATE books SET ebook = ? WHERE book = ?`, `{"format":"pdf","downloads":"5"}`, "dune").Error)
		for _, paths := range [][]string{{"ebook"}, {"ebook.downloads"}, {"ebook.format", "ebook.downloads"}, {"title"}} {
			up, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, Title: "Dune", Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Format: "epub", Downloads: 7}}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
			require.NoError(t, err, "%v", paths)
			assert.Equal(t, int64(5), up.GetEbook().GetDownloads(), "mask %v: the stored value is kept", paths)
			got, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name})
			require.NoError(t, err)
			assert.Equal(t, int64(5), got.GetEbook().GetDownloads(), "mask %v", paths)
		}

		// A key of a map inside the ebook (AIP-161): that entry alone is
		// set, or removed.
		links := func(paths ...string) map[string]string {
			t.Helper()
			up, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Format: "epub", Links: map[string]string{"pdf": "p2", "web": "w2", "a.b": "x"}}}}, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
			require.NoError(t, err, "%v", paths)
			return up.GetEbook().GetLinks()
		}
		assert.Equal(t, map[string]string{"pdf": "p2", "web": "w2", "a.b": "x"}, links("ebook.links"))
		require.NoError(t, db.Exec(`UPDATE books SET ebook = ? WHERE book = ?`, `{"format":"pdf","links":{"pdf":"p1","web":"w1","old":"o"}}`, "dune").Error)
		assert.Equal(t, map[string]string{"pdf": "p2", "web": "w1", "old": "o"}, links("ebook.links.pdf"))
		assert.Equal(t, map[string]string{"pdf": "p2", "web": "w1", "a.b": "x"}, links("ebook.links.old", "ebook.links.`a.b`"), "old removed: the request has no such key")
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"ebook.links.a.b"}}})
		require.Equal(t, codes.InvalidArgument, status.Code(err))
		assert.Contains(t, status.Convert(err).Message(), "backticks")
	})
}
