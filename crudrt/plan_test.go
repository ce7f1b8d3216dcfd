package crudrt_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	crpg "github.com/protoforge/protoforge/crudrt/postgres"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestMixedOrderPagesPlannedOnce: on PostgreSQL, a page after a token in
// an order of mixed directions (one index range per term, in one UNION
// ALL) is planned once for any position, the generic plan, and never for
// the values at hand, which the plan cache would otherwise do at every
// execution; with a filter of the client's the plan cache decides as
// usual. The setting does not outlive the statement on the connection.
func TestMixedOrderPagesPlannedOnce(t *testing.T) {
	ctx := context.Background()
	// One connection: its prepared statements are the ones read below.
	pool, db := onePostgresConn(t, nil)
	migrateExample(t, db)
	authors := libraryv1.NewAuthorServiceCRUD(db)
	books := libraryv1.NewBookServiceCRUD(db)
	for i := range 2 {
		a, err := authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: fmt.Sprint("author ", i)}})
		if err != nil {
			t.Fatal(err)
		}
		for j := range 4 {
			if _, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: fmt.Sprint("t", j), AuthorId: a.Id, Isbn: 1<<63 + uint64(i*10+j)}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	const order = "author_id, title desc"
	// plans is what the connection's prepared statements of pages after a
	// token (the UNION ALL) were planned with so far.
	plans := func(filter string) (generic, custom int64) {
		t.Helper()
		like := "%UNION ALL%"
		if filter != "" {
			like = "%UNION ALL%\"title\" <> %"
		}
		if err := pool.QueryRow(ctx, `SELECT coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0) FROM pg_prepared_statements WHERE statement LIKE $1`, like).Scan(&generic, &custom); err != nil {
			t.Fatal(err)
		}
		return generic, custom
	}
	for _, filter := range []string{"", `title != "none"`} {
		first, err := books.ListBooks(ctx, &libraryv1.ListBooksRequest{OrderBy: order, Filter: filter, PageSize: 3})
		if err != nil {
			t.Fatal(err)
		}
		g0, c0 := plans(filter)
		const reads = 12
		for range reads {
			page, err := books.ListBooks(ctx, &libraryv1.ListBooksRequest{OrderBy: order, Filter: filter, PageSize: 3, PageToken: first.NextPageToken})
			if err != nil {
				t.Fatal(err)
			}
			// Author 0's t0, then author 1's t3 and t2: both ranges read,
			// uint64 NUMERICs past int64 whole.
			got := fmt.Sprint(page.Books[0].Title, page.Books[1].Title, page.Books[2].Title, page.Books[0].AuthorId < page.Books[1].AuthorId, page.Books[1].Isbn-1<<63)
			if got != "t0t3t2true 13" {
				t.Fatalf("filter %q: page after the token: %s", filter, got)
			}
		}
		g, c := plans(filter)
		switch {
		case filter == "" && (c != c0 || g-g0 != reads):
			t.Errorf("no filter: %d generic and %d custom plans for %d pages, want %d generic only", g-g0, c-c0, reads, reads)
		case filter != "" && c-c0 == 0:
			t.Errorf("filter %q: %d generic and no custom plans for %d pages: the plan cache should decide", filter, g-g0, reads)
		}
		var mode string
		if err := pool.QueryRow(ctx, `SHOW plan_cache_mode`).Scan(&mode); err != nil || mode != "auto" {
			t.Fatalf("plan_cache_mode after the pages: %q, %v; want auto", mode, err)
		}
	}
}

// onePostgresConn is a pool of one connection to a test database of its
// own on PostgreSQL, its config changed by set (when not nil), and a GORM
// database on it through crudrt/postgres.Open; both close with the test.
func onePostgresConn(t *testing.T, set func(*pgxpool.Config)) (*pgxpool.Pool, *gorm.DB) {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(testdb.DSN(t, testdb.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 1
	if set != nil {
		set(cfg)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db, err := crpg.Open(pool, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	return pool, db
}
