package web_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/protoforge/protoforge/example/web"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/internal/testsupport"
)

// chromium is Debian's build, which the browser test drives.
const chromium = "/usr/bin/chromium"

var (
	binDir    string
	buildOnce sync.Once
	serverBin string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// server builds the example server once for the tests that start it.
func server(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if binDir, buildErr = os.MkdirTemp("", "web-server-bin"); buildErr != nil {
			return
		}
		serverBin = filepath.Join(binDir, "server")
		cmd := exec.Command("go", "build", "-o", serverBin, "./example/cmd/server")
		cmd.Dir = gentest.RepoRoot()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build the server: %w\n%s", err, out)
		}
	})
	require.NoError(t, buildErr)
	return serverBin
}

// startServer runs the example server on a free port until the test ends
// and returns its base URL.
func startServer(t *testing.T, databaseURL string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	var log bytes.Buffer
	cmd := exec.Command(server(t), "--addr", addr, "--database-url", databaseURL)
	cmd.Stderr = &log
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	})
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- s
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case s := <-line:
		require.Contains(t, s, "serving library.v1", "server log:\n%s", &log)
	case err := <-done:
		t.Fatalf("server exited: %v\n%s", err, &log)
	case <-time.After(60 * time.Second):
		t.Fatalf("server did not start\n%s", &log)
	}
	return "http://" + addr
}

func get(t *testing.T, method, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	require.NoError(t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, string(b)
}

// TestServe checks that the server serves the page at / and its files by
// exact path, revalidated by entity tag, while every other path is still
// the API's.
func TestServe(t *testing.T) {
	routes, err := web.Routes()
	require.NoError(t, err)
	var patterns []string
	for p := range routes {
		patterns = append(patterns, p)
	}
	assert.ElementsMatch(t, []string{"GET /{$}", "GET /app.js", "GET /style.css",
		"GET /docs.html", "GET /docs.js", "GET /swagger-ui-bundle.js", "GET /swagger-ui.css", "GET /swagger-ui-LICENSE.txt"}, patterns)

	base := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	res, body := get(t, "GET", base+"/")
	require.Equal(t, 200, res.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", res.Header.Get("Content-Type"))
	assert.Contains(t, res.Header.Get("Content-Security-Policy"), "default-src 'self'")
	assert.Contains(t, body, `<script type="module" src="app.js"></script>`)

	res, body = get(t, "GET", base+"/app.js")
	require.Equal(t, 200, res.StatusCode)
	assert.Equal(t, "text/javascript; charset=utf-8", res.Header.Get("Content-Type"))
	want, err := os.ReadFile("static/app.js")
	require.NoError(t, err)
	assert.Equal(t, string(want), body, "the embedded bundle is the committed one")
	etag := res.Header.Get("ETag")
	require.NotEmpty(t, etag)
	res, _ = get(t, "GET", base+"/app.js", "If-None-Match", etag)
	assert.Equal(t, http.StatusNotModified, res.StatusCode)
	res, _ = get(t, "HEAD", base+"/style.css")
	assert.Equal(t, 200, res.StatusCode)
	assert.Equal(t, "text/css; charset=utf-8", res.Header.Get("Content-Type"))

	// Everything else is the API's: REST, Connect, and not-found paths.
	res, body = get(t, "GET", base+"/v1/books")
	assert.Equal(t, 200, res.StatusCode, body)
	assert.Contains(t, res.Header.Get("Content-Type"), "application/json")
	res, err = http.Post(base+"/library.v1.BookService/ListBooks", "application/json", strings.NewReader("{}"))
	require.NoError(t, err)
	_ = res.Body.Close()
	assert.Equal(t, 200, res.StatusCode)
	res, body = get(t, "GET", base+"/index.html")
	assert.Equal(t, 404, res.StatusCode, "only / serves the page")
	assert.NotContains(t, body, "<html")
	res, _ = get(t, "POST", base+"/")
	assert.NotEqual(t, 200, res.StatusCode, "POST / is not the page")
}

// requireNode skips, loudly, when Node.js or example/web's packages are
// missing (`npm ci` in example/web), and fails instead under CI.
func requireNode(t *testing.T, tools ...string) {
	t.Helper()
	missing := func(what string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is missing and CI=true (.ci/run installs it)", what)
		}
		msg := fmt.Sprintf("*** SKIPPING %s: %s is missing: run `npm ci` in example/web (and apt-get install chromium chromium-driver) ***", t.Name(), what)
		testsupport.SkipNotice(msg)
		t.Skip(msg)
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing("node")
	}
	for _, tool := range tools {
		if _, err := os.Stat(tool); err != nil {
			missing(tool)
		}
	}
}

// TestGenerated is the staleness gate of the TypeScript: the committed
// client (src/gen) is what `buf generate --template buf.gen.web.yaml`
// writes today, the committed bundle (static/app.js) is what `npm run
// build` writes from the committed sources, byte for byte, and the
// sources type-check.
func TestGenerated(t *testing.T) {
	if testing.Short() {
		t.Skip("runs buf, esbuild and tsc")
	}
	requireNode(t, "node_modules/.bin/protoc-gen-es", "node_modules/.bin/esbuild", "node_modules/.bin/tsc")
	require.NoError(t, testsupport.WarmBuf(gentest.RepoRoot()))
	out := t.TempDir()
	cmd := exec.Command("go", "tool", "-modfile=../tools.mod", "buf", "generate", "--template", "buf.gen.web.yaml", "-o", out)
	cmd.Dir = ".."
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "buf generate --template buf.gen.web.yaml:\n%s", b)
	committed, produced := files(t, "src/gen"), files(t, filepath.Join(out, "web/src/gen"))
	assert.Equal(t, slices.Sorted(maps.Keys(committed)), slices.Sorted(maps.Keys(produced)), "generated and committed files differ: regenerate and commit")
	for name, want := range committed {
		if got, ok := produced[name]; ok && got != want {
			t.Errorf("src/gen/%s is stale: regenerate with buf generate --template buf.gen.web.yaml and commit", name)
		}
	}

	bundle := filepath.Join(out, "app.js")
	cmd = exec.Command("node", "build.mjs", "--out", bundle)
	b, err = cmd.CombinedOutput()
	require.NoError(t, err, "node build.mjs:\n%s", b)
	want, err := os.ReadFile("static/app.js")
	require.NoError(t, err)
	got, err := os.ReadFile(bundle)
	require.NoError(t, err)
	if !bytes.Equal(want, got) {
		t.Error("static/app.js is stale: run `npm run build` in example/web and commit it")
	}
	for _, name := range []string{"swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-LICENSE.txt"} {
		want, err := os.ReadFile(filepath.Join("static", name))
		require.NoError(t, err)
		got, err := os.ReadFile(filepath.Join(out, name))
		require.NoError(t, err)
		if !bytes.Equal(want, got) {
			t.Errorf("static/%s is not swagger-ui-dist's as package.json pins it: run `npm run build` in example/web and commit it", name)
		}
	}

	cmd = exec.Command("node_modules/.bin/tsc", "--noEmit", "-p", ".")
	b, err = cmd.CombinedOutput()
	assert.NoError(t, err, "tsc:\n%s", b)
}

