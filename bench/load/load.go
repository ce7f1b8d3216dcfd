// Package load drives the generated library.v1.BookService with many
// concurrent clients over a real socket, for a bounded time, and checks
// afterwards what the database holds against what the clients were told:
// every acknowledged create exists and every acknowledged delete took
// effect, nothing appears that no client asked for, batches are all or
// nothing, counters updated by read-modify-write with etags lost no update,
// and each client saw every row's etag only grow.
//
// The CI variant is TestLoad (a few seconds per database); bench/load/run
// runs the long one and prints per-operation latencies. Faults tests reuse
// the workload while they break the database under it.
package load

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// Config bounds a run.
type Config struct {
	// Clients is the number of concurrent clients (default 50).
	Clients int
	// Duration is how long clients keep sending (default 60 s).
	Duration time.Duration
	// Counters is the number of shared rows every client increments by
	// read-modify-write with etags (default 8).
	Counters int
	// RequestTimeout is each request's deadline (default 10 s).
	RequestTimeout time.Duration
	// Seed makes the sequence of operations repeatable.
	Seed uint64
	// Started, if set, is called once the set-up is done and the clients
	// start: faults are injected from then on.
	Started func()
}

func (c *Config) defaults() {
	if c.Clients <= 0 {
		c.Clients = 50
	}
	if c.Duration <= 0 {
		c.Duration = 60 * time.Second
	}
	if c.Counters <= 0 {
		c.Counters = 8
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 10 * time.Second
	}
}

// The operations of the mix, with their weights.
const (
	OpCreate      = "Create"
	OpBatchCreate = "BatchCreate (3)"
	OpGet         = "Get"
	OpList        = "List (20)"
	OpUpdate      = "Update (mask, etag)"
	OpIncrement   = "Increment (Get + Update, etag)"
	OpDelete      = "Delete (etag)"
)

var mix = []struct {
	op     string
	weight int
}{
	{OpCreate, 18}, {OpBatchCreate, 4}, {OpGet, 22}, {OpList, 10}, {OpUpdate, 14}, {OpIncrement, 20}, {OpDelete, 12},
}

// Ops lists the operations in the order reports show them.
func Ops() []string {
	out := make([]string, len(mix))
	for i, m := range mix {
		out[i] = m.op
	}
	return out
}

// Report is what a run did and saw.
type Report struct {
	Config  Config
	Elapsed time.Duration
	// Stats per operation.
	Stats map[string]*OpStats
	// Violations are broken promises seen by clients while running (an
	// etag that went backwards, a write that did not move the etag on).
	Violations []string

	author   int64
	counters []*counter
	// created maps the title of every acknowledged create to its id.
	created map[string]int64
	// deleted holds the ids of acknowledged deletes.
	deleted map[int64]bool
	// maybe holds titles whose create got no answer (the commit may or may
	// not have happened), maybeDeleted ids whose delete got none.
	maybe        map[string]bool
	maybeDeleted map[int64]bool
	// batches lists the titles of every batch sent.
	batches [][]string
}

// OpStats counts one operation's calls, their status codes and latencies.
type OpStats struct {
	Codes     map[connect.Code]int
	latencies []time.Duration
}

// Count is the number of calls.
func (s *OpStats) Count() int { return len(s.latencies) }

// Quantile returns the q-quantile latency (0 < q ≤ 1).
func (s *OpStats) Quantile(q float64) time.Duration {
	if len(s.latencies) == 0 {
		return 0
	}
	l := append([]time.Duration(nil), s.latencies...)
	sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
	i := int(q*float64(len(l))+0.5) - 1
	return l[min(max(i, 0), len(l)-1)]
}

type counter struct {
	id int64
	// acked counts acknowledged increments, maybe those without an answer.
	acked, maybe int
}

// client is one concurrent client's view.
type client struct {
	n     int
	rng   *rand.Rand
	seq   int
	books map[int64]string // own live rows and their last etag ("" = unknown)
	seen  map[int64]uint64 // last etag seen of each row
	stats map[string]*OpStats
	viol  []string

	created      map[string]int64
	deleted      map[int64]bool
	maybe        map[string]bool
	maybeDeleted map[int64]bool
	batches      [][]string
	increments   map[int64][2]int // counter id → acked, maybe
}

