package faults_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"

	"github.com/protoforge/protoforge/internal/testdb"
)

// cluster is a PostgreSQL server of this test alone, so that it can be
// restarted without disturbing the tests that share the server on 5432.
type cluster struct {
	bin, dir, data string
	port           int
	asPostgres     bool
}

// newCluster initialises and starts a private cluster on a free port. It
// skips loudly without PostgreSQL's server binaries, and fails when
// CI=true.
func newCluster(t *testing.T) *cluster {
	t.Helper()
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(found) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			found = []string{p}
		}
	}
	if len(found) == 0 {
		testdb.Unavailable(t, testdb.Postgres, fmt.Errorf("no initdb in /usr/lib/postgresql/*/bin or on PATH"))
	}
	sort.Strings(found)
	c := &cluster{bin: filepath.Dir(found[len(found)-1])}
	// The server refuses to run as root: run it as postgres then.
	if u, err := user.Current(); err == nil && u.Uid == "0" {
		c.asPostgres = true
	}
	// Not t.TempDir: its parent is private to root, and the server must
	// reach its directory.
	dir, err := os.MkdirTemp("", "pf-faults-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir, c.data = dir, filepath.Join(dir, "data")
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if c.asPostgres {
		pg, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("running as root needs a postgres user: %v", err)
		}
		uid, _ := strconv.Atoi(pg.Uid)
		gid, _ := strconv.Atoi(pg.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	c.run(t, "initdb", "-D", c.data, "-U", "postgres", "-A", "trust", "--no-sync", "--no-instructions")
	c.run(t, "pg_ctl", "-D", c.data, "-l", filepath.Join(dir, "log"), "-w", "-o", c.serverOptions(), "start")
	t.Cleanup(func() {
		c.run(t, "pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
	})
	return c
}

func (c *cluster) serverOptions() string {
	return fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50", c.port, c.dir)
}

// DSN is the cluster's postgres database.
func (c *cluster) DSN() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// restart stops the server the way mode says ("fast": sessions are
// terminated; "immediate": a crash, with recovery on start) and starts it.
func (c *cluster) restart(t *testing.T, mode string) {
	c.run(t, "pg_ctl", "-D", c.data, "-l", filepath.Join(c.dir, "log"), "-m", mode, "-w", "-o", c.serverOptions(), "restart")
}

func (c *cluster) command(name string, args ...string) *exec.Cmd {
	path := filepath.Join(c.bin, name)
	if c.asPostgres {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	}
	return exec.Command(path, args...)
}

// run runs a command to its end. Its output goes to a file, not a pipe:
// a server it starts inherits the descriptors and would keep a pipe open.
func (c *cluster) run(t *testing.T, name string, args ...string) {
	t.Helper()
	out, err := os.CreateTemp(c.dir, name+"-*.out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := c.command(name, args...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		text, _ := os.ReadFile(out.Name())
		log, _ := os.ReadFile(filepath.Join(c.dir, "log"))
		t.Fatalf("%s %v: %v\n%s\nserver log:\n%s", name, args, err, text, log)
	}
}
