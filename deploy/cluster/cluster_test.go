// Package cluster_test runs the example on a 3-node MariaDB Galera cluster
// behind HAProxy (deploy/cluster/up) and checks what users of several
// servers on a replicated database rely on: page tokens work across
// servers, etag-guarded updates through different nodes lose nothing, and
// the loss of a database node and of a server under load gives only
// retryable codes, recovers, and keeps every acknowledged write on every
// node. It runs when PROTOFORGE_CLUSTER=1 (.ci/run sets it).
package cluster_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	_ "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testsupport"
)

const lb = "http://127.0.0.1:18080"

// TestMain takes the cluster down after the tests that brought it up,
// unless PROTOFORGE_CLUSTER_KEEP=1.
func TestMain(m *testing.M) {
	code := m.Run()
	if os.Getenv("PROTOFORGE_CLUSTER") == "1" && os.Getenv("PROTOFORGE_CLUSTER_KEEP") != "1" {
		_ = exec.Command(filepath.Join(gentest.RepoRoot(), "deploy/cluster/down")).Run()
	}
	os.Exit(code)
}

func script(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(gentest.RepoRoot(), "deploy/cluster", args[0]), args[1:]...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "deploy/cluster/%s:\n%s", strings.Join(args, " "), out)
}

func up(t *testing.T) {
	if os.Getenv("PROTOFORGE_CLUSTER") != "1" {
		msg := "*** SKIPPING " + t.Name() + ": set PROTOFORGE_CLUSTER=1 to run the Galera cluster tests (deploy/cluster/up) ***"
		testsupport.SkipNotice(msg)
		t.Skip(msg)
	}
	script(t, "up")
}

// nodes opens each Galera node directly.
func nodes(t *testing.T) []*sql.DB {
	var out []*sql.DB
	for i := 1; i <= 3; i++ {
		db, err := sql.Open("mysql", fmt.Sprintf("protoforge:protoforge@tcp(127.0.0.1:%d)/library", 13300+i))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		out = append(out, db)
	}
	return out
}

func clients(t *testing.T) (libraryv1connect.BookServiceClient, libraryv1connect.AuthorServiceClient, libraryv1.BookServiceClient) {
	conn, err := grpc.NewClient("127.0.0.1:18080", grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	h := &http.Client{Timeout: 10 * time.Second}
	return libraryv1connect.NewBookServiceClient(h, lb, connect.WithProtoJSON()),
		libraryv1connect.NewAuthorServiceClient(h, lb, connect.WithProtoJSON()),
		libraryv1.NewBookServiceClient(conn)
}

func code(err error) connect.Code {
	if err == nil {
		return 0
	}
	if s, ok := status.FromError(err); ok && s.Code() != 0 {
		return connect.Code(s.Code())
	}
	return connect.CodeOf(err)
}

// TestAcrossServers: consecutive calls land on different servers (round
// robin); page tokens and etags work across them, and concurrent updates
// of one book through every server lose none.
func TestAcrossServers(t *testing.T) {
	up(t)
	books, authors, grpcBooks := clients(t)
	ctx := context.Background()
	a, err := authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Across " + time.Now().Format(time.RFC3339Nano)}})
	require.NoError(t, err)
	run := time.Now().UnixNano()
	for i := 0; i < 7; i++ {
		_, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: fmt.Sprintf("page %02d", i), AuthorId: a.Id, Isbn: uint64(run + int64(i))}})
		require.NoError(t, err)
	}
	// Seven pages of one book, each call through the balancer.
	var titles []string
	req := &libraryv1.ListBooksRequest{PageSize: 1, Filter: fmt.Sprintf("author_id = %d", a.Id), OrderBy: "title"}
	for {
		page, err := books.ListBooks(ctx, req)
		require.NoError(t, err, "a token of one server is accepted by the next")
		for _, b := range page.Books {
			titles = append(titles, b.Title)
		}
		if page.NextPageToken == "" {
			break
		}
		req.PageToken = page.NextPageToken
	}
	assert.Len(t, titles, 7)
	assert.True(t, sort.StringsAreSorted(titles))

	// Twelve clients update one book through every server, each with the
	// etag it read: every update that succeeded moved the etag once.
	target, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "contended", AuthorId: a.Id, Isbn: uint64(run + 100)}})
	require.NoError(t, err)
	var mu sync.Mutex
	ok, stale := 0, 0
	var wg sync.WaitGroup
	deadline := time.Now().Add(3 * time.Second)
	for c := 0; c < 12; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for n := 0; time.Now().Before(deadline); n++ {
				got, err := grpcBooks.GetBook(ctx, &libraryv1.GetBookRequest{Id: target.Id})
				if err != nil {
					t.Errorf("GetBook: %v", err)
					return
				}
				_, err = grpcBooks.UpdateBook(ctx, &libraryv1.UpdateBookRequest{
					Book:       &libraryv1.Book{Id: target.Id, Title: fmt.Sprintf("client %d update %d", c, n), AuthorId: a.Id, Isbn: target.Isbn, Etag: got.Etag},
					UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}},
				})
				mu.Lock()
				switch code(err) {
				case 0:
					ok++
				case connect.CodeAborted:
					stale++
				default:
					t.Errorf("UpdateBook: %v", err)
				}
				mu.Unlock()
			}
		}(c)
	}
	wg.Wait()
	final, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: target.Id})
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprint(ok+1), final.Etag, "%d updates succeeded (%d stale): the etag moved once per success", ok, stale)
	assert.Greater(t, ok, 10)
	for i, db := range nodes(t) {
		var etag string
		require.NoError(t, db.QueryRow("SELECT etag FROM books WHERE id = ?", target.Id).Scan(&etag))
		assert.Equal(t, final.Etag, etag, "node %d", i+1)
	}
}