// files reads the files below dir by relative path.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		m[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	require.NoError(t, err)
	return m
}

// artifacts is where the browser test leaves its screenshots:
// $PROTOFORGE_ARTIFACTS/web when set, else e2e/artifacts.
func artifacts(t *testing.T) string {
	dir := filepath.Join("e2e", "artifacts")
	if d := os.Getenv("PROTOFORGE_ARTIFACTS"); d != "" {
		dir = filepath.Join(d, "web")
	}
	abs, err := filepath.Abs(dir)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(abs, 0o755))
	return abs
}

func mysqlURL(t *testing.T) string {
	cfg, err := mysqldriver.ParseDSN(testdb.DSN(t, testdb.MySQL))
	require.NoError(t, err)
	u := "mysql://" + cfg.User
	if cfg.Passwd != "" {
		u += ":" + cfg.Passwd
	}
	return u + "@" + cfg.Addr + "/" + cfg.DBName
}

// TestBrowser drives the page in Debian's Chromium with playwright-core
// (e2e/e2e.mjs) against the real server: over Connect and over gRPC-Web on
// SQLite, and over one transport each on PostgreSQL and MySQL/MariaDB
// (the transports do not depend on the database; the rows do), leaving a
// screenshot per database and transport in the artifact directory.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	requireNode(t, "node_modules/playwright-core", chromium)
	dir := artifacts(t)
	for _, c := range []struct {
		db         string
		url        func(t *testing.T) string
		transports []string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "library.db") }, []string{"connect", "grpc-web"}},
		{"postgres", func(t *testing.T) string { return testdb.DSN(t, testdb.Postgres) }, []string{"grpc-web"}},
		{"mysql", mysqlURL, []string{"connect"}},
	} {
		t.Run(c.db, func(t *testing.T) {
			base := startServer(t, c.url(t))
			shots := filepath.Join(dir, c.db)
			require.NoError(t, os.MkdirAll(shots, 0o755))
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", "e2e/e2e.mjs", "--url", base, "--transports", strings.Join(c.transports, ","),
				"--artifacts", shots, "--chromium", chromium)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, "e2e.mjs (screenshots in %s):\n%s", shots, out)
			for _, tr := range c.transports {
				assert.Contains(t, string(out), "e2e "+tr+": ok")
				st, err := os.Stat(filepath.Join(shots, "library-"+tr+".png"))
				if assert.NoError(t, err, "screenshot") {
					assert.Greater(t, st.Size(), int64(10_000), "a screenshot of the page")
				}
			}
			t.Logf("%s", strings.TrimSpace(string(out)))
		})
	}
}

// TestDocsPage drives the API docs page (Swagger UI on /openapi.json) in
// Debian's Chromium (e2e/docs.mjs): every documented operation is listed,
// and a request sent from the page reaches the server and shows its answer.
func TestDocsPage(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Chromium")
	}
	requireNode(t, "node_modules/playwright-core", chromium)
	dir := artifacts(t)
	base := startServer(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", "e2e/docs.mjs", "--url", base, "--artifacts", dir, "--chromium", chromium).CombinedOutput()
	require.NoError(t, err, "docs.mjs (screenshots in %s):\n%s", dir, out)
	assert.Contains(t, string(out), "docs: ok")
	t.Logf("%s", strings.TrimSpace(string(out)))
}
