package e2e_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestStringsCompareAlike stores titles that differ only by trailing
// spaces, case or accents under the example's unique (author_id, title)
// key, through the example's migrations, and filters them, on every
// database: strings compare byte by byte everywhere (MySQL/MariaDB's
// default collations pad and fold case, PostgreSQL's and SQLite's do not).
//
// They order alike too, byte by byte, in order_by, in range filters and
// through pages, on a PostgreSQL database whose locale does not (ICU
// en-US puts "a" before "B"): the schema makes PostgreSQL's string columns
// COLLATE "C".
func TestStringsCompareAlike(t *testing.T) {
	testdb.Each(t, stringsCompareAlike)
	t.Run("postgres_icu", func(t *testing.T) {
		db, err := gorm.Open(postgres.Open(testdb.PostgresDSNWith(t, "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' TEMPLATE template0")), &gorm.Config{Logger: logger.Discard})
		require.NoError(t, err)
		sqlDB, err := db.DB()
		require.NoError(t, err)
		t.Cleanup(func() { _ = sqlDB.Close() })
		var n int
		require.NoError(t, db.Raw(`SELECT count(*) FROM (VALUES ('a'), ('B')) v(s) WHERE s < 'B'`).Scan(&n).Error)
		require.Equal(t, 1, n, "the database's own collation puts a before B")
		stringsCompareAlike(t, db)
	})
}

func stringsCompareAlike(t *testing.T, db *gorm.DB) {
	{
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

		for i, title := range []string{"B", "b", "Z", "[", "é", "e"} {
			_, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: title, AuthorId: a.Id, Isbn: uint64(100 + i)}})
			require.NoError(t, err)
			titles = append(titles, title)
		}
		sorted := slices.Clone(titles)
		slices.Sort(sorted) // byte order
		var paged []string
		req := &libraryv1.ListBooksRequest{OrderBy: "title", PageSize: 2}
		for {
			list, err := c.books.ListBooks(ctx, req)
			require.NoError(t, err)
			for _, b := range list.Books {
				paged = append(paged, b.Title)
			}
			if list.NextPageToken == "" {
				break
			}
			req.PageToken = list.NextPageToken
		}
		assert.Equal(t, sorted, paged, "order_by title, two by two")
		list, err = c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{OrderBy: "author_id, title desc", PageSize: 100})
		require.NoError(t, err)
		got = nil
		for _, b := range list.Books {
			got = append(got, b.Title)
		}
		slices.Reverse(got)
		assert.Equal(t, sorted, got, "order_by author_id, title desc (one author)")
		for _, bound := range []string{"B", "Z", "a", "e"} {
			list, err := c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: `title > "` + bound + `"`, OrderBy: "title", PageSize: 100})
			require.NoError(t, err)
			got = nil
			for _, b := range list.Books {
				got = append(got, b.Title)
			}
			var want []string
			for _, s := range sorted {
				if s > bound {
					want = append(want, s)
				}
			}
			assert.Equal(t, want, got, "title > %q", bound)
		}
	}
}

// TestMigrationUnderRunningServer: on PostgreSQL, a migration that changes
// a table's columns while a server runs (a rolling upgrade: the example's
// 000007 applied, then undone) makes the statements the server's
// connections prepared before it refuse to run ("cached plan must not
// change result type"). Reads and writes run again and succeed, never
// Internal.
func TestMigrationUnderRunningServer(t *testing.T) {
	db := testdb.Open(t, testdb.Postgres)
	c := serve(t, db)
	ctx := context.Background()
	a, err := c.authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Anon"}})
	require.NoError(t, err)
	b, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "a", AuthorId: a.Id, Isbn: 1}})
	require.NoError(t, err)
	calls := func(step string) {
		t.Helper()
		for i := 0; i < 4; i++ { // several connections may hold the statements
			_, err := c.books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
			require.NoError(t, err, "%s: Get", step)
			_, err = c.grpcBooks.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
			require.NoError(t, err, "%s: Get over gRPC", step)
			_, err = c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{OrderBy: "title"})
			require.NoError(t, err, "%s: List", step)
			_, err = c.authors.ListAuthors(ctx, &libraryv1.ListAuthorsRequest{})
			require.NoError(t, err, "%s: ListAuthors", step)
			got, err := c.books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Title: fmt.Sprintf("a%d", i)}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
			require.NoError(t, err, "%s: Update", step)
			require.Equal(t, fmt.Sprintf("a%d", i), got.Title)
		}
	}
	calls("before")
	for _, step := range []string{`"default"`, `"C"`} {
		require.NoError(t, db.Exec(`ALTER TABLE "books" ALTER COLUMN "title" TYPE VARCHAR(300) COLLATE `+step).Error)
		require.NoError(t, db.Exec(`ALTER TABLE "authors" ALTER COLUMN "display_name" TYPE VARCHAR(200) COLLATE `+step).Error)
		calls("after COLLATE " + step)
	}
}
