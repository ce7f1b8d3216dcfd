package main_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/grpcreflect"
	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/internal/testsupport"
)

var serverBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "server-bin")
	if err != nil {
		panic(err)
	}
	serverBin = filepath.Join(dir, "server")
	cmd := exec.Command("go", "build", "-o", serverBin, "./example/cmd/server")
	cmd.Dir = gentest.RepoRoot()
	if out, err := cmd.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build server: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// server is a running server binary.
type server struct {
	cmd  *exec.Cmd
	addr string
	log  *syncBuffer
	// exited is closed once the process has exited and its stderr is
	// all in log; err is then its exit status. A closed channel, not a
	// value, so that any number of waiters (the test, the cleanup) see it.
	exited chan struct{}
	err    error
}

// syncBuffer is the server's stderr: written by exec's copying goroutine
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().String()
}

// start runs the binary and waits until it listens.
func start(t *testing.T, databaseURL string, extra ...string) *server {
	t.Helper()
	return startEnv(t, nil, databaseURL, extra...)
}

// startEnv is start with env added to the binary's environment.
func startEnv(t *testing.T, env []string, databaseURL string, extra ...string) *server {
	t.Helper()
	s := &server{addr: freeAddr(t), log: &syncBuffer{}, exited: make(chan struct{})}
	s.cmd = exec.Command(serverBin, append([]string{"--addr", s.addr, "--database-url", databaseURL}, extra...)...)
	if env != nil {
		s.cmd.Env = append(os.Environ(), env...)
	}
	stdout, err := s.cmd.StdoutPipe()
	require.NoError(t, err)
	s.cmd.Stderr = s.log
	require.NoError(t, s.cmd.Start())
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second): // a bound, not a pause: returns on exit
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		require.Contains(t, line, "serving library.v1", "log:\n%s", s.log)
	case <-s.exited:
		t.Fatalf("server exited: %v\n%s", s.err, s.log)
	case <-time.After(60 * time.Second): // a bound: returns on the first line
		t.Fatalf("server did not start\n%s", s.log)
	}
	return s
}

func (s *server) url(path string) string { return "http://" + s.addr + path }

// onEachDatabase runs f, in parallel subtests, with a server on a new
// database of each kind.
func onEachDatabase(t *testing.T, f func(t *testing.T, s *server)) {
	t.Helper()
	for _, name := range []string{"sqlite", "postgres", "mysql"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, start(t, databaseURLs[name](t)))
		})
	}
}

// connectAuthor creates the author "Ursula" on s over Connect JSON, as curl
// would, and returns its id as JSON gives it.
func connectAuthor(t *testing.T, s *server) string {
	t.Helper()
	code, body := do(t, "POST", s.url("/library.v1.AuthorService/CreateAuthor"), "application/json", `{"author":{"displayName":"Ursula"}}`)
	require.Equal(t, 200, code, body)
	var author struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &author))
	return author.ID
}

// grpcLibrary is a grpc-go client of s's books and an author it created,
// "Frank".
func grpcLibrary(t *testing.T, s *server) (libraryv1.BookServiceClient, *libraryv1.Author) {
	t.Helper()
	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	a, err := libraryv1.NewAuthorServiceClient(conn).CreateAuthor(context.Background(), &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Frank"}})
	require.NoError(t, err)
	return libraryv1.NewBookServiceClient(conn), a
}

// databaseURLs make a new database of each kind for a test and return
// the server's --database-url for it.
var databaseURLs = map[string]func(t *testing.T) string{
	"sqlite":   func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "library.db") },
	"postgres": func(t *testing.T) string { return testdb.DSN(t, testdb.Postgres) },
	"mysql":    mysqlURL,
}

func mysqlURL(t *testing.T) string {
	dsn := testdb.DSN(t, testdb.MySQL)
	cfg, err := mysqldriver.ParseDSN(dsn)
	require.NoError(t, err)
	u := "mysql://" + cfg.User
	if cfg.Passwd != "" {
		u += ":" + cfg.Passwd
	}
	return u + "@" + cfg.Addr + "/" + cfg.DBName
}

