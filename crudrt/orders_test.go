package crudrt_test

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestListOrdersOffered walks every order the example's books offer
// ((protoforge.v1.model).order_by), their exact reverses and the key's,
// page by page on every database: deep pages are read by one index range
// per term (UNION ALL), and must give exactly the rows and the order a
// sort gives, across duplicates of the first terms. Orders not offered
// are InvalidArgument naming those that are.
func TestListOrdersOffered(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		migrateExample(t, db)
		ctx := context.Background()
		authors := libraryv1.NewAuthorServiceCRUD(db)
		books := libraryv1.NewBookServiceCRUD(db)
		var all []*libraryv1.Book
		titles := []string{"m", "c", "x", "a", "q", "c2", "b"}
		for i := 0; i < 3; i++ {
			a, err := authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: fmt.Sprint("author ", i)}})
			if err != nil {
				t.Fatal(err)
			}
			for j, title := range titles[i:] {
				// The same titles under several authors; ISBNs beyond int64.
				b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: title, AuthorId: a.Id, Isbn: math.MaxUint64 - uint64(i*10+j)*(1<<58)}})
				if err != nil {
					t.Fatal(err)
				}
				all = append(all, b)
			}
		}
		type less func(a, b *libraryv1.Book) int
		byID := func(a, b *libraryv1.Book) int { return cmp(a.Id, b.Id) }
		then := func(fs ...less) less {
			return func(a, b *libraryv1.Book) int {
				for _, f := range fs {
					if c := f(a, b); c != 0 {
						return c
					}
				}
				return 0
			}
		}
		rev := func(f less) less { return func(a, b *libraryv1.Book) int { return -f(a, b) } }
		title := func(a, b *libraryv1.Book) int { return strings.Compare(a.Title, b.Title) }
		author := func(a, b *libraryv1.Book) int { return cmp(a.AuthorId, b.AuthorId) }
		isbn := func(a, b *libraryv1.Book) int { return cmp(a.Isbn, b.Isbn) }
		for _, c := range []struct {
			orderBy string
			want    less
		}{
			{"", byID},
			{"id desc", rev(byID)},
			{"title", then(title, byID)},
			{"title desc, id desc", rev(then(title, byID))},
			// The reverse without the key: the key follows descending.
			{"title desc", rev(then(title, byID))},
			{"title asc", then(title, byID)},
			{"author_id, title desc", then(author, rev(title), byID)},
			{"author_id desc, title, id desc", rev(then(author, rev(title), byID))},
			{"isbn", then(isbn, byID)},
			{"isbn desc", rev(isbn)},
			{"author_id desc, title", rev(then(author, rev(title)))},
		} {
			want := append([]*libraryv1.Book(nil), all...)
			sort.SliceStable(want, func(i, j int) bool { return c.want(want[i], want[j]) < 0 })
			for _, size := range []int32{1, 2, 5, 100} {
				var got []int64
				token := ""
				for pages := 0; pages == 0 || token != ""; pages++ {
					resp, err := books.ListBooks(ctx, &libraryv1.ListBooksRequest{OrderBy: c.orderBy, PageSize: size, PageToken: token})
					if err != nil {
						t.Fatalf("order_by %q, pages of %d: %v", c.orderBy, size, err)
					}
					for _, b := range resp.Books {
						got = append(got, b.Id)
					}
					token = resp.NextPageToken
					if pages > len(all) {
						t.Fatalf("order_by %q: more pages than rows", c.orderBy)
					}
				}
				wantIDs := make([]int64, len(want))
				for i, b := range want {
					wantIDs[i] = b.Id
				}
				if fmt.Sprint(got) != fmt.Sprint(wantIDs) {
					t.Errorf("order_by %q, pages of %d:\n got %v\nwant %v", c.orderBy, size, got, wantIDs)
				}
			}
		}
		// AIP-158 skip after a token, across the ranges of a mixed order.
		want := append([]*libraryv1.Book(nil), all...)
		sort.SliceStable(want, func(i, j int) bool { return then(author, rev(title), byID)(want[i], want[j]) < 0 })
		store, err := crudrt.StoreOf[*libraryv1.Book](books)
		if err != nil {
			t.Fatal(err)
		}
		_, token, err := store.List(ctx, crudrt.ListRequest{OrderBy: "author_id, title desc", PageSize: 3})
		if err != nil {
			t.Fatal(err)
		}
		for _, skip := range []int32{0, 2, 5, 100} {
			page, _, err := store.List(ctx, crudrt.ListRequest{OrderBy: "author_id, title desc", PageSize: 3, PageToken: token, Skip: skip})
			if err != nil {
				t.Fatal(err)
			}
			var got, wantIDs []int64
			for _, b := range page {
				got = append(got, b.Id)
			}
			for _, b := range want[min(len(want), 3+int(skip)):min(len(want), 6+int(skip))] {
				wantIDs = append(wantIDs, b.Id)
			}
			if fmt.Sprint(got) != fmt.Sprint(wantIDs) {
				t.Errorf("skip %d after the first page: %v, want %v", skip, got, wantIDs)
			}
		}
		for _, bad := range []string{"title desc, id", "title, id desc", "state", "author_id, title", "author_id", "author_id desc", "title, isbn"} {
			_, err := books.ListBooks(ctx, &libraryv1.ListBooksRequest{OrderBy: bad})
			if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), `"author_id, title desc"`) || !strings.Contains(err.Error(), "order_by") {
				t.Errorf("order_by %q: %v, want InvalidArgument naming the orders offered", bad, err)
			}
		}
	})
}

func cmp[T int64 | uint64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