// TestNodeLoss runs mixed load through the balancer (creates, reads, and
// reads and updates of one shared book) while one database node is killed
// and restarted (it rejoins by IST) and one server is killed and
// restarted: during the fault only Unavailable, Aborted and
// DeadlineExceeded are seen (and AlreadyExists for a create that arrived
// twice, whose book is then stored once), no client sees the shared book's etag go
// back, the last seconds are clean, and every acknowledged create is on
// every node. CLUSTER_LOAD_CLIENTS and CLUSTER_LOAD_SECONDS size it
// (default 12 clients, 16 s).
func TestNodeLoss(t *testing.T) {
	up(t)
	books, authors, _ := clients(t)
	ctx := context.Background()
	a, err := authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Load " + time.Now().Format(time.RFC3339Nano)}})
	require.NoError(t, err)
	run := time.Now().UnixNano()

	var mu sync.Mutex
	var created []int64
	var replayed []uint64 // the ISBNs of creates answered AlreadyExists
	errs := map[connect.Code]int{}
	shared, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "shared", AuthorId: a.Id, Isbn: uint64(run - 1)}})
	require.NoError(t, err)
	var firstErr, lastErr time.Time
	contended := 0
	start := time.Now()
	stop := start.Add(time.Duration(envInt("CLUSTER_LOAD_SECONDS", 16)) * time.Second)
	var wg sync.WaitGroup
	for c := 0; c < envInt("CLUSTER_LOAD_CLIENTS", 12); c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			seen := int64(0) // the highest etag of the shared book this client saw
			etag := func(b *libraryv1.Book) {
				e, _ := strconv.ParseInt(b.GetEtag(), 10, 64)
				if e < seen {
					t.Errorf("client %d saw etag %d after %d: etags go back", c, e, seen)
				}
				seen = e
			}
			for n := 0; time.Now().Before(stop); n++ {
				cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
				isbn := uint64(run + int64(c*100000+n))
				b, err := books.CreateBook(cctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: fmt.Sprintf("load %d-%d", c, n), AuthorId: a.Id, Isbn: isbn}})
				if code(err) == connect.CodeAlreadyExists {
					// A create sent again after its connection broke (by
					// the load balancer or the client's transport) finds
					// the row its first sending stored: checked below to
					// be stored once.
					cancel()
					mu.Lock()
					replayed = append(replayed, isbn)
					mu.Unlock()
					continue
				}
				if err == nil {
					_, err = books.GetBook(cctx, &libraryv1.GetBookRequest{Id: b.Id})
				}
				if err == nil {
					var s *libraryv1.Book
					if s, err = books.GetBook(cctx, &libraryv1.GetBookRequest{Id: shared.Id}); err == nil {
						etag(s)
					}
				}
				if err == nil && n%4 == 0 {
					s, uerr := books.UpdateBook(cctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: shared.Id, Title: fmt.Sprintf("shared %d-%d", c, n)},
						UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
					switch code(uerr) {
					case 0:
						etag(s)
					case connect.CodeAborted:
						// Every client updates this one row: Galera's
						// certification conflicts outlast the retries at
						// times, with or without a fault. Aborted says
						// retry, which is right.
						mu.Lock()
						contended++
						mu.Unlock()
					default:
						err = uerr
					}
				}
				cancel()
				mu.Lock()
				if err == nil {
					created = append(created, b.Id)
				} else {
					errs[code(err)]++
					lastErr = time.Now()
					if firstErr.IsZero() {
						firstErr = lastErr
					}
					if k := code(err); k != connect.CodeUnavailable && k != connect.CodeAborted && k != connect.CodeDeadlineExceeded {
						t.Errorf("during the fault: %v", err)
					}
				}
				mu.Unlock()
				if b == nil {
					time.Sleep(50 * time.Millisecond)
				}
			}
		}(c)
	}
	time.Sleep(3 * time.Second)
	killed := time.Now()
	script(t, "node", "kill", "3")
	time.Sleep(time.Second)
	script(t, "server", "kill", "2")
	time.Sleep(2 * time.Second)
	script(t, "node", "start", "3")
	script(t, "server", "start", "2")
	recovered := time.Now()
	wg.Wait()
	t.Logf("%d creates acknowledged; %d updates of the shared book Aborted by contention; errors by code during the fault: %v; errors from %v to %v after the node was killed (window %v); last error %v after recovery",
		len(created), contended, errs, firstErr.Sub(killed).Round(time.Millisecond), lastErr.Sub(killed).Round(time.Millisecond), lastErr.Sub(firstErr).Round(time.Millisecond), lastErr.Sub(recovered).Round(time.Millisecond))
	assert.Greater(t, len(created), 50)
	assert.True(t, lastErr.IsZero() || lastErr.Before(recovered.Add(4*time.Second)), "errors %v after the node and server were back", lastErr.Sub(recovered))

	// The servers that lived through the fault hold no goroutine of the
	// runtime once the load is over (servers 1 and 3; 3 lost its node).
	time.Sleep(2 * time.Second)
	for _, i := range []int{1, 3} {
		assert.Zero(t, runtimeGoroutines(t, i), "server %d: goroutines still in crudrt after the load", i)
	}
	// Ids the nodes assigned concurrently never collide: Galera gives each
	// node its own auto_increment_offset.
	ids := map[int64]bool{}
	for _, id := range created {
		assert.False(t, ids[id], "id %d assigned twice", id)
		ids[id] = true
	}
	for i, db := range nodes(t) {
		var name string
		var inc int
		require.NoError(t, db.QueryRow("SHOW VARIABLES LIKE 'auto_increment_increment'").Scan(&name, &inc))
		assert.Equal(t, 3, inc, "node %d", i+1)
	}

	// Every acknowledged create is on every node; a create answered
	// AlreadyExists is stored once.
	t.Logf("%d creates answered AlreadyExists, sent again after their connection broke", len(replayed))
	for i, db := range nodes(t) {
		for _, isbn := range replayed {
			var n int
			require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM books WHERE isbn = ?", strconv.FormatUint(isbn, 10)).Scan(&n))
			assert.Equal(t, 1, n, "node %d: the book of ISBN %d, whose create was answered AlreadyExists, is stored %d times", i+1, isbn, n)
		}
	}
	for i, db := range nodes(t) {
		var n int
		require.NoError(t, db.QueryRow("SELECT COUNT(*) FROM books WHERE author_id = ?", a.Id).Scan(&n))
		assert.GreaterOrEqual(t, n, len(created), "node %d", i+1)
		for _, id := range created {
			var got int64
			if err := db.QueryRow("SELECT id FROM books WHERE id = ?", id).Scan(&got); err != nil {
				if errors.Is(err, sql.ErrNoRows) {
					t.Errorf("node %d lacks acknowledged book %d", i+1, id)
				} else {
					t.Errorf("node %d: %v", i+1, err)
				}
				break
			}
		}
	}
}

// runtimeGoroutines counts the goroutines of example server i whose stack
// is in crudrt, from its /debug/pprof/ listener.
func runtimeGoroutines(t *testing.T, i int) int {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/goroutine?debug=1", 19080+i))
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	n, all := 0, 0
	for _, block := range strings.Split(string(b), "\n\n") {
		var count int
		if _, err := fmt.Sscanf(block, "%d @", &count); err != nil {
			continue
		}
		all += count
		if strings.Contains(block, "protoforge/crudrt") {
			n += count
		}
	}
	require.Greater(t, all, 3, "server %d's goroutine profile reads as goroutines:\n%s", i, b)
	return n
}
