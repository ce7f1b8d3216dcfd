package load_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/protoforge/protoforge/bench/load"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// The defaults are the CI variant; bench/load/run passes the long ones.
var (
	clients  = flag.Int("load.clients", 12, "concurrent clients")
	duration = flag.Duration("load.duration", 2*time.Second, "how long each database is loaded")
	conns    = flag.Int("load.conns", 16, "largest database pool of the server (SQLite: always 1)")
)

// TestLoad runs the mixed workload against the generated service on each
// database, then checks the invariants. Only etag conflicts of the shared
// counters may fail, and no goroutine may outlive the server and the pool.
func TestLoad(t *testing.T) {
	for _, d := range testdb.All {
		t.Run(string(d), func(t *testing.T) {
			// Registered first, so checked after the pool is closed.
			ignore := goleak.IgnoreCurrent()
			t.Cleanup(func() { assert.NoError(t, goleak.Find(ignore), "goroutines left behind") })
			db := testdb.Open(t, d)
			sqlDB, err := db.DB()
			require.NoError(t, err)
			n := *conns
			if d == testdb.SQLite {
				// One writer at a time: waiting in the pool, under the
				// request's deadline, beats waiting in busy_timeout.
				n = 1
			}
			sqlDB.SetMaxOpenConns(n)
			sqlDB.SetMaxIdleConns(n)
			ctx := context.Background()
			require.NoError(t, load.Migrate(ctx, db))
			srv, err := load.Serve(db)
			require.NoError(t, err)
			defer func() { require.NoError(t, srv.Close()) }()

			rep, err := load.Run(ctx, srv.Books, srv.Authors, load.Config{Clients: *clients, Duration: *duration, Seed: 1})
			require.NoError(t, err)
			table := rep.Markdown(string(d))
			fmt.Fprintln(os.Stdout, table)
			require.Empty(t, rep.Unexpected(), "unexpected errors\n%s", table)
			totals, err := rep.Check(ctx, db)
			require.NoError(t, err, "invariants\n%s", table)
			// The mix really ran: rows were created, deleted and counted.
			require.Positive(t, totals.Live, table)
			require.Positive(t, totals.Deleted, table)
			require.Positive(t, totals.Increments, table)
			t.Logf("rows: %d live, %d deleted; %d increments", totals.Live, totals.Deleted, totals.Increments)
		})
	}
}

// TestCheckFindsBrokenInvariants breaks, behind the service's back, each
// promise Check verifies, and expects Check to name every one.
func TestCheckFindsBrokenInvariants(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	ctx := context.Background()
	require.NoError(t, load.Migrate(ctx, db))
	srv, err := load.Serve(db)
	require.NoError(t, err)
	defer func() { require.NoError(t, srv.Close()) }()
	rep, err := load.Run(ctx, srv.Books, srv.Authors, load.Config{Clients: 4, Duration: 300 * time.Millisecond, Counters: 2, Seed: 3})
	require.NoError(t, err)
	_, err = rep.Check(ctx, db)
	require.NoError(t, err)

	var counter, created, deleted libraryv1.BookModel
	require.NoError(t, db.Where("title = ?", "counter 0").Take(&counter).Error)
	require.NoError(t, db.Where("title LIKE ? AND delete_time IS NULL", "c%-%").Order("id").Take(&created).Error)
	require.NoError(t, db.Unscoped().Where("delete_time IS NOT NULL").Order("id").Take(&deleted).Error)
	// A lost update: the etag moved on, the value did not.
	require.NoError(t, db.Exec(`UPDATE books SET etag = etag || '0' WHERE id = ?`, counter.Id).Error)
	// An acknowledged create vanished, an acknowledged delete was undone.
	require.NoError(t, db.Exec(`DELETE FROM books WHERE id = ?`, created.Id).Error)
	require.NoError(t, db.Exec(`UPDATE books SET delete_time = NULL WHERE id = ?`, deleted.Id).Error)
	// A row nobody asked for.
	_, err = srv.Books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "stray", AuthorId: counter.AuthorId, Isbn: 1}})
	require.NoError(t, err)

	_, err = rep.Check(ctx, db)
	require.Error(t, err)
	for _, want := range []string{
		fmt.Sprintf("counter %d: value", counter.Id),
		"an update was lost",
		fmt.Sprintf("acknowledged create %q (id %d) is missing", created.Title, created.Id),
		fmt.Sprintf("acknowledged delete of %d did not happen", deleted.Id),
		`"stray"`,
		"live rows, want",
	} {
		require.Contains(t, err.Error(), want)
	}
}