func do(t *testing.T, method, url, contentType, body string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestServer talks to the real binary over every protocol it serves, on
// SQLite (the default), PostgreSQL and MySQL/MariaDB.
func TestServer(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, s *server) {
		const js = "application/json"

		// Connect JSON over HTTP/1.1, as curl sends it.
		authorID := connectAuthor(t, s)

		// REST on the default AIP routes.
		code, body := do(t, "POST", s.url("/v1/books"), js, fmt.Sprintf(`{"title":"Dune","authorId":%q,"isbn":"18446744073709551615"}`, authorID))
		require.Equal(t, 200, code, body)
		assert.Contains(t, body, `"isbn":"18446744073709551615"`)
		code, body = do(t, "GET", s.url("/v1/books/1"), "", "")
		assert.Equal(t, 200, code, body)
		code, body = do(t, "GET", s.url("/v1/books?filter=isbn%20%3E%209223372036854775807&page_size=10"), "", "")
		assert.Equal(t, 200, code, body)
		assert.Contains(t, body, "Dune")
		code, body = do(t, "PATCH", s.url("/v1/books/1?update_mask=title"), js, `{"title":"Dune Messiah"}`)
		assert.Equal(t, 200, code, body)
		assert.Contains(t, body, `"etag":"2"`)
		code, body = do(t, "GET", s.url("/v1/authors/"+authorID), "", "")
		assert.Equal(t, 200, code, body)
		code, _ = do(t, "GET", s.url("/v1/books/999"), "", "")
		assert.Equal(t, 404, code)

		// grpc-go over h2c on the same port.
		conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		require.NoError(t, err)
		defer conn.Close()
		b, err := libraryv1.NewBookServiceClient(conn).GetBook(context.Background(), &libraryv1.GetBookRequest{Id: 1})
		require.NoError(t, err)
		assert.Equal(t, "Dune Messiah", b.Title)

		// gRPC-Web, framed by hand as a browser library would.
		msg, err := proto.Marshal(&libraryv1.GetBookRequest{Id: 1})
		require.NoError(t, err)
		frame := append([]byte{0, 0, 0, 0, 0}, msg...)
		binary.BigEndian.PutUint32(frame[1:5], uint32(len(msg)))
		code, body = do(t, "POST", s.url("/library.v1.BookService/GetBook"), "application/grpc-web+proto", string(frame), "X-Grpc-Web", "1", "Origin", "http://example.test")
		require.Equal(t, 200, code)
		require.Greater(t, len(body), 5)
		var got libraryv1.Book
		n := binary.BigEndian.Uint32([]byte(body[1:5]))
		require.NoError(t, proto.Unmarshal([]byte(body[5:5+n]), &got))
		assert.Equal(t, "Dune Messiah", got.Title)
		assert.Contains(t, body[5+n:], "grpc-status: 0", "trailers frame")

		// Reflection lists the services; health answers SERVING.
		h2c := &http.Client{Transport: &http.Transport{Protocols: func() *http.Protocols {
			p := new(http.Protocols)
			p.SetUnencryptedHTTP2(true)
			return p
		}()}}
		rc := grpcreflect.NewClient(h2c, s.url(""))
		stream := rc.NewStream(context.Background())
		names, err := stream.ListServices()
		require.NoError(t, err)
		_, _ = stream.Close()
		assert.Contains(t, names, protoreflect.FullName("library.v1.BookService"))
		code, body = do(t, "POST", s.url("/grpc.health.v1.Health/Check"), js, `{"service":"library.v1.BookService"}`)
		assert.Equal(t, 200, code, body)
		assert.Contains(t, body, "SERVING")

		// CORS preflight.
		req, _ := http.NewRequest("OPTIONS", s.url("/library.v1.BookService/GetBook"), nil)
		req.Header.Set("Origin", "http://example.test")
		req.Header.Set("Access-Control-Request-Method", "POST")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, 204, res.StatusCode)
		assert.Equal(t, "http://example.test", res.Header.Get("Access-Control-Allow-Origin"))

		// Bad input: proper errors, never a crash.
		code, body = do(t, "POST", s.url("/library.v1.BookService/GetBook"), js, `{"id":`)
		assert.Equal(t, 400, code, body)
		assert.Contains(t, body, "invalid_argument")
		code, _ = do(t, "POST", s.url("/library.v1.BookService/GetBook"), "text/plain", `hello`)
		assert.Equal(t, 415, code)
		code, _ = do(t, "GET", s.url("/v1/nowhere"), "", "")
		assert.Equal(t, 404, code)
		code, _ = do(t, "POST", s.url("/library.v1.BookService/CreateBook"), js, `{"book":{"title":"`+strings.Repeat("x", 5<<20)+`"}}`)
		assert.Contains(t, []int{413, 400, 429}, code, "oversized bodies are refused")
		code, _ = do(t, "GET", s.url("/v1/books/1"), "", "")
		assert.Equal(t, 200, code, "still serving")
		// The server logs a request after answering it: the line may
		// reach its stderr a moment after the client has the answer.
		testsupport.WaitFor(t, 5*time.Second, "structured request logs", func() error {
			if !strings.Contains(s.log.String(), "msg=request") {
				return errors.New("no msg=request in the log")
			}
			return nil
		})
	})
}