// Run creates an author and the counters, then runs cfg.Clients clients
// for cfg.Duration against books. It returns an error only when the
// set-up fails; errors of the load are counted in the report.
func Run(ctx context.Context, books BookClient, authors AuthorClient, cfg Config) (*Report, error) {
	cfg.defaults()
	a, err := authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "load " + strconv.FormatUint(cfg.Seed, 10)}})
	if err != nil {
		return nil, fmt.Errorf("load: create author: %w", err)
	}
	r := &Report{Config: cfg, Stats: map[string]*OpStats{}, author: a.Id, created: map[string]int64{}, deleted: map[int64]bool{},
		maybe: map[string]bool{}, maybeDeleted: map[int64]bool{}}
	for _, op := range Ops() {
		r.Stats[op] = &OpStats{Codes: map[connect.Code]int{}}
	}
	for k := range cfg.Counters {
		b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{
			Title: fmt.Sprintf("counter %d", k), AuthorId: a.Id, Isbn: r.isbn(0, k), Metadata: map[string]string{"n": "0"}}})
		if err != nil {
			return nil, fmt.Errorf("load: create counter: %w", err)
		}
		r.counters = append(r.counters, &counter{id: b.Id})
	}
	if cfg.Started != nil {
		cfg.Started()
	}
	start := time.Now()
	stop := start.Add(cfg.Duration)
	clients := make([]*client, cfg.Clients)
	var wg sync.WaitGroup
	for i := range clients {
		c := &client{n: i + 1, rng: rand.New(rand.NewPCG(cfg.Seed, uint64(i))), books: map[int64]string{}, seen: map[int64]uint64{},
			stats: map[string]*OpStats{}, created: map[string]int64{}, deleted: map[int64]bool{}, maybe: map[string]bool{},
			maybeDeleted: map[int64]bool{}, increments: map[int64][2]int{}}
		for _, op := range Ops() {
			c.stats[op] = &OpStats{Codes: map[connect.Code]int{}}
		}
		clients[i] = c
		wg.Go(func() {
			for time.Now().Before(stop) && ctx.Err() == nil {
				c.step(ctx, r, books)
			}
		})
	}
	wg.Wait()
	r.Elapsed = time.Since(start)
	for _, c := range clients {
		r.merge(c)
	}
	return r, nil
}

// BookClient is the part of the generated client a run uses.
type BookClient interface {
	GetBook(context.Context, *libraryv1.GetBookRequest) (*libraryv1.Book, error)
	ListBooks(context.Context, *libraryv1.ListBooksRequest) (*libraryv1.ListBooksResponse, error)
	CreateBook(context.Context, *libraryv1.CreateBookRequest) (*libraryv1.Book, error)
	UpdateBook(context.Context, *libraryv1.UpdateBookRequest) (*libraryv1.Book, error)
	DeleteBook(context.Context, *libraryv1.DeleteBookRequest) (*libraryv1.Book, error)
	BatchCreateBooks(context.Context, *libraryv1.BatchCreateBooksRequest) (*libraryv1.BatchCreateBooksResponse, error)
}

// AuthorClient is the part of the generated client a run uses.
type AuthorClient interface {
	CreateAuthor(context.Context, *libraryv1.CreateAuthorRequest) (*libraryv1.Author, error)
}

// isbn is unique per run, client and sequence number (client 0: counters).
func (r *Report) isbn(client, seq int) uint64 {
	return uint64(r.author)<<40 | uint64(client)<<24 | uint64(seq)
}

func (r *Report) merge(c *client) {
	for op, s := range c.stats {
		t := r.Stats[op]
		for code, n := range s.Codes {
			t.Codes[code] += n
		}
		t.latencies = append(t.latencies, s.latencies...)
	}
	r.Violations = append(r.Violations, c.viol...)
	for k, v := range c.created {
		r.created[k] = v
	}
	for k := range c.deleted {
		r.deleted[k] = true
	}
	for k := range c.maybe {
		r.maybe[k] = true
	}
	for k := range c.maybeDeleted {
		r.maybeDeleted[k] = true
	}
	r.batches = append(r.batches, c.batches...)
	for _, ctr := range r.counters {
		inc := c.increments[ctr.id]
		ctr.acked += inc[0]
		ctr.maybe += inc[1]
	}
}

// pick draws the next operation from the mix.
func (c *client) pick() string {
	total := 0
	for _, m := range mix {
		total += m.weight
	}
	x := c.rng.IntN(total)
	for _, m := range mix {
		if x < m.weight {
			return m.op
		}
		x -= m.weight
	}
	return mix[0].op
}

