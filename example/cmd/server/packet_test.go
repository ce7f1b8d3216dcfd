package main_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// TestValuesPastMySQLPacket writes a metadata value of 2.8 million
// control characters (2.8 MB over gRPC, under the body limit), which JSON
// stores escaped in 17 MB: past MariaDB's max_allowed_packet (16 MiB), so
// on MySQL/MariaDB Create, Update and BatchCreate are InvalidArgument
// naming the field, with nothing written, where SQLite and PostgreSQL
// store it and give it back.
func TestValuesPastMySQLPacket(t *testing.T) {
	t.Parallel()
	huge := map[string]string{"x": strings.Repeat("\x01", 2_800_000)}
	onEachDatabase(t, func(t *testing.T, s *server) {
		books, author := grpcLibrary(t, s)
		ctx := context.Background()
		mysql := strings.HasSuffix(t.Name(), "/mysql")
		refused := func(err error, field string) {
			t.Helper()
			require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
			var fields []string
			for _, d := range status.Convert(err).Details() {
				if br, ok := d.(*errdetails.BadRequest); ok {
					for _, v := range br.GetFieldViolations() {
						fields = append(fields, v.GetField())
					}
				}
			}
			assert.Equal(t, []string{field}, fields)
			assert.Contains(t, err.Error(), "max_allowed_packet")
		}

		b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Big", AuthorId: author.Id, Isbn: 1, Metadata: huge}})
		if mysql {
			refused(err, "book.metadata")
		} else {
			require.NoError(t, err)
			got, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
			require.NoError(t, err)
			assert.Equal(t, huge, got.Metadata)
		}

		small, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Small", AuthorId: author.Id, Isbn: 2}})
		require.NoError(t, err)
		_, err = books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: small.Id, Metadata: huge}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"metadata.x"}}})
		if mysql {
			refused(err, "book.metadata")
			got, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: small.Id})
			require.NoError(t, err)
			assert.Equal(t, small.Etag, got.Etag, "unchanged")
		} else {
			require.NoError(t, err)
		}

		_, err = books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: []*libraryv1.CreateBookRequest{
			{Book: &libraryv1.Book{Title: "One", AuthorId: author.Id, Isbn: 3}},
			{Book: &libraryv1.Book{Title: "Two", AuthorId: author.Id, Isbn: 4, Metadata: huge}},
		}})
		if mysql {
			refused(err, "requests[1].book.metadata")
			list, err := books.ListBooks(ctx, &libraryv1.ListBooksRequest{})
			require.NoError(t, err)
			assert.Len(t, list.Books, 1, "the batch wrote nothing")
		} else {
			require.NoError(t, err)
		}
	})
}
