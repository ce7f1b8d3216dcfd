package main_test

import (
	"context"
	"database/sql"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// TestStatelessServers runs two servers on one database, as behind a load
// balancer: with the same --page-token-key a page token issued by one is
// accepted by the other; with different keys it is refused, not misread.
// Both answer /livez and /readyz.
func TestStatelessServers(t *testing.T) {
	t.Parallel()
	const key = "0123456789abcdef-shared"
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "library.db")
	a := start(t, dbURL, "--page-token-key", key)
	b := start(t, dbURL, "--page-token-key", key)
	c := start(t, dbURL, "--page-token-key", "another-key-of-16-bytes")
	const js = "application/json"
	code, body := do(t, "POST", a.url("/v1/authors"), js, `{"displayName":"Ursula"}`)
	require.Equal(t, 200, code, body)
	for i, title := range []string{"A", "B", "C"} {
		code, body := do(t, "POST", a.url("/v1/books"), js, `{"title":"`+title+`","authorId":"1","isbn":"`+string(rune('1'+i))+`"}`)
		require.Equal(t, 200, code, body)
	}
	_, token := listTitles(t, a, "page_size=1&order_by=title")
	require.NotEmpty(t, token)
	titles, _ := listTitles(t, b, "page_size=1&order_by=title&page_token="+token) // server b takes server a's token
	assert.Equal(t, []string{"B"}, titles)
	code, body = do(t, "GET", c.url("/v1/books?page_size=1&order_by=title&page_token="+token), "", "")
	assert.Equal(t, 400, code, "a server with another key refuses the token: %s", body)

	for _, s := range []*server{a, b} {
		code, body := do(t, "GET", s.url("/readyz"), "", "")
		assert.Equal(t, 200, code, body)
		code, body = do(t, "GET", s.url("/livez"), "", "")
		assert.Equal(t, 200, code, body)
	}
	// A key too short is refused at start.
	out, err := exec.Command(serverBin, "--addr", freeAddr(t), "--database-url", dbURL, "--page-token-key", "short").CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(out), "--page-token-key: at least 16 bytes")
}

// holdPlace takes the only place of a server run with --max-in-flight 1
// on the SQLite database at path: the test holds the database's write
// lock, so that a Create waits for it (the server's busy_timeout is 5 s)
// in its place. The func it returns lets the lock go and checks that the
// Create was then served.
func holdPlace(t *testing.T, s *server, path string) func() {
	t.Helper()
	unlock := holdWriteLock(t, path)
	done := make(chan int, 1)
	go func() {
		for {
			// Turned away while a probe of placeTaken held the place:
			// again.
			code, _ := do(t, "POST", s.url("/v1/authors"), "application/json", `{"displayName":"Held"}`)
			if code != 429 {
				done <- code
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	// The Create may come after other requests, under load.
	for attempt := 0; !placeTaken(t, s); attempt++ {
		if attempt == 10 {
			t.Fatal("the held request never took the place")
		}
	}
	return func() {
		unlock()
		assert.Equal(t, 200, <-done, "the held Create, served once the lock is gone")
	}
}

// holdWriteLock takes the write lock of the SQLite database at path, as
// another process would; the func it returns lets it go.
func holdWriteLock(t *testing.T, path string) func() {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	conn, err := db.Conn(context.Background())
	require.NoError(t, err)
	_, err = conn.ExecContext(context.Background(), "BEGIN IMMEDIATE")
	require.NoError(t, err)
	return func() {
		_, err := conn.ExecContext(context.Background(), "ROLLBACK")
		require.NoError(t, err)
		_ = conn.Close()
	}
}

// placeTaken waits until a request to s is turned away.
func placeTaken(t *testing.T, s *server) bool {
	for i := 0; i < 20; i++ {
		if code, _ := do(t, "GET", s.url("/v1/books"), "", ""); code == 429 {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// TestOverload drives the real server past --max-in-flight 1 with
// --max-queue-wait 0: while one request holds the only place (a Create
// waiting for the database's write lock), concurrent requests are turned
// away at once with HTTP 429 and Retry-After (REST) or resource_exhausted
// (Connect), each with the ErrorInfo reason SERVER_BUSY, never queued
// without bound, and /readyz answers throughout; once the request ends,
// requests are served again.
func TestOverload(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "library.db")
	s := start(t, "sqlite:"+path, "--max-in-flight", "1", "--max-queue-wait", "0s")
	code, body := do(t, "POST", s.url("/v1/authors"), "application/json", `{"displayName":"Frank"}`)
	require.Equal(t, 200, code, body)

	end := holdPlace(t, s, path)

	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			method, path, ct, body := "GET", "/v1/books?page_size=100", "", "" // REST
			if i%2 == 1 {
				method, path, ct, body = "POST", "/library.v1.BookService/ListBooks", "application/json", "{}" // Connect
			}
			code, got := do(t, method, s.url(path), ct, body)
			mu.Lock()
			codes[code]++
			mu.Unlock()
			if code == 429 {
				assert.Contains(t, got, "SERVER_BUSY", "the ErrorInfo reason")
			}
		}()
	}
	code, body = do(t, "GET", s.url("/readyz"), "", "")
	assert.Equal(t, 200, code, "health under overload: %s", body)
	resp, _ := webTextCall(t, s.url("/library.v1.BookService/ListBooks"), "application/grpc-web-text", textFrame(t, &libraryv1.ListBooksRequest{}))
	assert.Equal(t, 200, resp.StatusCode, "gRPC-Web text: the status is in the headers")
	assert.Equal(t, "8", resp.Header.Get("Grpc-Status"), "gRPC-Web text is turned away as ResourceExhausted")
	assert.Equal(t, "application/grpc-web-text+proto", resp.Header.Get("Content-Type"))
	wg.Wait()
	assert.Equal(t, map[int]int{429: 40}, codes, "every request past the held one is turned away")

	end()
	// The handler may still be returning as its answer goes: the place
	// frees a moment later.
	for i := 0; i < 50; i++ {
		if code, body = do(t, "POST", s.url("/library.v1.BookService/ListBooks"), "application/json", `{}`); code != 429 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	assert.Equal(t, 200, code, "served again once the load is gone: %s", body)
	assert.NotContains(t, body, "resource_exhausted")
}

// TestReflectionHoldsNoPlace: open server reflection streams (grpcurl's,
// an IDE's) take no place of --max-in-flight: a client cannot turn every
// other request away by keeping streams open.
func TestReflectionHoldsNoPlace(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"), "--max-in-flight", "1", "--max-queue-wait", "0s")
	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	for i := 0; i < 3; i++ {
		stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx)
		require.NoError(t, err)
		require.NoError(t, stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}))
		res, err := stream.Recv()
		require.NoError(t, err)
		require.NotEmpty(t, res.GetListServicesResponse().GetService())
	}
	for i := 0; i < 5; i++ {
		code, body := do(t, "GET", s.url("/v1/books"), "", "")
		require.Equal(t, 200, code, "with three reflection streams open: %s", body)
	}
}
