package faults_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/protoforge/protoforge/bench/load"
	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/internal/testsupport"
)

// noLeaks fails the test if goroutines started during it outlive it. It
// must be called first, so that its check runs after every other cleanup
// (servers, clients and pools closed).
func noLeaks(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		if err := goleak.Find(ignore); err != nil {
			t.Error(err)
		}
	})
}

// codeOf is the code of an error of either client, or of the service.
func codeOf(err error) connect.Code {
	var ce *connect.Error
	if errors.As(err, &ce) {
		return ce.Code()
	}
	return connect.Code(status.Code(err))
}

// env is a served database: the socket's Connect client, a grpc-go client
// of the same socket, and the service in process.
type env struct {
	*load.Server
	db     *gorm.DB
	sqlDB  *sql.DB
	grpc   libraryv1.BookServiceClient
	author int64
}

func serve(t *testing.T, db *gorm.DB) *env {
	t.Helper()
	ctx := context.Background()
	require.NoError(t, load.Migrate(ctx, db))
	// Unavailable databases are logged as warnings: not here.
	srv, err := load.Serve(db, crudrt.WithLogger(slog.New(slog.DiscardHandler)))
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, srv.Close()) })
	conn, err := grpc.NewClient(strings.TrimPrefix(srv.URL, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	sqlDB, err := db.DB()
	require.NoError(t, err)
	a, err := srv.Authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Faults"}})
	require.NoError(t, err)
	return &env{Server: srv, db: db, sqlDB: sqlDB, grpc: libraryv1.NewBookServiceClient(conn), author: a.Id}
}

// cancelWhen runs calls concurrently under one context and cancels it as
// soon as blocked reports that they all wait (nil), rather than after a
// guessed pause: the cancellation is known to reach calls that wait. It
// fails the test if a call returns before the cancellation, and returns
// each call's error.
func cancelWhen(t *testing.T, calls map[string]func(context.Context) error, interval time.Duration, blocked func() error) map[string]error {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu       sync.Mutex
		errs     = map[string]error{}
		returned atomic.Int64
		wg       sync.WaitGroup
	)
	for name, call := range calls {
		wg.Go(func() {
			err := call(ctx)
			returned.Add(1)
			mu.Lock()
			errs[name] = err
			mu.Unlock()
		})
	}
	var early map[string]error
	testsupport.Poll(t, 10*time.Second, interval, "the calls wait", func() error {
		if returned.Load() > 0 {
			mu.Lock()
			early = maps.Clone(errs)
			mu.Unlock()
			return nil
		}
		return blocked()
	})
	cancel()
	wg.Wait()
	if early != nil {
		t.Fatalf("calls returned before they were cancelled: %v", early)
	}
	return errs
}

func (e *env) create(t *testing.T, title string, isbn uint64) *libraryv1.Book {
	t.Helper()
	b, err := e.Books.CreateBook(context.Background(), &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: title, AuthorId: e.author, Isbn: isbn}})
	require.NoError(t, err)
	return b
}

