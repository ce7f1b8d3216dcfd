package e2e_test

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"gorm.io/gorm"

	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestNameOrderAndFilter lists resources named under parents
// (publishers/{publisher}/shelves/{shelf}/books/{book}) by order_by name
// and name desc, page after page, and filters them with name = and !=,
// over gRPC and REST on every database: the order is the ids', parents
// first, each compared as stored (so "publishers/a/…" comes before
// "publishers/a-b/…", which a sort of the strings puts first), and a
// filter on name compares a whole name, * standing for any id, and <, <=,
// > and >= in that order; the has operator and names of another form are
// InvalidArgument naming filter.
func TestNameOrderAndFilter(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		ctx := context.Background()

		type ids struct{ pub, shelf, book string }
		var all []ids
		pages := map[string]int64{}
		for _, pub := range []string{"b", "a-b", "a"} {
			nestedShelf(t, c, pub, "s-t")
			_, err := c.CreateShelf(ctx, &nestedv1.CreateShelfRequest{Parent: "publishers/" + pub, ShelfId: "s", Shelf: &nestedv1.Shelf{}})
			require.NoError(t, err)
		}
		for _, pub := range []string{"b", "a-b", "a"} {
			for _, shelf := range []string{"s-t", "s"} {
				for i, book := range []string{"y", "x-1", "x"} {
					parent := "publishers/" + pub + "/shelves/" + shelf
					b := &nestedv1.Book{Title: book, Pages: int64(100 * (i % 2))}
					if shelf == "s" {
						b.PreviousShelf = "publishers/" + pub + "/shelves/s-t"
					}
					got, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: parent, BookId: book, Book: b})
					require.NoError(t, err)
					all = append(all, ids{pub, shelf, book})
					pages[got.Name] = b.Pages
				}
			}
		}
		nameOf := func(k ids) string { return "publishers/" + k.pub + "/shelves/" + k.shelf + "/books/" + k.book }
		slices.SortFunc(all, func(a, b ids) int {
			return cmp.Or(strings.Compare(a.pub, b.pub), strings.Compare(a.shelf, b.shelf), strings.Compare(a.book, b.book))
		})
		want := make([]string, len(all))
		for i, k := range all {
			want[i] = nameOf(k)
		}
		assert.False(t, sort.StringsAreSorted(want), "the ids' order is not the strings'")
		reversed := slices.Clone(want)
		slices.Reverse(reversed)

		list := func(parent, filter, orderBy string, size int32) func(string) ([]*nestedv1.Book, string, error) {
			return func(token string) ([]*nestedv1.Book, string, error) {
				r, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: parent, Filter: filter, OrderBy: orderBy, PageSize: size, PageToken: token})
				return r.GetBooks(), r.GetNextPageToken(), err
			}
		}
		across := "publishers/-/shelves/-"
		assert.Equal(t, want, pageNames(t, list(across, "", "name", 1)), "order_by name, a page per book")
		assert.Equal(t, want, pageNames(t, list(across, "", " name  asc ", 1)))
		assert.Equal(t, reversed, pageNames(t, list(across, "", "name desc", 1)), "order_by name desc")
		// Pages of several books, to the last.
		for _, orderBy := range []string{"name", "name desc"} {
			var got []string
			token := ""
			for {
				r, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: across, OrderBy: orderBy, PageSize: 5, PageToken: token})
				require.NoError(t, err)
				got = append(got, names(r.Books)...)
				if token = r.NextPageToken; token == "" {
					break
				}
			}
			exp := want
			if orderBy == "name desc" {
				exp = reversed
			}
			assert.Equal(t, exp, got, "%s by pages of 5", orderBy)
		}
		// Under one publisher, and under one shelf.
		var underAB []string
		for _, n := range want {
			if strings.HasPrefix(n, "publishers/a-b/") {
				underAB = append(underAB, n)
			}
		}
		assert.Equal(t, underAB, pageNames(t, list("publishers/a-b/shelves/-", "", "name", 1)))
		assert.Equal(t, want[3:6], pageNames(t, list("publishers/a/shelves/s-t", "", "name", 1)))
		// After another field: ties broken by the name's order.
		byPages := slices.Clone(want)
		slices.SortStableFunc(byPages, func(a, b string) int { return int(pages[b] - pages[a]) })
		assert.Equal(t, byPages, pageNames(t, list(across, "", "pages desc, name", 1)), "pages desc, name")
		byPagesDesc := slices.Clone(reversed)
		slices.SortStableFunc(byPagesDesc, func(a, b string) int { return int(pages[a] - pages[b]) })
		assert.Equal(t, byPagesDesc, pageNames(t, list(across, "", "pages, name desc", 1)), "pages, name desc")

		// filter: a whole name, = and !=, * for any id.
		one := "publishers/a/shelves/s/books/x-1"
		assert.Equal(t, []string{one}, pageNames(t, list(across, `name = "`+one+`"`, "", 1)))
		assert.Equal(t, []string{one}, pageNames(t, list("publishers/a/shelves/s", `name = "`+one+`"`, "", 1)))
		assert.Empty(t, pageNames(t, list("publishers/b/shelves/s", `name = "`+one+`"`, "", 1)), "a name under another parent than the request's matches nothing")
		assert.Empty(t, pageNames(t, list(across, `name = "publishers/a/shelves/s/books/nothing"`, "", 1)))
		assert.Equal(t, slices.DeleteFunc(slices.Clone(want), func(n string) bool { return n == one }),
			pageNames(t, list(across, `name != "`+one+`"`, "name", 1)), "!=")
		assert.Equal(t, []string{"publishers/a/shelves/s/books/x", "publishers/a-b/shelves/s/books/x", "publishers/b/shelves/s/books/x"},
			pageNames(t, list(across, `name = "publishers/*/shelves/s/books/x"`, "name", 1)), "* for any publisher")
		assert.Equal(t, []string{"publishers/a/shelves/s/books/x-1", "publishers/a-b/shelves/s/books/x-1"},
			pageNames(t, list(across, `name = "publishers/a*/shelves/s/books/*-1"`, "name", 1)), "wildcards inside ids")
		assert.Len(t, pageNames(t, list(across, `name != "publishers/a*/shelves/*/books/*"`, "", 1)), 6, "!= with wildcards: publisher b's books")
		assert.Equal(t, []string{"publishers/b/shelves/s-t/books/y", one},
			pageNames(t, list(across, `name = "`+one+`" OR name = "publishers/b/shelves/s-t/books/y"`, "name desc", 1)))
		assert.Equal(t, []string{"publishers/a/shelves/s/books/x", "publishers/a/shelves/s/books/x-1", "publishers/a/shelves/s/books/y"},
			pageNames(t, list(across, `name = "publishers/a/shelves/*/books/*" AND previous_shelf = "publishers/a/shelves/s-t"`, "name", 1)),
			"with a google.api.resource_reference, which filters as the name it holds")
		total, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: across, Filter: `name = "publishers/a-b/shelves/*/books/*"`, PageSize: 1})
		require.NoError(t, err)
		assert.EqualValues(t, 6, total.TotalSize)

		// Over REST.
		resp, body := restDo(t, "GET", base+"/v1/publishers/-/shelves/-/books?order_by="+url.QueryEscape("name desc")+"&filter="+url.QueryEscape(`name != "publishers/b/shelves/*/books/*"`)+"&page_size=2", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var page nestedv1.ListBooksResponse
		require.NoError(t, protojson.Unmarshal(body, &page))
		assert.Equal(t, []string{"publishers/a-b/shelves/s-t/books/y", "publishers/a-b/shelves/s-t/books/x-1"}, names(page.Books))

		// <, <=, > and >= compare in the order of order_by name: name >
		// the last name of a page is what follows it.
		at := slices.Index(want, one)
		assert.Equal(t, want[at+1:], pageNames(t, list(across, `name > "`+one+`"`, "name", 1)), ">")
		assert.Equal(t, want[at:], pageNames(t, list(across, `name >= "`+one+`"`, "", 1)), ">=")
		assert.Equal(t, want[:at], pageNames(t, list(across, `name < "`+one+`"`, "", 1)), "<")
		assert.Equal(t, reversed[len(want)-at-1:], pageNames(t, list(across, `name <= "`+one+`"`, "name desc", 1)), "<= by name desc")
		assert.Equal(t, []string{"publishers/a-b/shelves/s/books/x", "publishers/a-b/shelves/s/books/x-1", "publishers/a-b/shelves/s/books/y"},
			pageNames(t, list("publishers/a-b/shelves/s", `name < "publishers/a-b/shelves/s-t/books/x"`, "", 1)),
			"shelf s before s-t (as strings, …/s/… follows …/s-t/…)")
		assert.Equal(t, []string{"publishers/a-b/shelves/s/books/x", "publishers/a-b/shelves/s/books/x-1", "publishers/a-b/shelves/s/books/y", "publishers/a-b/shelves/s-t/books/x"},
			pageNames(t, list(across, `name > "publishers/a/shelves/s-t/books/y" AND name < "publishers/a-b/shelves/s-t/books/x-1"`, "", 1)),
			"after publisher a's last book, before a-b's second on shelf s-t")
		assert.Empty(t, pageNames(t, list("publishers/a-b/shelves/s", `name > "publishers/a-b/shelves/s-t/books/a"`, "", 1)))

		// Refused, naming filter and what name takes.
		for _, filter := range []string{
			`name > "publishers/a/shelves/s"`, `name:"` + one + `"`, `name:*`,
			`name = "publishers/a/shelves/s"`, `name = "books/x"`, `name = "publishers/a/shelves/s/books/x/"`, `name = 5`,
		} {
			_, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: across, Filter: filter})
			require.Equal(t, codes.InvalidArgument, status.Code(err), "%s: %v", filter, err)
			msg := status.Convert(err).Message()
			assert.Contains(t, msg, "filter", filter)
			assert.Regexp(t, `= and !=|publishers/\{publisher\}/shelves/\{shelf\}/books/\{book\}`, msg, filter)
		}
		for _, orderBy := range []string{"name:publisher", "name.book", "name, name desc"} {
			_, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: across, OrderBy: orderBy})
			require.Equal(t, codes.InvalidArgument, status.Code(err), "%s: %v", orderBy, err)
			assert.Contains(t, status.Convert(err).Message(), "order_by", orderBy)
		}
		// A token of one order is not one of the other.
		first, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: across, OrderBy: "name", PageSize: 1})
		require.NoError(t, err)
		_, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: across, OrderBy: "name desc", PageSize: 1, PageToken: first.NextPageToken})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), fmt.Sprint(err))
	})
}
