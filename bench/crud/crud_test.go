// Package crud benchmarks the generated CRUD service against a
// hand-written handler that uses pgx directly with the same queries, both
// served over Connect on a real socket, on PostgreSQL. See bench/README.md.
package crud

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"buf.build/go/protovalidate"
	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	crpg "github.com/protoforge/protoforge/crudrt/postgres"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
	"github.com/protoforge/protoforge/example/migrations"
	"github.com/protoforge/protoforge/internal/testdb"
)

// pgxBooks is the hand-written peer: the same statements the generated
// service runs, through a pgx pool, no ORM.
type pgxBooks struct {
	libraryv1connect.UnimplementedBookServiceHandler
	pool *pgxpool.Pool
	// v, when set, validates each request against its protovalidate
	// rules first, as connectrpc.com/validate's interceptor would: the
	// peer of a hand-written service that refuses bad requests.
	v protovalidate.Validator
}

// check refuses a request that breaks its protovalidate rules when the
// peer validates.
func (h *pgxBooks) check(req proto.Message) error {
	if h.v == nil {
		return nil
	}
	if err := h.v.Validate(req); err != nil {
		return connect.NewError(connect.CodeInvalidArgument, err)
	}
	return nil
}

const bookColumns = `id, title, author_id, state, isbn, tags, metadata, create_time, update_time, delete_time, etag`

func scanBook(row pgx.Row) (*libraryv1.Book, error) {
	b := &libraryv1.Book{}
	var isbn string
	var ct, ut, dt *time.Time
	if err := row.Scan(&b.Id, &b.Title, &b.AuthorId, &b.State, &isbn, &b.Tags, &b.Metadata, &ct, &ut, &dt, &b.Etag); err != nil {
		return nil, err
	}
	b.Isbn, _ = strconv.ParseUint(isbn, 10, 64)
	if ct != nil {
		b.CreateTime = timestamppb.New(*ct)
	}
	if ut != nil {
		b.UpdateTime = timestamppb.New(*ut)
	}
	return b, nil
}

func (h *pgxBooks) GetBook(ctx context.Context, req *libraryv1.GetBookRequest) (*libraryv1.Book, error) {
	b, err := scanBook(h.pool.QueryRow(ctx, `SELECT `+bookColumns+` FROM books WHERE id = $1`, req.GetId()))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, connect.NewError(connect.CodeNotFound, err)
	}
	return b, err
}

func (h *pgxBooks) CreateBook(ctx context.Context, req *libraryv1.CreateBookRequest) (*libraryv1.Book, error) {
	if err := h.check(req); err != nil {
		return nil, err
	}
	b := req.GetBook()
	now := time.Now().UTC().Truncate(time.Microsecond)
	// The request's tags and metadata are stored as it sent them (JSON
	// through pgx's jsonb codec), as the API defines them: empty ones as
	// the empty list and map, never as NULL.
	tags, meta := b.GetTags(), b.GetMetadata()
	if tags == nil {
		tags = []string{}
	}
	if meta == nil {
		meta = map[string]string{}
	}
	err := h.pool.QueryRow(ctx, `INSERT INTO books (title, author_id, state, isbn, tags, metadata, create_time, update_time, etag)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7, '1') RETURNING id`, b.GetTitle(), b.GetAuthorId(), int32(b.GetState()), strconv.FormatUint(b.GetIsbn(), 10), tags, meta, now).Scan(&b.Id)
	b.CreateTime, b.UpdateTime, b.Etag = timestamppb.New(now), timestamppb.New(now), "1"
	return b, err
}

