package e2e_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"gorm.io/gorm"

	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestRelativeNamesOnly checks AIP-122 on every database: the names a
// service is asked for, and the references it stores, are relative
// names. A leading slash or a full resource name ("//service/...", with
// any service) is InvalidArgument naming the field, where it was read as
// the relative name after it (and a reference stored as sent).
func TestRelativeNamesOnly(t *testing.T) {
	eachSeededNested(t, func(t *testing.T, db *gorm.DB, _ string, c nestedv1.NestedServiceClient) {
		ctx := context.Background()
		for _, name := range []string{"/publishers/p", "//nested.example.com/publishers/p", "//evil.example.com/publishers/p"} {
			_, err := c.GetPublisher(ctx, &nestedv1.GetPublisherRequest{Name: name})
			assertField(t, err, codes.InvalidArgument, "name", "Get %s", name)
			_, err = c.DeletePublisher(ctx, &nestedv1.DeletePublisherRequest{Name: name, Force: true})
			assertField(t, err, codes.InvalidArgument, "name", "Delete %s", name)
			_, err = c.ListShelves(ctx, &nestedv1.ListShelvesRequest{Parent: name})
			assertField(t, err, codes.InvalidArgument, "parent", "List under %s", name)
			_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: name, ShelfId: "t", Shelf: &nestedv1.Shelf{}})
			assertField(t, err, codes.InvalidArgument, "parent", "Create under %s", name)
			_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/s", BookId: "r", Book: &nestedv1.Book{Title: "r", PreviousShelf: name + "/shelves/s"}})
			assertField(t, err, codes.InvalidArgument, "book.previous_shelf", "a reference %s/shelves/s", name)
			_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: name + "/shelves/s/books/b"})
			assertField(t, err, codes.InvalidArgument, "name", "Get %s/shelves/s/books/b", name)
		}
		_, err := c.GetPublisher(ctx, &nestedv1.GetPublisherRequest{Name: "publishers/p"})
		require.NoError(t, err, "the publisher is still there")
	})
}

// eachSeededNested runs fn on every database with the nested service
// served (see serveNested) and publishers/p/shelves/s/books/b (title "b")
// created.
func eachSeededNested(t *testing.T, fn func(t *testing.T, db *gorm.DB, base string, c nestedv1.NestedServiceClient)) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		seedNested(t, c)
		fn(t, db, base, c)
	})
}

// seedNested creates publishers/p/shelves/s/books/b (title "b").
func seedNested(t *testing.T, c nestedv1.NestedServiceClient) {
	t.Helper()
	ctx := context.Background()
	_, err := c.CreatePublisher(ctx, &nestedv1.CreatePublisherRequest{PublisherId: "p", Publisher: &nestedv1.Publisher{DisplayName: "p"}})
	require.NoError(t, err)
	_, err = c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/p", ShelfId: "s", Shelf: &nestedv1.Shelf{}})
	require.NoError(t, err)
	_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: "publishers/p/shelves/s", BookId: "b", Book: &nestedv1.Book{Title: "b"}})
	require.NoError(t, err)
}

// assertField asserts that err has code and a google.rpc.BadRequest
// field violation naming field.
func assertField(t *testing.T, err error, code codes.Code, field, msg string, args ...any) {
	t.Helper()
	st := status.Convert(err)
	if !assert.Equal(t, code, st.Code(), append([]any{msg + ": %v"}, append(args, err)...)...) {
		return
	}
	assert.Contains(t, st.Message(), field+":", append([]any{msg}, args...)...)
}
