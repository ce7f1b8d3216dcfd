package cluster_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/require"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
)

// TestClusterThroughput measures reads (GetBook) and writes (CreateBook)
// with one Galera node (nodes 2 and 3 stopped, server 1 called directly)
// and with three (through HAProxy, three servers), and prints a Markdown
// table: calls per second, p50 and p99. It runs when
// PROTOFORGE_CLUSTER_BENCH=1 (bench/cluster/run); CLUSTER_CLIENTS and
// CLUSTER_SECONDS size it (default 30 clients, 20 s per measure).
func TestClusterThroughput(t *testing.T) {
	if os.Getenv("PROTOFORGE_CLUSTER_BENCH") != "1" {
		t.Skip("set PROTOFORGE_CLUSTER_BENCH=1 (bench/cluster/run)")
	}
	up(t)
	clientsN := envInt("CLUSTER_CLIENTS", 30)
	seconds := envInt("CLUSTER_SECONDS", 20)
	ctx := context.Background()
	h := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clientsN}, Timeout: 10 * time.Second}
	direct := libraryv1connect.NewBookServiceClient(h, "http://127.0.0.1:18081", connect.WithProtoJSON())
	balanced := libraryv1connect.NewBookServiceClient(h, lb, connect.WithProtoJSON())
	authors := libraryv1connect.NewAuthorServiceClient(h, lb, connect.WithProtoJSON())
	a, err := authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Bench " + time.Now().Format(time.RFC3339Nano)}})
	require.NoError(t, err)
	var seed []int64
	base := time.Now().UnixNano()
	for i := 0; i < 200; i++ {
		b, err := balanced.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: fmt.Sprintf("seed %d", i), AuthorId: a.Id, Isbn: uint64(base + int64(i))}})
		require.NoError(t, err)
		seed = append(seed, b.Id)
	}
	var counter int64 = base + 1_000_000
	var mu sync.Mutex
	measure := func(c libraryv1connect.BookServiceClient, write bool) (float64, time.Duration, time.Duration, int) {
		var lat []time.Duration
		failed := 0
		stop := time.Now().Add(time.Duration(seconds) * time.Second)
		start := time.Now()
		var wg sync.WaitGroup
		for w := 0; w < clientsN; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				var mine []time.Duration
				bad := 0
				for n := 0; time.Now().Before(stop); n++ {
					t0 := time.Now()
					var err error
					if write {
						mu.Lock()
						counter++
						isbn := counter
						mu.Unlock()
						_, err = c.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: fmt.Sprintf("w %d", isbn), AuthorId: a.Id, Isbn: uint64(isbn)}})
					} else {
						_, err = c.GetBook(ctx, &libraryv1.GetBookRequest{Id: seed[(w*31+n)%len(seed)]})
					}
					if err != nil {
						bad++
						continue
					}
					mine = append(mine, time.Since(t0))
				}
				mu.Lock()
				lat = append(lat, mine...)
				failed += bad
				mu.Unlock()
			}(w)
		}
		wg.Wait()
		elapsed := time.Since(start)
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		if len(lat) == 0 {
			return 0, 0, 0, failed
		}
		return float64(len(lat)) / elapsed.Seconds(), lat[len(lat)/2], lat[len(lat)*99/100], failed
	}
	type row struct {
		setup, op string
		rate      float64
		p50, p99  time.Duration
		failed    int
	}
	var rows []row
	run := func(setup string, c libraryv1connect.BookServiceClient) {
		for _, write := range []bool{false, true} {
			op := "read (GetBook)"
			if write {
				op = "write (CreateBook)"
			}
			rate, p50, p99, failed := measure(c, write)
			rows = append(rows, row{setup, op, rate, p50, p99, failed})
		}
	}
	script(t, "node", "stop", "3")
	script(t, "node", "stop", "2")
	run("1 node, 1 server", direct)
	script(t, "node", "start", "2")
	script(t, "node", "start", "3")
	run("3 nodes, 3 servers behind HAProxy", balanced)
	fmt.Printf("| setup | operation | calls/s | p50 | p99 | failed |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Printf("| %s | %s | %.0f | %v | %v | %d |\n", r.setup, r.op, r.rate, r.p50.Round(10*time.Microsecond), r.p99.Round(10*time.Microsecond), r.failed)
	}
	fmt.Printf("\n(%d clients, %d s per measure, Connect JSON over HTTP/1.1)\n", clientsN, seconds)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}
