package crudrt_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	tenantv1 "github.com/protoforge/protoforge/internal/e2e/gen/tenant/v1"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// TestNULStrings stores strings that hold NUL in columns with length
// rules, through the example's migrations: SQLite and MySQL keep them
// (SQLite's length checks, whose length() stops at the first NUL, leave
// such strings to the server's count), PostgreSQL refuses them naming the
// field; the server counts a NUL as a character on every database.
func TestNULStrings(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, _ = generatedLibrary(t, db)
		authors := libraryv1.NewAuthorServiceCRUD(db)
		ctx := context.Background()
		for _, name := range []string{"\x00", "\x00a\x00", "a\x00" + strings.Repeat("é", 198)} {
			got, err := authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: name}})
			if ormrt.DialectOf(db) == ormrt.Postgres {
				if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "display_name") {
					t.Errorf("%q on PostgreSQL: %v, want InvalidArgument naming display_name", name, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%q: %v", name, err)
				continue
			}
			back, err := authors.GetAuthor(ctx, &libraryv1.GetAuthorRequest{Name: "authors/" + strconv.FormatInt(got.Id, 10)})
			if err != nil || back.DisplayName != name {
				t.Errorf("%q read back as %q, %v", name, back.GetDisplayName(), err)
			}
		}
		if ormrt.DialectOf(db) == ormrt.Postgres {
			return
		}
		// Raw writes over the column's 200 characters: refused without NUL
		// on both; with one, by MySQL's VARCHAR, while SQLite's checks,
		// which cannot count past a NUL, leave it to the server's own.
		if err := db.Exec("INSERT INTO authors (display_name) VALUES (?)", strings.Repeat("é", 201)).Error; err == nil {
			t.Error("a raw write of 201 characters was stored in a column of 200")
		}
		if ormrt.DialectOf(db) == ormrt.MySQL {
			if err := db.Exec("INSERT INTO authors (display_name) VALUES (?)", "\x00"+strings.Repeat("a", 200)).Error; err == nil {
				t.Error("a raw write of 201 characters starting with NUL was stored in a column of 200")
			}
		}
		// Through the server, a NUL counts as a character everywhere.
		_, err := authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "\x00" + strings.Repeat("a", 200)}})
		if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "display_name") {
			t.Errorf("201 characters starting with NUL: %v, want InvalidArgument naming display_name", err)
		}
	})
}

// TestNULElsewhere: a tenant that is not UTF-8 text without NUL is
// Unauthenticated, and a Delete or Undelete whose etag holds NUL is
// stale (Aborted), on every database: PostgreSQL could compare neither.
func TestNULElsewhere(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		books, author := generatedLibrary(t, db)
		b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "t", AuthorId: author.Id, Isbn: 7}})
		if err != nil {
			t.Fatal(err)
		}
		_, err = books.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: b.Id, Etag: "\x00"})
		wantCode(t, err, connect.CodeAborted)
		if _, err := books.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: b.Id}); err != nil {
			t.Fatal(err)
		}
		_, err = books.UndeleteBook(ctx, &libraryv1.UndeleteBookRequest{Id: b.Id, Etag: "1\x00"})
		wantCode(t, err, connect.CodeAborted)

		applyE2ESchema(t, db, "tenant")
		notes := crudrt.NewService(db, noteResource(), crudrt.WithTenant(tenantOfCtx))
		for _, tenant := range []string{"caf\xe9", "a\x00b"} {
			_, err := notes.Create(asTenant(tenant), &tenantv1.Note{Text: "x"})
			wantCode(t, err, connect.CodeUnauthenticated)
			_, _, err = notes.List(asTenant(tenant), crudrt.ListRequest{})
			wantCode(t, err, connect.CodeUnauthenticated)
		}
	})
}

// TestTrailingNULInOrderedString: a title (an offered order) that ends in
// NUL is InvalidArgument naming book.title on MySQL and MariaDB, whose
// sorts of a page pad strings with NUL (a page ordered by title put
// "f\x00" before "f" and the next page skipped "f"), as on PostgreSQL,
// which stores no NUL; SQLite stores it and pages through "f", "f\x00"
// in that order. A NUL inside a title is stored on both.
func TestTrailingNULInOrderedString(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		books, author := generatedLibrary(t, db)
		d := ormrt.DialectOf(db)
		_, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "f\x00", AuthorId: author.Id, Isbn: 1}})
		if d != ormrt.SQLite {
			if connect.CodeOf(err) != connect.CodeInvalidArgument || !strings.Contains(err.Error(), "book.title") {
				t.Fatalf("a title ending in NUL: %v, want InvalidArgument naming book.title", err)
			}
			if d == ormrt.Postgres {
				return
			}
			if _, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "f\x00g", AuthorId: author.Id, Isbn: 3}}); err != nil {
				t.Fatalf("a NUL inside a title: %v", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "f", AuthorId: author.Id, Isbn: 2}}); err != nil {
			t.Fatal(err)
		}
		var titles []string
		token := ""
		for {
			res, err := books.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: 1, OrderBy: "title", PageToken: token, Filter: "author_id = " + strconv.FormatInt(author.Id, 10)})
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range res.Books {
				titles = append(titles, b.Title)
			}
			if token = res.NextPageToken; token == "" {
				break
			}
		}
		if strings.Join(titles, "|") != "f|f\x00" {
			t.Errorf("pages by title: %q", titles)
		}
	})
}