func (h *pgxBooks) UpdateBook(ctx context.Context, req *libraryv1.UpdateBookRequest) (*libraryv1.Book, error) {
	if err := h.check(req); err != nil {
		return nil, err
	}
	tx, err := h.pool.Begin(ctx)
	if err != nil {
		return nil, err
	}
	defer func() { _ = tx.Rollback(ctx) }()
	cur, err := scanBook(tx.QueryRow(ctx, `SELECT `+bookColumns+` FROM books WHERE id = $1 AND delete_time IS NULL FOR UPDATE`, req.GetBook().GetId()))
	if err != nil {
		return nil, err
	}
	n, _ := strconv.Atoi(cur.Etag)
	cur.Title, cur.Etag = req.GetBook().GetTitle(), strconv.Itoa(n+1)
	now := time.Now().UTC().Truncate(time.Microsecond)
	if _, err := tx.Exec(ctx, `UPDATE books SET title = $1, update_time = $2, etag = $3 WHERE id = $4`, cur.Title, now, cur.Etag, cur.Id); err != nil {
		return nil, err
	}
	cur.UpdateTime = timestamppb.New(now)
	return cur, tx.Commit(ctx)
}

func (h *pgxBooks) ListBooks(ctx context.Context, req *libraryv1.ListBooksRequest) (*libraryv1.ListBooksResponse, error) {
	after, _ := strconv.ParseInt(req.GetPageToken(), 10, 64)
	rows, err := h.pool.Query(ctx, `SELECT `+bookColumns+` FROM books WHERE delete_time IS NULL AND id > $1 ORDER BY id LIMIT $2`, after, req.GetPageSize()+1)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := &libraryv1.ListBooksResponse{}
	for rows.Next() {
		b, err := scanBook(rows)
		if err != nil {
			return nil, err
		}
		res.Books = append(res.Books, b)
	}
	if len(res.Books) > int(req.GetPageSize()) {
		res.Books = res.Books[:req.GetPageSize()]
		res.NextPageToken = strconv.FormatInt(res.Books[len(res.Books)-1].Id, 10)
	}
	return res, rows.Err()
}

// env is one database with the example schema, a seeded author and rows,
// and both services served over Connect.
type env struct {
	generated, handwritten libraryv1connect.BookServiceClient
	// validating is the hand-written handler validating its requests.
	validating libraryv1connect.BookServiceClient
	author     int64
	ids        []int64
}

// database creates a PostgreSQL database for this benchmark with the
// example's schema and opens it as the generated service's users are told
// to (crudrt/postgres.Open: GORM and the runtime on one pgx pool), and
// through a pgx pool of the hand-written handler's own.
func database(b testing.TB) (dsn string, db *gorm.DB, pool *pgxpool.Pool) {
	b.Helper()
	dsn = testdb.DSN(b, testdb.Postgres)
	genPool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(genPool.Close)
	db, err = crpg.Open(genPool, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		b.Fatal(err)
	}
	sqlDB, _ := db.DB()
	b.Cleanup(func() { _ = sqlDB.Close() })
	fsys, _ := migrations.FS("postgres")
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := p.Up(context.Background()); err != nil {
		b.Fatal(err)
	}
	pool, err = pgxpool.New(context.Background(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	return dsn, db, pool
}

// serve serves h over Connect on a local socket for the benchmark's life.
func serve(b testing.TB, h libraryv1connect.BookServiceHandler) libraryv1connect.BookServiceClient {
	mux := http.NewServeMux()
	mux.Handle(libraryv1connect.NewBookServiceHandler(h))
	srv := httptest.NewServer(mux)
	b.Cleanup(srv.Close)
	return libraryv1connect.NewBookServiceClient(srv.Client(), srv.URL)
}

func setup(b testing.TB, rows int) *env {
	b.Helper()
	_, db, pool := database(b)
	e := &env{}
	ctx := context.Background()
	if err := pool.QueryRow(ctx, `INSERT INTO authors (display_name) VALUES ('Bench') RETURNING id`).Scan(&e.author); err != nil {
		b.Fatal(err)
	}
	if rows > 0 {
		// COPY keeps seeding a large table fast.
		src := pgx.CopyFromSlice(rows, func(i int) ([]any, error) {
			return []any{fmt.Sprintf("seed %d", i), e.author, 1, strconv.Itoa(i + 1), "[]", "{}", "1"}, nil
		})
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{"books"}, []string{"title", "author_id", "state", "isbn", "tags", "metadata", "etag"}, src); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `ANALYZE books`); err != nil {
			b.Fatal(err)
		}
		r, _ := pool.Query(ctx, `SELECT id FROM books ORDER BY id LIMIT 1000`)
		for r.Next() {
			var id int64
			_ = r.Scan(&id)
			e.ids = append(e.ids, id)
		}
		r.Close()
	}
	e.generated = serve(b, libraryv1.NewBookServiceCRUD(db))
	e.handwritten = serve(b, &pgxBooks{pool: pool})
	v, err := protovalidate.New()
	if err != nil {
		b.Fatal(err)
	}
	e.validating = serve(b, &pgxBooks{pool: pool, v: v})
	return e
}