// TestGracefulShutdown sends SIGTERM while a request is in flight: the
// request completes and the server exits 0.
//
// No sleeps: the request asks for 100 Continue, which the server sends
// only once its handler reads the body, so the request is known to be in
// the handler when SIGTERM is sent; the rest of the body is sent once the
// server has stopped accepting connections, so the request is known to
// span the shutdown.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	pr, pw := io.Pipe()
	defer pw.Close()
	inHandler := make(chan struct{})
	ctx := httptrace.WithClientTrace(context.Background(), &httptrace.ClientTrace{
		Got100Continue: func() { close(inHandler) },
	})
	req, err := http.NewRequestWithContext(ctx, "POST", s.url("/library.v1.AuthorService/CreateAuthor"), pr)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Expect", "100-continue")
	// Its own transport: the body waits for 100 Continue, however long.
	transport := &http.Transport{ExpectContinueTimeout: time.Minute}
	defer transport.CloseIdleConnections()
	type answer struct {
		code int
		err  error
	}
	result := make(chan answer, 1)
	go func() {
		res, err := (&http.Client{Transport: transport}).Do(req)
		if err != nil {
			result <- answer{err: err}
			return
		}
		res.Body.Close()
		result <- answer{code: res.StatusCode}
	}()
	select {
	case <-inHandler:
	case a := <-result:
		t.Fatalf("the request ended (%d, %v) before its handler read the body\n%s", a.code, a.err, s.log)
	case <-s.exited:
		t.Fatalf("server exited: %v\n%s", s.err, s.log)
	case <-time.After(15 * time.Second): // a bound: returns on 100 Continue
		t.Fatalf("no 100 Continue: the handler never read the body\n%s", s.log)
	}
	_, err = pw.Write([]byte(`{"author":{"displayName":`))
	require.NoError(t, err)
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	// Shutdown closes the listener first, then waits for active requests.
	testsupport.WaitFor(t, 15*time.Second, "the server stops accepting connections", func() error {
		c, err := net.Dial("tcp", s.addr)
		if err == nil {
			_ = c.Close()
			return errors.New("still accepting connections")
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			return err
		}
		return nil
	})
	select {
	case <-s.exited:
		t.Fatalf("the server exited with a request in flight: %v\n%s", s.err, s.log)
	default:
	}
	_, err = pw.Write([]byte(`"Late"}}`))
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	a := <-result
	require.NoError(t, a.err, "the in-flight request completes")
	assert.Equal(t, 200, a.code, "the in-flight request completes")
	select {
	case <-s.exited:
		assert.NoError(t, s.err, "exit status\n%s", s.log)
	case <-time.After(15 * time.Second): // a bound: returns on exit
		t.Fatal("server did not stop")
	}
	assert.Contains(t, s.log.String(), "draining")
}