// TestPoolExhausted holds the only connection of the server's pool: calls
// wait for it until their deadline (DeadlineExceeded) or their
// cancellation (Canceled), over both clients and in process, change
// nothing, and the service serves again once the connection is released.
// The calls of each phase run concurrently: they all queue for the one
// connection.
func TestPoolExhausted(t *testing.T) {
	for _, d := range testdb.All {
		t.Run(string(d), func(t *testing.T) {
			noLeaks(t)
			e := serve(t, testdb.Open(t, d))
			b := e.create(t, "Pooled", 1)
			e.sqlDB.SetMaxOpenConns(1)
			ctx := context.Background()
			held, err := e.sqlDB.Conn(ctx)
			require.NoError(t, err)

			update := &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Title: "Changed", Etag: b.Etag}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}}
			calls := map[string]func(ctx context.Context) error{
				"connect Get": func(ctx context.Context) error {
					_, err := e.Books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
					return err
				},
				"connect Update": func(ctx context.Context) error { _, err := e.Books.UpdateBook(ctx, update); return err },
				"grpc Get": func(ctx context.Context) error {
					_, err := e.grpc.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
					return err
				},
				"grpc Create": func(ctx context.Context) error {
					_, err := e.grpc.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Never", AuthorId: e.author, Isbn: 2}})
					return err
				},
				"in-process List": func(ctx context.Context) error {
					_, err := e.Handler.ListBooks(ctx, &libraryv1.ListBooksRequest{})
					return err
				},
				"in-process Update": func(ctx context.Context) error { _, err := e.Handler.UpdateBook(ctx, update); return err },
				"in-process Delete": func(ctx context.Context) error {
					_, err := e.Handler.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: b.Id})
					return err
				},
			}
			// The 150 ms deadline is the behaviour under test (a caller
			// that gives up while it waits for the pool), not a pause.
			var wg sync.WaitGroup
			for name, call := range calls {
				wg.Go(func() {
					dctx, cancel := context.WithTimeout(ctx, 150*time.Millisecond)
					defer cancel()
					err := call(dctx)
					assert.Equal(t, connect.CodeDeadlineExceeded, codeOf(err), "%s: %v", name, err)
				})
			}
			wg.Wait()

			// A client's cancellation reaches the server a moment after the
			// client gave up: wait until every abandoned call has ended, so
			// that none can take the connection once it is free, and none
			// is counted as a waiter of the next phase.
			idle := func() error {
				if n := e.InFlight(); n != 0 {
					return fmt.Errorf("%d calls in flight", n)
				}
				return nil
			}
			testsupport.WaitFor(t, 5*time.Second, "abandoned calls end", idle)

			// Cancelled once every call waits for the connection, as the
			// pool counts its waiters.
			before := e.sqlDB.Stats().WaitCount
			errs := cancelWhen(t, calls, 5*time.Millisecond, func() error {
				if n := e.sqlDB.Stats().WaitCount - before; n < int64(len(calls)) {
					return fmt.Errorf("%d of %d calls wait for the connection", n, len(calls))
				}
				return nil
			})
			for name, err := range errs {
				assert.Equal(t, connect.CodeCanceled, codeOf(err), "%s: %v", name, err)
			}
			testsupport.WaitFor(t, 5*time.Second, "abandoned calls end", idle)
			require.NoError(t, held.Close())
			got, err := e.grpc.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
			require.NoError(t, err, "serving again once the connection is free")
			assert.Equal(t, "Pooled", got.Title, "no call that timed out changed the row")
			assert.Equal(t, b.Etag, got.Etag)
			assert.Nil(t, got.DeleteTime)
			_, err = e.Books.UpdateBook(ctx, update)
			require.NoError(t, err)
			var titles []string
			require.NoError(t, e.db.Model(&libraryv1.BookModel{}).Pluck("title", &titles).Error)
			assert.Equal(t, []string{"Changed"}, titles, "the creates that timed out wrote nothing")
		})
	}
}

// serverDialects are the databases with sessions that lock and can be
// killed.
var serverDialects = []testdb.Dialect{testdb.Postgres, testdb.MySQL}

// lockRow opens a transaction on its own connection that locks the row
// of book id, and returns it; rollback releases it.
func lockRow(t *testing.T, e *env, id int64) *sql.Tx {
	t.Helper()
	tx, err := e.sqlDB.BeginTx(context.Background(), nil)
	require.NoError(t, err)
	t.Cleanup(func() { _ = tx.Rollback() })
	var got int64
	require.NoError(t, tx.QueryRow(rebind(e.db, "SELECT id FROM books WHERE id = ? FOR UPDATE"), id).Scan(&got))
	return tx
}

