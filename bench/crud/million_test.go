package crud

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
	"github.com/protoforge/protoforge/internal/gen/gentest"
)

// millionRows is the size of the table BenchmarkMillion pages through.
const millionRows = 1_000_000

// orders are the order_by values paged at depth, with the ORDER BY the
// OFFSET reference spells for the same order (the key breaks ties, as
// the generated service does).
var orders = []struct{ name, orderBy, sql string }{
	{"key", "", "id"},
	{"title", "title", "title, id"},
	{"author_title_desc", "author_id, title desc", "author_id, title DESC, id"},
	{"isbn", "isbn", "isbn, id"},
}

// depths are the rows skipped before the page read.
var depths = []int{0, 10_000, 100_000, 990_000}

// samples and offsetSamples are how many keyset and OFFSET pages one
// iteration of a depth times, so that -benchtime 1x gives medians and runs
// the export once.
const samples, offsetSamples = 41, 5

// offsetBooks is the OFFSET reference: ListBooks reads page_token as the
// number of rows to skip, in the order order_by names.
type offsetBooks struct {
	libraryv1connect.UnimplementedBookServiceHandler
	pool *pgxpool.Pool
}

func (h *offsetBooks) ListBooks(ctx context.Context, req *libraryv1.ListBooksRequest) (*libraryv1.ListBooksResponse, error) {
	offset, err := strconv.Atoi(req.GetPageToken())
	if req.GetPageToken() == "" {
		offset, err = 0, nil
	}
	if err != nil {
		return nil, connect.NewError(connect.CodeInvalidArgument, err)
	}
	order := ""
	for _, o := range orders {
		if o.orderBy == req.GetOrderBy() {
			order = o.sql
		}
	}
	if order == "" {
		return nil, connect.NewError(connect.CodeInvalidArgument, fmt.Errorf("order_by %q", req.GetOrderBy()))
	}
	rows, err := h.pool.Query(ctx, `SELECT `+bookColumns+` FROM books WHERE delete_time IS NULL ORDER BY `+order+` LIMIT $1 OFFSET $2`, req.GetPageSize(), offset)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := &libraryv1.ListBooksResponse{NextPageToken: strconv.Itoa(offset + int(req.GetPageSize()))}
	for rows.Next() {
		b, err := scanBook(rows)
		if err != nil {
			return nil, err
		}
		res.Books = append(res.Books, b)
	}
	return res, rows.Err()
}

// loadMillion fills books with millionRows rows over 100 authors, in one
// INSERT … SELECT on the server, then vacuums and analyzes the table.
func loadMillion(ctx context.Context, pool *pgxpool.Pool) error {
	for _, stmt := range []string{
		`INSERT INTO authors (display_name) SELECT 'Author ' || g FROM generate_series(1, 100) g`,
		fmt.Sprintf(`INSERT INTO books (title, author_id, state, isbn, tags, metadata, create_time, update_time, etag)
			SELECT 'Book ' || md5(g::text), a.first + g %% 100, 1 + g %% 3, 9780000000000 + g,
				'["fiction", "classic"]', '{"lang": "en"}', ts, ts, '1'
			FROM generate_series(1, %d) g,
				(SELECT min(id) AS first FROM authors) a,
				LATERAL (SELECT timestamptz '2020-01-01' + g * interval '1 second' AS ts) t`, millionRows),
		`VACUUM ANALYZE authors`,
		`VACUUM ANALYZE books`,
	} {
		if _, err := pool.Exec(ctx, stmt); err != nil {
			return fmt.Errorf("%.60s…: %w", stmt, err)
		}
	}
	return nil
}