// TestStartupFailures: an unreachable database fails fast and clearly; a
// database whose migrations are ahead of the binary is refused.
func TestStartupFailures(t *testing.T) {
	t.Parallel()
	startAt := time.Now()
	out, err := exec.Command(serverBin, "--addr", freeAddr(t), "--database-url", "postgres://postgres@127.0.0.1:1/none?sslmode=disable").CombinedOutput()
	require.Error(t, err)
	assert.Less(t, time.Since(startAt), 15*time.Second)
	assert.Contains(t, string(out), "cannot reach postgres database")

	out, err = exec.Command(serverBin, "--database-url", "oracle://x").CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "want postgres://")

	out, err = exec.Command(serverBin, "--addr", freeAddr(t), "--database-url", "sqlite:"+filepath.Join(t.TempDir(), "missing", "library.db")).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "missing does not exist (SQLite creates the file, not its directory)")

	// A port that is taken: the error, and no failed purge of request ids
	// claiming a fault (the purge ended before the database closed).
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer taken.Close()
	out, err = exec.Command(serverBin, "--addr", taken.Addr().String(), "--request-id-retention", "1ms", "--database-url", "sqlite:"+filepath.Join(t.TempDir(), "library.db")).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "address already in use")
	assert.NotContains(t, string(out), "level=WARN")
	assert.NotContains(t, string(out), "ERROR")

	path := filepath.Join(t.TempDir(), "library.db")
	s := start(t, "sqlite:"+path)
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	<-s.exited
	db := testdb.OpenPath(t, path)
	require.NoError(t, db.Exec("INSERT INTO goose_db_version (version_id, is_applied) VALUES (99, true)").Error)
	out, err = exec.Command(serverBin, "--addr", freeAddr(t), "--database-url", "sqlite:"+path).CombinedOutput()
	require.Error(t, err)
	assert.Contains(t, string(out), "at migration 99")
}

// TestReadmeCommands runs the quick-start commands of README.md, as
// written, against the server binary: curl with Connect JSON and REST, and
// buf curl through reflection.
func TestReadmeCommands(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile(filepath.Join(gentest.RepoRoot(), "README.md"))
	require.NoError(t, err)
	var cmds []string
	inQuickStart := false
	for _, line := range strings.Split(strings.ReplaceAll(string(readme), "\\\n", ""), "\n") {
		switch {
		case strings.HasPrefix(line, "## "):
			inQuickStart = line == "## Quick start"
		case inQuickStart && (strings.HasPrefix(line, "curl ") || strings.HasPrefix(line, "buf curl ")):
			cmds = append(cmds, line)
		}
	}
	require.GreaterOrEqual(t, len(cmds), 5, "README's quick start shows curl and buf curl commands")
	if _, err := exec.LookPath("curl"); err != nil {
		// A missing tool fails under CI (.ci/run installs it) and skips
		// loudly elsewhere.
		if os.Getenv("CI") == "true" {
			t.Fatal("curl is not installed and CI=true: apt-get install curl (.ci/run does)")
		}
		msg := fmt.Sprintf("*** SKIPPING %s: curl is not installed: apt-get install curl ***", t.Name())
		testsupport.SkipNotice(msg)
		t.Skip(msg)
	}
	require.NoError(t, testsupport.WarmBuf(gentest.RepoRoot()))
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	for _, c := range cmds {
		c = strings.ReplaceAll(c, "127.0.0.1:8080", s.addr)
		if strings.HasPrefix(c, "buf curl") {
			c = "go tool -modfile=tools.mod " + c
		}
		cmd := exec.Command("sh", "-c", c)
		cmd.Dir = gentest.RepoRoot()
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s\n%s", c, out)
		assert.NotContains(t, string(out), `"code"`, "%s answered an error: %s", c, out)
	}
}

// TestReadmeMigrateCommands runs README's migrate commands, as written,
// on a copy of the example's migrations: the committed migrations are
// current, so diff writes nothing and check passes.
func TestReadmeMigrateCommands(t *testing.T) {
	t.Parallel()
	root := gentest.RepoRoot()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	var cmds []string
	for _, line := range strings.Split(strings.ReplaceAll(string(readme), "\\\n", ""), "\n") {
		if strings.HasPrefix(line, "go run ./cmd/protoc-gen-orm migrate ") {
			cmds = append(cmds, strings.Join(strings.Fields(line), " "))
		}
	}
	require.Len(t, cmds, 2, "README shows migrate diff and migrate check")
	dir := t.TempDir()
	require.NoError(t, os.CopyFS(dir, os.DirFS(filepath.Join(root, "example/migrations"))))
	for _, c := range cmds {
		c = strings.ReplaceAll(c, "--dir example/migrations", "--dir "+dir)
		cmd := exec.Command("sh", "-c", c)
		cmd.Dir = root
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s\n%s", c, out)
		assert.Regexp(t, "No changes|OK:", string(out), c)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "sqlite"))
	require.NoError(t, err)
	orig, err := os.ReadDir(filepath.Join(root, "example/migrations/sqlite"))
	require.NoError(t, err)
	assert.Equal(t, len(orig), len(entries), "nothing was written")
}