// rebind turns ? placeholders into PostgreSQL's $n.
func rebind(db *gorm.DB, q string) string {
	if db.Dialector.Name() != "postgres" {
		return q
	}
	var b strings.Builder
	n := 0
	for _, r := range q {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestStatementDeadline lets a statement wait for a row lock past the
// caller's deadline, or be cancelled while it waits: the drivers report
// that in their own ways (pgx cancels the statement, the MySQL driver
// drops the connection), and the caller sees DeadlineExceeded or
// Canceled. The row is unchanged and the service goes on serving.
func TestStatementDeadline(t *testing.T) {
	for _, d := range serverDialects {
		t.Run(string(d), func(t *testing.T) {
			noLeaks(t)
			e := serve(t, testdb.Open(t, d))
			b := e.create(t, "Locked", 1)
			tx := lockRow(t, e, b.Id)
			ctx := context.Background()
			update := &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Title: "Changed", Etag: b.Etag}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}}

			// In process, the code is the service's own mapping of the
			// driver's error. The 300 ms deadlines are the behaviour under
			// test (a statement still waiting when its caller's deadline
			// passes), not pauses.
			dctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
			_, err := e.Handler.UpdateBook(dctx, update)
			cancel()
			assert.Equal(t, connect.CodeDeadlineExceeded, load.CodeOf(err), "%v", err)
			// Cancelled once the database reports the statement waiting
			// for the lock. (On MariaDB the update above still waits on
			// the server: the driver only dropped its connection.)
			busy := busySessions(t, e)
			errs := cancelWhen(t, map[string]func(context.Context) error{"in-process Delete": func(ctx context.Context) error {
				_, err := e.Handler.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: b.Id})
				return err
			}}, lockPoll(e), func() error { _, err := lockWaiter(e, busy); return err })
			err = errs["in-process Delete"]
			assert.Equal(t, connect.CodeCanceled, load.CodeOf(err), "%v", err)
			// Over the socket, the deadline travels with the call.
			dctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
			_, err = e.grpc.UpdateBook(dctx, update)
			cancel()
			assert.Equal(t, codes.DeadlineExceeded, status.Code(err), "%v", err)

			require.NoError(t, tx.Rollback())
			got, err := e.Books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
			require.NoError(t, err)
			assert.Equal(t, "Locked", got.Title)
			assert.Equal(t, b.Etag, got.Etag)
			assert.Nil(t, got.DeleteTime)
			_, err = e.Books.UpdateBook(ctx, update)
			require.NoError(t, err, "serving again")
		})
	}
}

// busySessions lists the sessions of this test's database that run a
// statement now (not idle, nor idle in a transaction), read live: a
// session that waits for a lock later and is not among them is the new
// waiter.
func busySessions(t *testing.T, e *env) map[int64]bool {
	t.Helper()
	q := `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'active'`
	if e.db.Dialector.Name() == "mysql" {
		q = `SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID() AND command <> 'Sleep'`
	}
	var ids []int64
	require.NoError(t, e.db.Raw(q).Scan(&ids).Error)
	busy := map[int64]bool{}
	for _, id := range ids {
		busy[id] = true
	}
	return busy
}

// lockWaiter returns the id of the one session of this test's database,
// not among old, that waits for a row lock, or an error while there is
// none. PostgreSQL reports the wait in pg_stat_activity; InnoDB reports
// the transaction in LOCK WAIT in information_schema.innodb_trx.
func lockWaiter(e *env, old map[int64]bool) (int64, error) {
	q := `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'`
	if e.db.Dialector.Name() == "mysql" {
		q = `SELECT t.trx_mysql_thread_id FROM information_schema.innodb_trx t
			JOIN information_schema.processlist p ON p.id = t.trx_mysql_thread_id
			WHERE t.trx_state = 'LOCK WAIT' AND p.db = DATABASE()`
	}
	var ids []int64
	if err := e.db.Raw(q).Scan(&ids).Error; err != nil {
		return 0, err
	}
	var waiting []int64
	for _, id := range ids {
		if !old[id] {
			waiting = append(waiting, id)
		}
	}
	if len(waiting) != 1 {
		return 0, fmt.Errorf("%d new sessions wait for a lock, want 1 (all waiting: %v)", len(waiting), ids)
	}
	return waiting[0], nil
}

// lockPoll is how often lockWaiter may be polled. InnoDB refreshes the
// snapshot behind innodb_trx only when it has not been read for 100 ms
// (CACHE_MIN_IDLE_TIME), so polling it faster would keep reading the
// same stale snapshot: poll just slower than that. PostgreSQL's view is
// live.
func lockPoll(e *env) time.Duration {
	if e.db.Dialector.Name() == "mysql" {
		return 120 * time.Millisecond
	}
	return 5 * time.Millisecond
}

