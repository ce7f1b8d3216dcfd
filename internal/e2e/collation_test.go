package e2e_test

import (
	"context"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestStringsCompareAlike stores titles that differ only by trailing
// spaces, case or accents under the example's unique (author_id, title)
// key, through the example's migrations, and filters them, on every
// database: strings compare byte by byte everywhere (MySQL/MariaDB's
// default collations pad and fold case, PostgreSQL's and SQLite's do not).
func TestStringsCompareAlike(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		c := serve(t, db)
		ctx := context.Background()
		a, err := c.authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Anon"}})
		require.NoError(t, err)
		titles := []string{"a", "a ", "A", "á", "a\u0301", "a  "}
		for i, title := range titles {
			_, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: title, AuthorId: a.Id, Isbn: uint64(i + 1)}})
			require.NoError(t, err, "title %q is distinct from the others", title)
		}
		_, err = c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "a ", AuthorId: a.Id, Isbn: 99}})
		assert.Equal(t, connect.CodeAlreadyExists, codeOf(err), "the same title twice")
		for _, title := range titles {
			list, err := c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: `title = "` + title + `"`})
			require.NoError(t, err)
			var got []string
			for _, b := range list.Books {
				got = append(got, b.Title)
			}
			assert.Equal(t, []string{title}, got, "filter title = %q", title)
		}
		list, err := c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: `title = "a*"`, OrderBy: "title"})
		require.NoError(t, err)
		var got []string
		for _, b := range list.Books {
			got = append(got, b.Title)
		}
		assert.Equal(t, []string{"a", "a ", "a  ", "a\u0301"}, got, "a prefix, in byte order")
	})
}
