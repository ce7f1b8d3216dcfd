// Command vs-drf is the client of bench/vs-drf/run: it loads the example
// server and the Django REST framework peer with the same requests, in
// turn, and prints Markdown tables: throughput and p50/p90/p99 per
// operation at each number of connections (closed loop), and p99 at fixed
// offered rates (vegeta).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

type target struct {
	name, base string
	drf        bool
	deep       string // the URL of a page at depth
}

type op struct {
	name string
	req  func(t *target, n int64) (method, url, body string)
}

var (
	seeded  = flag.Int("seeded", 10000, "books seeded with ids 1..seeded, read and updated")
	deleteN = flag.Int64("delete-from", 20001, "first id of the books the delete runs consume")
	seconds = flag.Int("seconds", 10, "seconds per measure")
)

func main() {
	example := flag.String("example", "http://127.0.0.1:18181", "the example server")
	drf := flag.String("drf", "http://127.0.0.1:18182", "the DRF site")
	connsFlag := flag.String("conns", "4,16", "connections of the closed-loop runs")
	ratesFlag := flag.String("rates", "300,600,900", "offered rates (req/s) of the fixed-rate runs (get by id)")
	flag.Parse()
	targets := []*target{{name: "example server", base: *example}, {name: "DRF", base: *drf, drf: true}}
	for _, t := range targets {
		t.deep = deepPage(t, 100)
	}
	var isbn atomic.Int64
	isbn.Store(time.Now().UnixNano() % 1_000_000_000_000)
	var del atomic.Int64
	del.Store(*deleteN)
	ops := []op{
		{"get by id", func(t *target, n int64) (string, string, string) {
			return "GET", fmt.Sprintf("%s/v1/books/%d", t.base, 1+n%int64(*seeded)), ""
		}},
		{"list, 50 rows", func(t *target, n int64) (string, string, string) {
			if t.drf {
				return "GET", t.base + "/v1/books", ""
			}
			return "GET", t.base + "/v1/books?page_size=50", ""
		}},
		{"list, 50 rows at depth 5,000", func(t *target, n int64) (string, string, string) { return "GET", t.deep, "" }},
		{"create", func(t *target, n int64) (string, string, string) {
			i := isbn.Add(1)
			if t.drf {
				return "POST", t.base + "/v1/books", fmt.Sprintf(`{"title":"bench %d","author":1,"isbn":"%d","tags":[],"metadata":{}}`, i, i)
			}
			return "POST", t.base + "/v1/books", fmt.Sprintf(`{"title":"bench %d","authorId":"1","isbn":"%d"}`, i, i)
		}},
		{"update (mask: title)", func(t *target, n int64) (string, string, string) {
			id := 1 + n%int64(*seeded)
			if t.drf {
				return "PATCH", fmt.Sprintf("%s/v1/books/%d", t.base, id), fmt.Sprintf(`{"title":"updated %d"}`, n)
			}
			return "PATCH", fmt.Sprintf("%s/v1/books/%d?update_mask=title", t.base, id), fmt.Sprintf(`{"title":"updated %d"}`, n)
		}},
		{"delete", func(t *target, n int64) (string, string, string) {
			return "DELETE", fmt.Sprintf("%s/v1/books/%d", t.base, del.Add(1)), ""
		}},
	}
	fmt.Printf("| operation | connections | example: req/s | p50 / p90 / p99 | DRF: req/s | p50 / p90 / p99 | throughput × | p99 example / DRF |\n")
	fmt.Printf("|---|---|---|---|---|---|---|---|\n")
	for _, o := range ops {
		for _, c := range ints(*connsFlag) {
			var res []result
			for _, t := range targets {
				res = append(res, closedLoop(t, o, c))
			}
			e, d := res[0], res[1]
			fmt.Printf("| %s | %d | %.0f | %s | %.0f | %s | %.2f | %.2f |\n", o.name, c, e.rate, e.lat(), d.rate, d.lat(), e.rate/d.rate,
				float64(e.p(99))/float64(d.p(99)))
		}
	}
	fmt.Printf("\n| get by id at a fixed rate | example: p50 / p99 | DRF: p50 / p99 | success example / DRF |\n|---|---|---|---|\n")
	for _, rate := range ints(*ratesFlag) {
		var cells []string
		var succ []string
		for _, t := range targets {
			m := fixedRate(t, rate)
			cells = append(cells, fmt.Sprintf("%v / %v", m.Latencies.P50.Round(10*time.Microsecond), m.Latencies.P99.Round(10*time.Microsecond)))
			succ = append(succ, fmt.Sprintf("%.1f%%", 100*m.Success))
		}
		fmt.Printf("| %d req/s | %s | %s | %s |\n", rate, cells[0], cells[1], strings.Join(succ, " / "))
	}
	fmt.Printf("\n(%d s per measure; closed loop: each connection sends its next request when the last is answered)\n", *seconds)
}