// backendWaiting returns the id of the session of this test's database,
// not among busy (see busySessions), that waits for a lock, once there is
// one.
func backendWaiting(t *testing.T, e *env, busy map[int64]bool) int64 {
	t.Helper()
	var id int64
	testsupport.Poll(t, 10*time.Second, lockPoll(e), "a session waits for the lock", func() error {
		var err error
		id, err = lockWaiter(e, busy)
		return err
	})
	return id
}

// kill ends a session as an operator or a failing network would.
func kill(t *testing.T, e *env, id int64) {
	t.Helper()
	if e.db.Dialector.Name() == "mysql" {
		require.NoError(t, e.db.Exec(fmt.Sprintf("KILL %d", id)).Error)
		return
	}
	var ok bool
	require.NoError(t, e.db.Raw("SELECT pg_terminate_backend(?)", id).Scan(&ok).Error)
	require.True(t, ok)
}

// TestKilledTransaction kills the connection of a batch transaction after
// it wrote part of its rows, while it waits for a lock: the client gets
// Unavailable (or Aborted), nothing of the batch remains, and the service
// serves again on a fresh connection.
func TestKilledTransaction(t *testing.T) {
	for _, d := range serverDialects {
		t.Run(string(d), func(t *testing.T) {
			noLeaks(t)
			e := serve(t, testdb.Open(t, d))
			ctx := context.Background()
			allowed := []connect.Code{connect.CodeUnavailable, connect.CodeAborted}

			t.Run("BatchCreate", func(t *testing.T) {
				// An uncommitted row holds isbn 100: the batch's second
				// insert waits to know whether it may take it.
				tx, err := e.sqlDB.BeginTx(ctx, nil)
				require.NoError(t, err)
				defer func() { _ = tx.Rollback() }()
				_, err = tx.Exec(rebind(e.db, `INSERT INTO books (title, author_id, state, isbn, tags, metadata, etag) VALUES (?, ?, 0, '100', '[]', '{}', '1')`), "Holder", e.author)
				require.NoError(t, err)

				busy := busySessions(t, e)
				done := make(chan error, 1)
				go func() {
					_, err := e.Books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: []*libraryv1.CreateBookRequest{
						{Book: &libraryv1.Book{Title: "First", AuthorId: e.author, Isbn: 99}},
						{Book: &libraryv1.Book{Title: "Second", AuthorId: e.author, Isbn: 100}},
						{Book: &libraryv1.Book{Title: "Third", AuthorId: e.author, Isbn: 101}},
					}})
					done <- err
				}()
				kill(t, e, backendWaiting(t, e, busy))
				err = <-done
				assert.Contains(t, allowed, load.CodeOf(err), "%v", err)
				assert.NotContains(t, err.Error(), "SQLSTATE", "database errors are not shown")
				t.Logf("killed batch: %v", err)
				require.NoError(t, tx.Rollback())

				var n int64
				require.NoError(t, e.db.Model(&libraryv1.BookModel{}).Where("title IN ?", []string{"First", "Second", "Third", "Holder"}).Count(&n).Error)
				assert.Zero(t, n, "nothing of the killed batch remains")
				e.create(t, "After batch", 99)
			})

			t.Run("BatchDelete", func(t *testing.T) {
				first, second := e.create(t, "Keep 1", 200), e.create(t, "Keep 2", 201)
				tx := lockRow(t, e, second.Id)
				busy := busySessions(t, e)
				done := make(chan error, 1)
				go func() {
					_, err := e.grpc.BatchDeleteBooks(ctx, &libraryv1.BatchDeleteBooksRequest{Ids: []int64{first.Id, second.Id}})
					done <- err
				}()
				kill(t, e, backendWaiting(t, e, busy))
				err := <-done
				assert.Contains(t, allowed, codeOf(err), "%v", err)
				require.NoError(t, tx.Rollback())
				for _, b := range []*libraryv1.Book{first, second} {
					got, err := e.Books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
					require.NoError(t, err)
					assert.Nil(t, got.DeleteTime, "book %d is not deleted", b.Id)
					assert.Equal(t, b.Etag, got.Etag)
				}
				_, err = e.grpc.BatchDeleteBooks(ctx, &libraryv1.BatchDeleteBooksRequest{Ids: []int64{first.Id, second.Id}})
				require.NoError(t, err, "serving again")
			})
		})
	}
}

