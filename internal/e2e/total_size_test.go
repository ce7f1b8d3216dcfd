package e2e_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestListTotalSize serves AIP-132's total_size on every database, over
// gRPC and REST: every page of a List tells how many resources its pages
// hold in all, under the parent (or across parents with "-"), the filter
// and show_deleted, whatever the page size, page token and skip.
func TestListTotalSize(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		ctx := context.Background()
		s1 := nestedShelf(t, c, "acme", "s1")
		s2, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/acme", ShelfId: "s2", Shelf: &nestedv1.Shelf{}})
		require.NoError(t, err)
		for i, title := range []string{"A", "B", "C", "D", "E"} {
			_, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: s1, BookId: fmt.Sprintf("b%d", i), Book: &nestedv1.Book{Title: title, Isbn: fmt.Sprint(i)}})
			require.NoError(t, err)
		}
		for i := range 2 {
			_, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: s2.Name, BookId: fmt.Sprintf("c%d", i), Book: &nestedv1.Book{Title: "Z", Isbn: fmt.Sprint(10 + i)}})
			require.NoError(t, err)
		}
		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: s1 + "/books/b4"})
		require.NoError(t, err)

		// Every page of a paged List tells the same total.
		req := &nestedv1.ListBooksRequest{Parent: s1, PageSize: 3}
		var seen int
		for {
			res, err := c.ListBooks(ctx, req)
			require.NoError(t, err)
			assert.EqualValues(t, 4, res.TotalSize, "page after %q", req.PageToken)
			seen += len(res.Books)
			if res.NextPageToken == "" {
				break
			}
			req.PageToken = res.NextPageToken
		}
		assert.Equal(t, 4, seen)
		for _, tc := range []struct {
			req  *nestedv1.ListBooksRequest
			want int32
		}{
			{&nestedv1.ListBooksRequest{Parent: s1}, 4},
			{&nestedv1.ListBooksRequest{Parent: s1, PageSize: 1, ShowDeleted: true}, 5},
			{&nestedv1.ListBooksRequest{Parent: s1, PageSize: 1, Filter: `title = "B" OR title = "C"`}, 2},
			{&nestedv1.ListBooksRequest{Parent: s1, PageSize: 1, Skip: 2}, 4},
			{&nestedv1.ListBooksRequest{Parent: s1, Skip: 10}, 4},
			{&nestedv1.ListBooksRequest{Parent: "publishers/acme/shelves/-", PageSize: 2}, 6},
			{&nestedv1.ListBooksRequest{Parent: "publishers/-/shelves/-", PageSize: 2, Filter: `title = "Z"`}, 2},
			{&nestedv1.ListBooksRequest{Parent: s1, Filter: `title = "nothing"`}, 0},
		} {
			res, err := c.ListBooks(ctx, tc.req)
			require.NoError(t, err, "%v", tc.req)
			assert.Equal(t, tc.want, res.TotalSize, "%v", tc.req)
		}
		_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: "publishers/acme/shelves/none", PageSize: 1})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

		// The typed store counts for the methods users write.
		store, err := crudrt.StoreOf[*nestedv1.Book](nestedv1.NewNestedServiceCRUD(db))
		require.NoError(t, err)
		n, err := store.Count(ctx, crudrt.ListRequest{Parent: s1, ShowDeleted: true})
		require.NoError(t, err)
		assert.EqualValues(t, 5, n)

		resp, body := restDo(t, "GET", base+"/v1/"+s1+"/books?pageSize=1", "")
		require.Equal(t, 200, resp.StatusCode, body)
		var page struct {
			TotalSize int `json:"totalSize"`
		}
		require.NoError(t, json.Unmarshal([]byte(body), &page))
		assert.Equal(t, 4, page.TotalSize)
	})
}