type result struct {
	rate   float64
	lats   []time.Duration
	errors int
}

func (r result) p(q int) time.Duration {
	if len(r.lats) == 0 {
		return 0
	}
	return r.lats[len(r.lats)*q/100]
}

func (r result) lat() string {
	s := fmt.Sprintf("%v / %v / %v", r.p(50).Round(10*time.Microsecond), r.p(90).Round(10*time.Microsecond), r.p(99).Round(10*time.Microsecond))
	if r.errors > 0 {
		s += fmt.Sprintf(" (%d errors)", r.errors)
	}
	return s
}

func closedLoop(t *target, o op, conns int) result {
	var mu sync.Mutex
	var res result
	var n atomic.Int64
	stop := time.Now().Add(time.Duration(*seconds) * time.Second)
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1, DisableCompression: true}, Timeout: 30 * time.Second}
			var mine []time.Duration
			bad := 0
			for time.Now().Before(stop) {
				method, url, body := o.req(t, n.Add(1))
				req, _ := http.NewRequest(method, url, strings.NewReader(body))
				if body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					_ = resp.Body.Close()
				}
				if err != nil || resp.StatusCode/100 != 2 {
					bad++
					if bad < 3 && err == nil {
						fmt.Fprintf(os.Stderr, "%s %s %s: %s\n", t.name, method, url, resp.Status)
					}
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			res.lats = append(res.lats, mine...)
			res.errors += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	sort.Slice(res.lats, func(i, j int) bool { return res.lats[i] < res.lats[j] })
	res.rate = float64(len(res.lats)) / time.Since(start).Seconds()
	return res
}

func fixedRate(t *target, rate int) vegeta.Metrics {
	var n atomic.Int64
	targeter := func(tg *vegeta.Target) error {
		tg.Method = "GET"
		tg.URL = fmt.Sprintf("%s/v1/books/%d", t.base, 1+n.Add(1)%int64(*seeded))
		return nil
	}
	attacker := vegeta.NewAttacker(vegeta.Timeout(10 * time.Second))
	var m vegeta.Metrics
	for r := range attacker.Attack(targeter, vegeta.Rate{Freq: rate, Per: time.Second}, time.Duration(*seconds)*time.Second, t.name) {
		m.Add(r)
	}
	m.Close()
	return m
}

// deepPage walks pages pages of 50 from the start and returns the URL of
// the next one.
func deepPage(t *target, pages int) string {
	url := t.base + "/v1/books?page_size=50"
	if t.drf {
		url = t.base + "/v1/books"
	}
	for i := 0; i < pages; i++ {
		resp, err := http.Get(url)
		if err != nil {
			panic(err)
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		var page struct {
			Next          string `json:"next"`
			NextPageToken string `json:"nextPageToken"`
		}
		if err := json.NewDecoder(bytes.NewReader(b)).Decode(&page); err != nil {
			panic(fmt.Sprintf("%s: %v: %s", url, err, b))
		}
		if t.drf {
			url = page.Next
		} else {
			url = t.base + "/v1/books?page_size=50&page_token=" + page.NextPageToken
		}
	}
	return url
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil {
			out = append(out, n)
		}
	}
	return out
}
