package main_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// TestForeignKeyNamesField writes books whose author_id
// ((protoforge.v1.field).references) names no author, over gRPC, Connect
// and REST and in batches, on the three databases: each is
// FailedPrecondition (a foreign key's violation) naming the field, in the
// message and a google.rpc.PreconditionFailure (it named only the
// resource), and nothing is written; a field the mask leaves out is not
// blamed.
func TestForeignKeyNamesField(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, s *server) {
		ctx := context.Background()
		c, a := grpcLibrary(t, s)
		book, err := c.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Dune", AuthorId: a.Id, Isbn: 1}})
		require.NoError(t, err)
		missing := a.Id + 1000
		names := func(how string, err error, field string) {
			t.Helper()
			require.Equal(t, codes.FailedPrecondition, status.Code(err), "%s: %v", how, err)
			assert.Contains(t, status.Convert(err).Message(), field+": library.v1.Author "+strconv.FormatInt(missing, 10)+" does not exist", how)
			var fields []string
			for _, d := range status.Convert(err).Details() {
				if pf, ok := d.(*errdetails.PreconditionFailure); ok {
					for _, v := range pf.GetViolations() {
						fields = append(fields, v.GetSubject())
						assert.Equal(t, "REFERENCE", v.GetType(), how)
					}
				}
			}
			assert.Equal(t, []string{field}, fields, "%s: %v", how, err)
		}

		_, err = c.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Emma", AuthorId: missing, Isbn: 2}})
		names("Create", err, "book.author_id")
		_, err = c.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: book.Id, AuthorId: missing}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"author_id"}}})
		names("Update", err, "book.author_id")
		_, err = c.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: []*libraryv1.CreateBookRequest{
			{Book: &libraryv1.Book{Title: "Emma", AuthorId: a.Id, Isbn: 3}},
			{Book: &libraryv1.Book{Title: "Ivanhoe", AuthorId: missing, Isbn: 4}},
		}})
		names("BatchCreate", err, "requests[1].book.author_id")
		_, err = c.BatchUpdateBooks(ctx, &libraryv1.BatchUpdateBooksRequest{Requests: []*libraryv1.UpdateBookRequest{
			{Book: &libraryv1.Book{Id: book.Id, AuthorId: missing}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"author_id"}}},
		}})
		names("BatchUpdate", err, "requests[0].book.author_id")

		id, m := strconv.FormatInt(book.Id, 10), strconv.FormatInt(missing, 10)
		code, body := do(t, "POST", s.url("/library.v1.BookService/CreateBook"), "application/json", `{"book":{"title":"Emma","authorId":"`+m+`","isbn":"5"}}`)
		assert.Equal(t, 400, code, body)
		assert.Contains(t, body, `"code":"failed_precondition"`, "Connect")
		assert.Contains(t, body, `book.author_id: library.v1.Author `+m+` does not exist`, "Connect")
		code, body = do(t, "PATCH", s.url("/v1/books/"+id+"?update_mask=author_id"), "application/json", `{"authorId":"`+m+`"}`)
		assert.Equal(t, 400, code, body)
		assert.Contains(t, body, `"code":9`, "REST")
		assert.Contains(t, body, `"subject":"book.author_id"`, "REST")

		// A value the mask leaves out is not written, nor blamed.
		got, err := c.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: book.Id, Title: "Dune 2", AuthorId: missing}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
		require.NoError(t, err)
		assert.Equal(t, a.Id, got.AuthorId)
		list, err := c.ListBooks(ctx, &libraryv1.ListBooksRequest{})
		require.NoError(t, err)
		assert.Len(t, list.Books, 1, "nothing else was written")
	})
}
