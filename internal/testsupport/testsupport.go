// Package testsupport holds what the repository's tests share: waiting on
// a condition instead of sleeping, building buf once across test
// processes, and making a skip visible.
package testsupport

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Poll calls cond every interval until it returns nil, and fails the test
// with cond's last error if that has not happened within timeout. It
// returns as soon as the condition holds.
func Poll(t testing.TB, timeout, interval time.Duration, what string, cond func() error) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		err := cond()
		if err == nil {
			return
		}
		select {
		case <-deadline.C:
			t.Fatalf("%s: not within %v: %v", what, timeout, err)
		case <-tick.C:
		}
	}
}

// WaitFor is Poll every 10 ms.
func WaitFor(t testing.TB, timeout time.Duration, what string, cond func() error) {
	t.Helper()
	Poll(t, timeout, 10*time.Millisecond, what, cond)
}

// WarmBuf builds buf (`go tool -modfile=tools.mod buf`) into the go build
// cache, one test process at a time. Several packages' tests run buf, and
// `go test ./...` runs their binaries side by side: on a cold cache each
// would compile buf (about 3 minutes on 2 cores) at the same time as the
// others. An exclusive lock on a file in the temporary directory
// serialises them, and the later ones find buf in the cache (well under a
// second).
func WarmBuf(root string) error {
	f, err := os.OpenFile(filepath.Join(os.TempDir(), "protoforge-buf-build.lock"), os.O_CREATE|os.O_RDWR, 0o666)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	defer func() { _ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }()
	cmd := exec.Command("go", "tool", "-modfile=tools.mod", "buf", "--version")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go tool -modfile=tools.mod buf --version: %v\n%s", err, out)
	}
	return nil
}

// SkipNotice makes a skip for a missing tool or service seen. `go test
// ./...` shows nothing of a package that passes, neither skip messages nor
// stderr, so the message also goes to the terminal when there is one;
// stderr carries it for -v, -json and failing runs.
func SkipNotice(msg string) {
	fmt.Fprintf(os.Stderr, "\n%s\n\n", msg)
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		fmt.Fprintln(tty, msg)
		_ = tty.Close()
	}
}
