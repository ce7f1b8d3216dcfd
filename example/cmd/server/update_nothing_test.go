package main_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// TestUpdateNamingNothing sends updates whose mask names only fields the
// server manages (AIP-134: output-only fields in a mask are ignored), over
// gRPC, Connect and REST, and as a BatchUpdate, on the three databases:
// the book comes back as stored, its etag and update time unchanged, and
// a later Get agrees; a stale etag is still Aborted and a missing book
// NotFound.
func TestUpdateNamingNothing(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, s *server) {
		c, a := grpcLibrary(t, s)
		created, err := c.CreateBook(context.Background(), &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Dune", AuthorId: a.Id, Isbn: 1}})
		require.NoError(t, err)
		unchanged := func(how string, got *libraryv1.Book) {
			t.Helper()
			assert.True(t, proto.Equal(created, got), "%s returned %v; want %v", how, got, created)
			stored, err := c.GetBook(context.Background(), &libraryv1.GetBookRequest{Id: created.Id})
			require.NoError(t, err)
			assert.True(t, proto.Equal(created, stored), "%s: stored %v; want %v", how, stored, created)
		}
		managed := &fieldmaskpb.FieldMask{Paths: []string{"create_time", "update_time", "etag"}}
		changes := &libraryv1.Book{Id: created.Id, Title: "Changed", Etag: created.Etag, UpdateTime: created.CreateTime}

		got, err := c.UpdateBook(context.Background(), &libraryv1.UpdateBookRequest{Book: changes, UpdateMask: managed})
		require.NoError(t, err)
		unchanged("gRPC", got)

		code, body := do(t, "POST", s.url("/library.v1.BookService/UpdateBook"), "application/json",
			`{"book":{"id":"`+strconv.FormatInt(created.Id, 10)+`","title":"Changed","etag":"`+created.Etag+`"},"updateMask":"etag,updateTime"}`)
		require.Equal(t, 200, code, body)
		assert.Contains(t, body, `"etag":"`+created.Etag+`"`, "Connect")
		assert.Contains(t, body, `"title":"Dune"`, "Connect")

		code, body = do(t, "PATCH", s.url("/v1/books/"+strconv.FormatInt(created.Id, 10)+"?update_mask=etag"), "application/json", `{"title":"Changed"}`)
		require.Equal(t, 200, code, body)
		assert.Contains(t, body, `"etag":"`+created.Etag+`"`, "REST")

		batch, err := c.BatchUpdateBooks(context.Background(), &libraryv1.BatchUpdateBooksRequest{
			Requests: []*libraryv1.UpdateBookRequest{{Book: changes, UpdateMask: managed}}})
		require.NoError(t, err)
		require.Len(t, batch.Books, 1)
		unchanged("BatchUpdate", batch.Books[0])

		// The request's checks still hold.
		stale := &libraryv1.Book{Id: created.Id, Etag: "not-" + created.Etag}
		_, err = c.UpdateBook(context.Background(), &libraryv1.UpdateBookRequest{Book: stale, UpdateMask: managed})
		assert.Equal(t, codes.Aborted, status.Code(err), "stale etag: %v", err)
		_, err = c.UpdateBook(context.Background(), &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: created.Id + 100}, UpdateMask: managed})
		assert.Equal(t, codes.NotFound, status.Code(err), "missing book: %v", err)

		// A mask that names a field the client sets still writes.
		got, err = c.UpdateBook(context.Background(), &libraryv1.UpdateBookRequest{Book: changes, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title", "etag"}}})
		require.NoError(t, err)
		assert.Equal(t, "Changed", got.Title)
		assert.NotEqual(t, created.Etag, got.Etag)
	})
}