// countingBooks is the load's client, counting the writes acknowledged to
// it, so that the restart can wait until the load is under way.
type countingBooks struct {
	load.BookClient
	acked atomic.Int64
}

func (c *countingBooks) ack(err error) {
	if err == nil {
		c.acked.Add(1)
	}
}

func (c *countingBooks) CreateBook(ctx context.Context, r *libraryv1.CreateBookRequest) (*libraryv1.Book, error) {
	b, err := c.BookClient.CreateBook(ctx, r)
	c.ack(err)
	return b, err
}

func (c *countingBooks) UpdateBook(ctx context.Context, r *libraryv1.UpdateBookRequest) (*libraryv1.Book, error) {
	b, err := c.BookClient.UpdateBook(ctx, r)
	c.ack(err)
	return b, err
}

func (c *countingBooks) DeleteBook(ctx context.Context, r *libraryv1.DeleteBookRequest) (*libraryv1.Book, error) {
	b, err := c.BookClient.DeleteBook(ctx, r)
	c.ack(err)
	return b, err
}

func (c *countingBooks) BatchCreateBooks(ctx context.Context, r *libraryv1.BatchCreateBooksRequest) (*libraryv1.BatchCreateBooksResponse, error) {
	b, err := c.BookClient.BatchCreateBooks(ctx, r)
	c.ack(err)
	return b, err
}

// TestPostgresRestart restarts a private PostgreSQL in the middle of a
// load: calls fail with Unavailable (or, for those caught mid-way,
// DeadlineExceeded or Aborted) while it is down, the service recovers by
// itself, and afterwards the database holds every acknowledged write,
// no half batch and no lost counter update.
func TestPostgresRestart(t *testing.T) {
	c := newCluster(t)
	for _, mode := range []string{"fast", "immediate"} {
		t.Run(mode, func(t *testing.T) {
			noLeaks(t)
			db, err := gorm.Open(postgres.Open(c.DSN()), &gorm.Config{Logger: logger.Discard})
			require.NoError(t, err)
			sqlDB, err := db.DB()
			require.NoError(t, err)
			t.Cleanup(func() { _ = sqlDB.Close() })
			sqlDB.SetMaxOpenConns(8)
			e := serve(t, db)
			ctx := context.Background()

			type result struct {
				rep *load.Report
				err error
			}
			done := make(chan result, 1)
			started := make(chan struct{})
			books := &countingBooks{BookClient: e.Books}
			go func() {
				rep, err := load.Run(ctx, books, e.Authors, load.Config{Clients: 8, Duration: 2500 * time.Millisecond, Counters: 4,
					RequestTimeout: 2 * time.Second, Seed: 7, Started: func() { close(started) }})
				done <- result{rep, err}
			}()
			select {
			case <-started:
			case res := <-done:
				t.Fatalf("set-up of the load: %v", res.err)
			}
			// Restart once the load is under way: it has had writes
			// acknowledged that the check afterwards must find.
			base := books.acked.Load()
			const underWay = 50
			testsupport.WaitFor(t, 2*time.Second, "the load is under way", func() error {
				if n := books.acked.Load() - base; n < underWay {
					return fmt.Errorf("%d of %d writes acknowledged", n, underWay)
				}
				return nil
			})
			restarted := time.Now()
			c.restart(t, mode)
			t.Logf("%s restart took %v", mode, time.Since(restarted).Round(time.Millisecond))
			res := <-done
			require.NoError(t, res.err)
			rep := res.rep
			table := rep.Markdown("PostgreSQL restarted (" + mode + ")")
			t.Log("\n" + table)
			assert.Empty(t, rep.Unexpected(connect.CodeUnavailable, connect.CodeDeadlineExceeded, connect.CodeAborted), table)
			unavailable := 0
			for _, s := range rep.Stats {
				unavailable += s.Codes[connect.CodeUnavailable]
			}
			assert.Positive(t, unavailable, "the restart was seen by clients\n%s", table)

			// The pool reconnects by itself: a bounded wait, no restart of
			// the service.
			require.EventuallyWithT(t, func(c *assert.CollectT) {
				_, err := e.Books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "after restart", AuthorId: e.author, Isbn: uint64(e.author)}})
				assert.NoError(c, err)
			}, 10*time.Second, 50*time.Millisecond, "the service recovers")

			totals, err := rep.Check(ctx, db)
			require.NoError(t, err, "invariants after the restart\n%s", table)
			require.Positive(t, totals.Increments)
		})
	}
}