// TestStrictJSON: JSON requests are read strictly over Connect and REST
// alike (crudrt.JSON, crudrt.RESTJSON): an unknown enum name, an unknown
// field, a duplicate key or a value of the wrong type is InvalidArgument
// (HTTP 400) naming it, never dropped, and nothing is stored.
func TestStrictJSON(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	const js = "application/json"
	connectAuthor(t, s)
	for name, tc := range map[string]struct{ restBody, mention string }{
		"unknown enum name":  {`{"title":"A","authorId":"1","state":"BOOK_STATE_BOGUS"}`, `enum field state: \"BOOK_STATE_BOGUS`},
		"unknown field":      {`{"title":"A","authorId":"1","colour":"red"}`, `unknown field \"colour`},
		"duplicate key":      {`{"title":"A","title":"B","authorId":"1"}`, `duplicate field \"title`},
		"wrong type":         {`{"title":7,"authorId":"1"}`, `title`},
		"int64 out of range": {`{"title":"A","authorId":"9223372036854775808"}`, `authorId`},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := do(t, "POST", s.url("/v1/books"), js, tc.restBody)
			assert.Equal(t, 400, code, "REST: %s", body)
			assert.Contains(t, body, `"code":3`, "REST")
			assert.Contains(t, body, tc.mention, "REST")
			code, body = do(t, "POST", s.url("/library.v1.BookService/CreateBook"), js, `{"book":`+tc.restBody+`}`)
			assert.Equal(t, 400, code, "Connect: %s", body)
			assert.Contains(t, body, `"code":"invalid_argument"`, "Connect")
			assert.Contains(t, body, tc.mention, "Connect")
		})
	}
	code, body := do(t, "GET", s.url("/v1/books"), "", "")
	require.Equal(t, 200, code, body)
	assert.NotContains(t, body, `"title"`, "nothing was stored")
}

// TestCompression checks that a client accepting gzip gets small
// responses (one book) uncompressed and large ones (a page of books)
// compressed, over Connect and gRPC-Web alike.
func TestCompression(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	const js = "application/json"
	authorID := connectAuthor(t, s)
	for i := range 40 {
		code, body := do(t, "POST", s.url("/library.v1.BookService/CreateBook"), js, fmt.Sprintf(`{"book":{"title":"Book %d","authorId":%q,"isbn":"%d"}}`, i, authorID, i+1))
		require.Equal(t, 200, code, body)
	}
	// encoding is the response's Content-Encoding, or for gRPC-Web, whose
	// header names the stream's encoding, that of the first message when
	// its frame is flagged compressed.
	encoding := func(path, contentType, body string) (string, int) {
		t.Helper()
		req, err := http.NewRequest("POST", s.url(path), strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", contentType)
		// Set by hand, the transport leaves the body as it came.
		req.Header.Set("Accept-Encoding", "gzip")
		req.Header.Set("Grpc-Accept-Encoding", "gzip")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		require.Equal(t, 200, res.StatusCode, "%s", b)
		if strings.HasPrefix(contentType, "application/grpc-web") {
			require.NotEmpty(t, b)
			if b[0]&1 == 1 {
				return res.Header.Get("Grpc-Encoding"), len(b)
			}
			return "", len(b)
		}
		return res.Header.Get("Content-Encoding"), len(b)
	}
	enc, n := encoding("/library.v1.BookService/GetBook", js, `{"id":"1"}`)
	assert.Equal(t, "", enc, "one book (%d bytes)", n)
	enc, n = encoding("/library.v1.BookService/ListBooks", js, `{"pageSize":40}`)
	assert.Equal(t, "gzip", enc, "a page of 40 books (%d bytes)", n)

	// gRPC-Web: an empty request message is an empty frame.
	frame := string([]byte{0, 0, 0, 0, 0})
	enc, _ = encoding("/library.v1.BookService/ListBooks", "application/grpc-web+proto", frame)
	assert.Equal(t, "gzip", enc, "a gRPC-Web page of the default size")
	one := string([]byte{0, 0, 0, 0, 2, 0x08, 0x01}) // GetBookRequest{id: 1}
	enc, _ = encoding("/library.v1.BookService/GetBook", "application/grpc-web+proto", one)
	assert.Equal(t, "", enc, "one book over gRPC-Web")
}