// own returns one of the client's live rows.
func (c *client) own() (int64, bool) {
	if len(c.books) == 0 {
		return 0, false
	}
	ids := make([]int64, 0, len(c.books))
	for id := range c.books {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids[c.rng.IntN(len(ids))], true
}

// call times fn as op and counts its code.
func (c *client) call(ctx context.Context, r *Report, op string, fn func(ctx context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, r.Config.RequestTimeout)
	defer cancel()
	t0 := time.Now()
	err := fn(ctx)
	s := c.stats[op]
	s.latencies = append(s.latencies, time.Since(t0))
	s.Codes[CodeOf(err)]++
	if code := CodeOf(err); code == connect.CodeUnavailable || code == connect.CodeDeadlineExceeded {
		// Give a restarting database a moment instead of spinning.
		time.Sleep(20 * time.Millisecond)
	}
	return err
}

// observe checks that a row's etag never goes back (read) or moves on
// (write) as this client sees it.
func (c *client) observe(b *libraryv1.Book, write bool) {
	e, err := strconv.ParseUint(b.GetEtag(), 10, 64)
	if err != nil {
		c.viol = append(c.viol, fmt.Sprintf("client %d: book %d has etag %q, not a counter", c.n, b.GetId(), b.GetEtag()))
		return
	}
	last, ok := c.seen[b.GetId()]
	switch {
	case ok && e < last:
		c.viol = append(c.viol, fmt.Sprintf("client %d: book %d etag went back from %d to %d", c.n, b.GetId(), last, e))
	case ok && write && e == last:
		c.viol = append(c.viol, fmt.Sprintf("client %d: a write of book %d left its etag at %d", c.n, b.GetId(), e))
	}
	c.seen[b.GetId()] = max(e, last)
}

// unsure reports errors after which the write may or may not have been
// committed: the answer was lost, not refused.
func unsure(err error) bool {
	switch CodeOf(err) {
	case connect.CodeUnavailable, connect.CodeDeadlineExceeded, connect.CodeCanceled, connect.CodeUnknown, connect.CodeInternal:
		return true
	}
	return false
}

func (c *client) step(ctx context.Context, r *Report, books BookClient) {
	switch op := c.pick(); op {
	case OpCreate:
		c.seq++
		title := fmt.Sprintf("c%d-%d", c.n, c.seq)
		var b *libraryv1.Book
		err := c.call(ctx, r, op, func(ctx context.Context) (err error) {
			b, err = books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: title, AuthorId: r.author, Isbn: r.isbn(c.n, c.seq)}})
			return err
		})
		switch {
		case err == nil:
			c.created[title] = b.Id
			c.books[b.Id] = b.Etag
			c.observe(b, true)
		case unsure(err):
			c.maybe[title] = true
		}
	case OpBatchCreate:
		var reqs []*libraryv1.CreateBookRequest
		var titles []string
		for j := range 3 {
			c.seq++
			titles = append(titles, fmt.Sprintf("b%d-%d-%d", c.n, c.seq, j))
			reqs = append(reqs, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: titles[j], AuthorId: r.author, Isbn: r.isbn(c.n, c.seq)}})
		}
		c.batches = append(c.batches, titles)
		var res *libraryv1.BatchCreateBooksResponse
		err := c.call(ctx, r, op, func(ctx context.Context) (err error) {
			res, err = books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: reqs})
			return err
		})
		switch {
		case err == nil:
			for _, b := range res.GetBooks() {
				c.created[b.Title] = b.Id
				c.books[b.Id] = b.Etag
				c.observe(b, true)
			}
		case unsure(err):
			for _, t := range titles {
				c.maybe[t] = true
			}
		}
	case OpGet:
		id, ok := c.own()
		if !ok {
			id = r.counters[c.rng.IntN(len(r.counters))].id
		}
		var b *libraryv1.Book
		if err := c.call(ctx, r, op, func(ctx context.Context) (err error) {
			b, err = books.GetBook(ctx, &libraryv1.GetBookRequest{Id: id})
			return err
		}); err == nil {
			c.observe(b, false)
			if _, mine := c.books[id]; mine {
				c.books[id] = b.Etag
			}
		}
	case OpList:
		var res *libraryv1.ListBooksResponse
		if err := c.call(ctx, r, op, func(ctx context.Context) (err error) {
			res, err = books.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: 20, Filter: fmt.Sprintf("author_id = %d", r.author), OrderBy: "id desc"})
			return err
		}); err == nil {
			for _, b := range res.GetBooks() {
				c.observe(b, false)
			}
		}
	case OpUpdate:
		c.update(ctx, r, books)
	case OpIncrement:
		c.increment(ctx, r, books)
	case OpDelete:
		id, ok := c.own()
		if !ok {
			return
		}
		etag := c.books[id]
		var b *libraryv1.Book
		err := c.call(ctx, r, op, func(ctx context.Context) (err error) {
			b, err = books.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: id, Etag: etag})
			return err
		})
		switch {
		case err == nil:
			c.observe(b, true)
			c.deleted[id] = true
			delete(c.books, id)
		case unsure(err):
			c.maybeDeleted[id] = true
			delete(c.books, id)
		case CodeOf(err) == connect.CodeAborted:
			c.books[id] = "" // read it again before the next write
		}
	}
}