// BenchmarkMillion loads a table of a million books once per run and, on
// it, measures:
//
//   - order=…/depth=…: List(50) through the generated service at a depth
//     reached with the service's own page tokens (keyset), next to the
//     same page read with LIMIT 50 OFFSET depth, in alternating blocks,
//     both over Connect; medians as keyset-ms and offset-ms;
//   - export: the example server run as its own process, paged through
//     all rows at its largest page size by a client; the server's peak
//     resident memory (VmHWM) as server-peak-MiB.
//
// Run it with -count 1 -benchtime 1x: each count loads the table anew, and
// each iteration of export reads all of it.
func BenchmarkMillion(b *testing.B) {
	ctx := context.Background()
	dsn, db, pool := database(b)
	start := time.Now()
	if err := loadMillion(ctx, pool); err != nil {
		b.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "loaded %d books in %s\n", millionRows, time.Since(start).Round(time.Second))

	// Pages as large as 100,000 rows reach the depths in a few calls.
	svc := libraryv1.NewBookServiceCRUD(db, crudrt.WithPageSizes(50, 100_000))
	keyset := serve(b, svc)
	offset := serve(b, &offsetBooks{pool: pool})
	for _, o := range orders {
		tokens := walk(b, svc, o.orderBy)
		for _, depth := range depths {
			b.Run(fmt.Sprintf("order=%s/depth=%d", o.name, depth), func(b *testing.B) {
				var ks, offs []time.Duration
				var ratios []float64
				for b.Loop() {
					// In blocks, each after a page that warms the cache: a
					// slow OFFSET page would otherwise slow the keyset
					// page read right after it. The page at depth is read
					// in turns with the first page, the order swapped every
					// time, and each pair gives a ratio: the machine's load
					// moves both alike.
					page(b, keyset, o.orderBy, "")
					page(b, keyset, o.orderBy, tokens[depth])
					for i := range samples {
						var first, deep time.Duration
						if i%2 == 0 {
							first = page(b, keyset, o.orderBy, "")
							deep = page(b, keyset, o.orderBy, tokens[depth])
						} else {
							deep = page(b, keyset, o.orderBy, tokens[depth])
							first = page(b, keyset, o.orderBy, "")
						}
						ks = append(ks, deep)
						ratios = append(ratios, float64(deep)/float64(first))
					}
					page(b, offset, o.orderBy, strconv.Itoa(depth))
					for range offsetSamples {
						offs = append(offs, page(b, offset, o.orderBy, strconv.Itoa(depth)))
					}
				}
				b.ReportMetric(ms(median(ks)), "keyset-ms")
				slices.Sort(ratios)
				b.ReportMetric(ratios[len(ratios)/2], "keyset-ratio")
				b.ReportMetric(ms(median(offs)), "offset-ms")
			})
		}
	}
	b.Run("export", func(b *testing.B) { export(b, dsn) })
}

// walk pages through the table in order with the service's own tokens
// and returns the token of the page at each of depths.
func walk(b *testing.B, svc *libraryv1.BookServiceCRUD, orderBy string) map[int]string {
	b.Helper()
	tokens := map[int]string{0: ""}
	pos, token := 0, ""
	for _, depth := range depths[1:] {
		for pos < depth {
			res, err := svc.ListBooks(context.Background(), &libraryv1.ListBooksRequest{
				PageSize: int32(min(depth-pos, 100_000)), PageToken: token, OrderBy: orderBy,
			})
			if err != nil {
				b.Fatal(err)
			}
			pos += len(res.Books)
			token = res.NextPageToken
		}
		tokens[depth] = token
	}
	return tokens
}

// page reads one page of 50 and returns how long it took.
func page(b *testing.B, c libraryv1connect.BookServiceClient, orderBy, token string) time.Duration {
	start := time.Now()
	res, err := c.ListBooks(context.Background(), &libraryv1.ListBooksRequest{PageSize: 50, PageToken: token, OrderBy: orderBy})
	d := time.Since(start)
	if err != nil || len(res.Books) != 50 {
		b.Fatal(err, len(res.GetBooks()))
	}
	return d
}

// export starts the example server on dsn, pages through every book at
// the server's largest page size and reports the server's peak memory.
func export(b *testing.B, dsn string) {
	bin := filepath.Join(b.TempDir(), "server")
	build := exec.Command("go", "build", "-o", bin, "./example/cmd/server")
	build.Dir = gentest.RepoRoot()
	if out, err := build.CombinedOutput(); err != nil {
		b.Fatalf("build server: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--database-url", dsn)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("server did not start: %v\n%s", err, logs.String())
	}
	go func() { _, _ = io.Copy(io.Discard, stdout) }()
	fields := strings.Fields(line)
	if len(fields) < 4 || !strings.HasPrefix(fields[3], "http://") {
		b.Fatalf("server said %q", line)
	}
	client := libraryv1connect.NewBookServiceClient(http.DefaultClient, fields[3])
	idle := procStatus(b, cmd.Process.Pid, "VmRSS")

	var rows int
	for b.Loop() {
		rows = 0
		req := &libraryv1.ListBooksRequest{PageSize: 1000}
		for {
			res, err := client.ListBooks(context.Background(), req)
			if err != nil {
				b.Fatal(err)
			}
			rows += len(res.Books)
			if res.NextPageToken == "" {
				break
			}
			req.PageToken = res.NextPageToken
		}
	}
	if rows != millionRows {
		b.Fatalf("exported %d rows, want %d", rows, millionRows)
	}
	b.ReportMetric(float64(procStatus(b, cmd.Process.Pid, "VmHWM"))/1024, "server-peak-MiB")
	b.ReportMetric(float64(idle)/1024, "server-idle-MiB")
	b.ReportMetric(float64(rows), "rows")
}

// procStatus reads a "kB" field of /proc/<pid>/status.
func procStatus(b *testing.B, pid int, field string) int64 {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(l, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb
		}
	}
	b.Fatal(errors.New("no " + field + " in /proc/<pid>/status"))
	return 0
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