// call is one request of a benchmark to c; n counts the calls of the
// benchmark, so that each can use values of its own.
type call func(ctx context.Context, c libraryv1connect.BookServiceClient, e *env, n int) error

// each measures call on the generated service and on the hand-written
// one, one after the other (with allocations), then side by side: the
// two in turns, call for call, the order swapped every call, so that both
// meet the same state of the machine and the database. That
// sub-benchmark reports each one's time per call and the throughput
// ratio, pgx's time over the generated service's. With validating, the
// writes' benchmarks also run side by side with the hand-written handler
// that validates its requests (side-by-side-validating), for reference:
// the target compares with the one that does not.
func each(b *testing.B, fn call, validating bool) {
	e := setup(b, 2000)
	ctx := context.Background()
	n := 0
	next := func(b *testing.B, c libraryv1connect.BookServiceClient) time.Duration {
		n++
		start := time.Now()
		if err := fn(ctx, c, e, n); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	for _, impl := range []struct {
		name string
		c    libraryv1connect.BookServiceClient
	}{{"generated", e.generated}, {"pgx", e.handwritten}} {
		b.Run(impl.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				next(b, impl.c)
			}
		})
	}
	sideBySide := func(b *testing.B, peer libraryv1connect.BookServiceClient) {
		var gen, hand time.Duration
		calls := 0
		for b.Loop() {
			if calls%2 == 0 {
				gen += next(b, e.generated)
				hand += next(b, peer)
			} else {
				hand += next(b, peer)
				gen += next(b, e.generated)
			}
			calls++
		}
		b.ReportMetric(float64(gen.Microseconds())/float64(calls), "generated-µs/op")
		b.ReportMetric(float64(hand.Microseconds())/float64(calls), "pgx-µs/op")
		b.ReportMetric(float64(hand)/float64(gen), "ratio")
	}
	b.Run("side-by-side", func(b *testing.B) { sideBySide(b, e.handwritten) })
	if validating {
		b.Run("side-by-side-validating", func(b *testing.B) { sideBySide(b, e.validating) })
	}
}

func BenchmarkGet(b *testing.B) {
	each(b, func(ctx context.Context, c libraryv1connect.BookServiceClient, e *env, n int) error {
		_, err := c.GetBook(ctx, &libraryv1.GetBookRequest{Id: e.ids[n%len(e.ids)]})
		return err
	}, false)
}

func BenchmarkCreate(b *testing.B) {
	base := rand.Uint64() >> 1
	each(b, func(ctx context.Context, c libraryv1connect.BookServiceClient, e *env, n int) error {
		_, err := c.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "new " + strconv.FormatUint(base+uint64(n), 10), AuthorId: e.author, Isbn: base + uint64(n)}})
		return err
	}, true)
}

func BenchmarkUpdate(b *testing.B) {
	each(b, func(ctx context.Context, c libraryv1connect.BookServiceClient, e *env, n int) error {
		_, err := c.UpdateBook(ctx, &libraryv1.UpdateBookRequest{
			Book:       &libraryv1.Book{Id: e.ids[n%len(e.ids)], Title: "t" + strconv.Itoa(n)},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}},
		})
		return err
	}, true)
}