// TestCommitOutlivesDeadline: on PostgreSQL, a write whose caller's
// deadline passes while its COMMIT is under way (made slow here by a
// deferred trigger) is committed and answered as committed, not
// DeadlineExceeded: a COMMIT cancelled on its way may have been applied
// already, and the caller would be told it was not. A deadline that has
// passed before the COMMIT is sent rolls the write back, and is
// DeadlineExceeded.
func TestCommitOutlivesDeadline(t *testing.T) {
	noLeaks(t)
	e := serve(t, testdb.Open(t, testdb.Postgres))
	b := e.create(t, "Slow", 1)
	require.NoError(t, e.db.Exec(`CREATE FUNCTION slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN PERFORM pg_sleep(0.6); RETURN NULL; END $$`).Error)
	require.NoError(t, e.db.Exec(`CREATE CONSTRAINT TRIGGER slow_commit AFTER INSERT OR UPDATE ON books
		DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION slow_commit()`).Error)
	ctx := context.Background()

	// The 200 ms deadlines are the behaviour under test (they pass while
	// the 600 ms COMMIT runs), not pauses.
	dctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	up, err := e.Handler.UpdateBook(dctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Title: "Changed", Etag: b.Etag}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
	cancel()
	require.NoError(t, err, "Update: committed, and answered so")
	assert.Equal(t, "Changed", up.Title)
	dctx, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
	del, err := e.Handler.DeleteBook(dctx, &libraryv1.DeleteBookRequest{Id: b.Id})
	cancel()
	require.NoError(t, err, "Delete: committed, and answered so")
	require.NotNil(t, del.DeleteTime)

	got, err := e.Books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
	require.NoError(t, err)
	assert.Equal(t, "Changed", got.Title)
	assert.NotNil(t, got.DeleteTime, "deleted as answered")
	assert.Equal(t, del.Etag, got.Etag)

	// The batch methods run in a GORM transaction (database/sql), whose
	// COMMIT is not cancelled either.
	dctx, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
	created, err := e.Handler.BatchCreateBooks(dctx, &libraryv1.BatchCreateBooksRequest{Requests: []*libraryv1.CreateBookRequest{
		{Book: &libraryv1.Book{Title: "Batch 1", AuthorId: e.author, Isbn: 11}},
		{Book: &libraryv1.Book{Title: "Batch 2", AuthorId: e.author, Isbn: 12}},
	}})
	cancel()
	require.NoError(t, err, "BatchCreate: committed, and answered so")
	require.Len(t, created.Books, 2)
	dctx, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = e.Handler.BatchUpdateBooks(dctx, &libraryv1.BatchUpdateBooksRequest{Requests: []*libraryv1.UpdateBookRequest{
		{Book: &libraryv1.Book{Id: created.Books[0].Id, Title: "Batch 1b"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}},
	}})
	cancel()
	require.NoError(t, err, "BatchUpdate: committed, and answered so")
	dctx, cancel = context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = e.Handler.BatchDeleteBooks(dctx, &libraryv1.BatchDeleteBooksRequest{Ids: []int64{created.Books[1].Id}})
	cancel()
	require.NoError(t, err, "BatchDelete: committed, and answered so")
	got, err = e.Books.GetBook(ctx, &libraryv1.GetBookRequest{Id: created.Books[0].Id})
	require.NoError(t, err)
	assert.Equal(t, "Batch 1b", got.Title)
	got, err = e.Books.GetBook(ctx, &libraryv1.GetBookRequest{Id: created.Books[1].Id})
	require.NoError(t, err)
	assert.NotNil(t, got.DeleteTime)
}