// update changes the tags of one of the client's rows with the etag it
// knows; nobody else writes the row, so the etag must match. The tag
// names the etag, so that it differs from the one stored (a write of the
// values stored writes nothing, and leaves the etag where it is).
func (c *client) update(ctx context.Context, r *Report, books BookClient) {
	id, ok := c.own()
	if !ok {
		return
	}
	etag := c.books[id]
	if etag == "" {
		return // the last write's outcome is unknown: a Get learns the etag
	}
	var b *libraryv1.Book
	err := c.call(ctx, r, OpUpdate, func(ctx context.Context) (err error) {
		b, err = books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{
			Book:       &libraryv1.Book{Id: id, Tags: []string{"t" + etag}, Etag: etag},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"tags"}},
		})
		return err
	})
	if err != nil {
		c.books[id] = ""
		return
	}
	c.observe(b, true)
	c.books[id] = b.Etag
}

// increment adds one to a shared counter: Get, then Update with the etag
// read. A concurrent increment makes it Aborted, and it is not retried.
func (c *client) increment(ctx context.Context, r *Report, books BookClient) {
	id := r.counters[c.rng.IntN(len(r.counters))].id
	err := c.call(ctx, r, OpIncrement, func(ctx context.Context) error {
		cur, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: id})
		if err != nil {
			return err
		}
		c.observe(cur, false)
		n, perr := strconv.Atoi(cur.GetMetadata()["n"])
		if perr != nil {
			c.viol = append(c.viol, fmt.Sprintf("client %d: counter %d holds %q", c.n, id, cur.GetMetadata()["n"]))
			return nil
		}
		b, err := books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{
			Book:       &libraryv1.Book{Id: id, Metadata: map[string]string{"n": strconv.Itoa(n + 1)}, Etag: cur.Etag},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"metadata"}},
		})
		if err == nil {
			c.observe(b, true)
		}
		return err
	})
	inc := c.increments[id]
	switch {
	case err == nil:
		inc[0]++
	case unsure(err):
		inc[1]++
	}
	c.increments[id] = inc
}

// Unexpected lists the error codes seen that the workload does not
// expect: an etag conflict (Aborted) is expected of increments only;
// allowed codes (e.g. Unavailable while the database restarts) are
// expected everywhere.
func (r *Report) Unexpected(allowed ...connect.Code) []string {
	var out []string
	for _, op := range Ops() {
		for code, n := range r.Stats[op].Codes {
			if code == 0 || (code == connect.CodeAborted && op == OpIncrement) || contains(allowed, code) {
				continue
			}
			out = append(out, fmt.Sprintf("%s: %d× %v", op, n, code))
		}
	}
	sort.Strings(out)
	return out
}

func contains(codes []connect.Code, c connect.Code) bool {
	for _, x := range codes {
		if x == c {
			return true
		}
	}
	return false
}

// Markdown renders the report as tables: per operation, the calls, the
// status codes and the latency quantiles.
func (r *Report) Markdown(title string) string {
	var b strings.Builder
	total := 0
	for _, s := range r.Stats {
		total += s.Count()
	}
	fmt.Fprintf(&b, "%s: %d clients, %v, %d calls (%.0f/s)\n\n", title, r.Config.Clients, r.Elapsed.Round(time.Millisecond), total, float64(total)/r.Elapsed.Seconds())
	b.WriteString("| Operation | calls | codes | p50 | p99 |\n|---|---|---|---|---|\n")
	for _, op := range Ops() {
		s := r.Stats[op]
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |\n", op, s.Count(), codes(s.Codes), ms(s.Quantile(0.5)), ms(s.Quantile(0.99)))
	}
	return b.String()
}

func codes(m map[connect.Code]int) string {
	keys := make([]connect.Code, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	var parts []string
	for _, k := range keys {
		name := "ok"
		if k != 0 {
			name = k.String()
		}
		parts = append(parts, fmt.Sprintf("%s %d", name, m[k]))
	}
	return strings.Join(parts, ", ")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d.Microseconds())/1000) }