func BenchmarkList50(b *testing.B) {
	each(b, func(ctx context.Context, c libraryv1connect.BookServiceClient, e *env, n int) error {
		res, err := c.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: 50})
		if err == nil && len(res.Books) != 50 {
			err = fmt.Errorf("%d books, want 50", len(res.Books))
		}
		return err
	}, false)
}

// BenchmarkListDepth reads the first page, and the page after 100,000
// rows reached through page tokens: keyset pagination costs the same at
// any depth.
func BenchmarkListDepth(b *testing.B) {
	const rows = 100_050
	e := setup(b, rows)
	ctx := context.Background()
	// Walk to depth 100,000 once with the generated service's own tokens.
	req := &libraryv1.ListBooksRequest{PageSize: 1000}
	for seen := 0; seen < 100_000; seen += 1000 {
		res, err := e.generated.ListBooks(ctx, req)
		if err != nil {
			b.Fatal(err)
		}
		req.PageToken = res.NextPageToken
	}
	deep := req.PageToken
	for _, c := range []struct{ name, token string }{{"first", ""}, {"depth100k", deep}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := e.generated.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: 50, PageToken: c.token})
				if err != nil || len(res.Books) != 50 {
					b.Fatal(err, len(res.GetBooks()))
				}
			}
		})
	}
}

// TestPeerIsComplete: the hand-written peer serves what the generated
// service serves for the calls measured, so that the comparison is between
// two complete implementations: a book created through either, tags and
// metadata included, reads back the same through both.
func TestPeerIsComplete(t *testing.T) {
	e := setup(t, 0)
	ctx := context.Background()
	for _, c := range []libraryv1connect.BookServiceClient{e.generated, e.handwritten, e.validating} {
		in := &libraryv1.Book{Title: "complete " + strconv.FormatInt(time.Now().UnixNano(), 10), AuthorId: e.author, Isbn: uint64(time.Now().UnixNano()),
			Tags: []string{"a", "b"}, Metadata: map[string]string{"k": "v"}}
		made, err := c.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: in})
		if err != nil {
			t.Fatal(err)
		}
		var got []*libraryv1.Book
		for _, r := range []libraryv1connect.BookServiceClient{e.generated, e.handwritten} {
			b, err := r.GetBook(ctx, &libraryv1.GetBookRequest{Id: made.GetId()})
			if err != nil {
				t.Fatal(err)
			}
			if b.GetTitle() != in.GetTitle() || b.GetIsbn() != in.GetIsbn() || strings.Join(b.GetTags(), ",") != "a,b" || b.GetMetadata()["k"] != "v" || len(b.GetMetadata()) != 1 || b.GetEtag() != "1" || b.GetCreateTime() == nil {
				t.Errorf("book %d read back as %v", made.GetId(), b)
			}
			got = append(got, b)
		}
		if !proto.Equal(got[0], got[1]) {
			t.Errorf("the two services read book %d differently:\n%v\n%v", made.GetId(), got[0], got[1])
		}
	}
}

// TestValidatingPeer: the validating peer refuses the requests the
// generated service refuses for their rules (an empty title, an undefined
// state), as InvalidArgument.
func TestValidatingPeer(t *testing.T) {
	e := setup(t, 0)
	ctx := context.Background()
	for _, bad := range []*libraryv1.Book{
		{Title: "", AuthorId: e.author, Isbn: 1},
		{Title: "undefined state", AuthorId: e.author, Isbn: 2, State: 99},
	} {
		for name, c := range map[string]libraryv1connect.BookServiceClient{"generated": e.generated, "validating": e.validating} {
			_, err := c.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: bad})
			if connect.CodeOf(err) != connect.CodeInvalidArgument {
				t.Errorf("%s: CreateBook(%v) = %v; want InvalidArgument", name, bad, err)
			}
		}
	}
}
