package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/protoforge/protoforge/crudrt"
	crpg "github.com/protoforge/protoforge/crudrt/postgres"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
	"github.com/protoforge/protoforge/example/migrations"
	"github.com/protoforge/protoforge/internal/testdb"
)

// The generated implementation satisfies both frameworks' interfaces.
var (
	_ libraryv1.BookServiceServer           = (*libraryv1.BookServiceCRUD)(nil)
	_ libraryv1connect.BookServiceHandler   = (*libraryv1.BookServiceCRUD)(nil)
	_ libraryv1.AuthorServiceServer         = (*libraryv1.AuthorServiceCRUD)(nil)
	_ libraryv1connect.AuthorServiceHandler = (*libraryv1.AuthorServiceCRUD)(nil)
)

// clients are the real clients of one server: grpc-go over TCP, and
// connect-go over HTTP/1.1 (JSON) and h2c (binary).
type clients struct {
	grpcBooks   libraryv1.BookServiceClient
	grpcAuthors libraryv1.AuthorServiceClient
	books       libraryv1connect.BookServiceClient // HTTP/1.1, JSON
	booksH2C    libraryv1connect.BookServiceClient // HTTP/2 cleartext, binary
	authors     libraryv1connect.AuthorServiceClient
}

// serve migrates db with the example's migrations and serves the
// generated services over real sockets.
func serve(t *testing.T, db *gorm.DB) *clients {
	t.Helper()
	migrateExample(t, db)
	books := libraryv1.NewBookServiceCRUD(db)
	authors := libraryv1.NewAuthorServiceCRUD(db)

	// grpc-go on its own listener.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	gs := grpc.NewServer()
	libraryv1.RegisterBookServiceServer(gs, books)
	libraryv1.RegisterAuthorServiceServer(gs, authors)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })

	// connect-go, HTTP/1.1 and h2c on one server.
	mux := http.NewServeMux()
	mux.Handle(libraryv1connect.NewBookServiceHandler(books))
	mux.Handle(libraryv1connect.NewAuthorServiceHandler(authors))
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetHTTP1(true)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	h1 := &http.Client{Transport: &http.Transport{}}
	h2c := &http.Client{Transport: &http.Transport{Protocols: func() *http.Protocols {
		p := new(http.Protocols)
		p.SetUnencryptedHTTP2(true)
		return p
	}()}}
	return &clients{
		grpcBooks:   libraryv1.NewBookServiceClient(conn),
		grpcAuthors: libraryv1.NewAuthorServiceClient(conn),
		books:       libraryv1connect.NewBookServiceClient(h1, srv.URL, connect.WithProtoJSON()),
		booksH2C:    libraryv1connect.NewBookServiceClient(h2c, srv.URL),
		authors:     libraryv1connect.NewAuthorServiceClient(h1, srv.URL, connect.WithProtoJSON()),
	}
}

// migrateExample applies the example's migrations to db.
func migrateExample(t *testing.T, db *gorm.DB) {
	t.Helper()
	d := db.Dialector.Name()
	fsys, err := migrations.FS(d)
	require.NoError(t, err)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	p, err := goose.NewProvider(map[string]goose.Dialect{"postgres": goose.DialectPostgres, "mysql": goose.DialectMySQL, "sqlite": goose.DialectSQLite3}[d], sqlDB, fsys)
	require.NoError(t, err)
	_, err = p.Up(context.Background())
	require.NoError(t, err)
}

func codeOf(err error) connect.Code {
	if err == nil {
		return 0
	}
	return connect.CodeOf(err)
}

// badRequestFields lists the field paths of a connect error's BadRequest.
func badRequestFields(t *testing.T, err error) []string {
	t.Helper()
	var ce *connect.Error
	require.True(t, errors.As(err, &ce), "not a connect error: %v", err)
	var out []string
	for _, d := range ce.Details() {
		v, derr := d.Value()
		require.NoError(t, derr)
		if br, ok := v.(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				out = append(out, fv.GetField())
			}
		}
	}
	return out
}

func TestCRUD(t *testing.T) {
	testdb.Each(t, crudSuite)
	// PostgreSQL as crudrt/postgres.Open sets it up: one pgx pool for GORM
	// and the runtime.
	t.Run("postgres-pool", func(t *testing.T) {
		pool, err := pgxpool.New(context.Background(), testdb.DSN(t, testdb.Postgres))
		require.NoError(t, err)
		t.Cleanup(pool.Close)
		db, err := crpg.Open(pool, &gorm.Config{Logger: logger.Discard})
		require.NoError(t, err)
		crudSuite(t, db)
	})
}

// crudSuite runs the example's services on db through every protocol.
func crudSuite(t *testing.T, db *gorm.DB) {
	c := serve(t, db)
	ctx := context.Background()

	author, err := c.authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Ursula K. Le Guin", Id: 999}})
	require.NoError(t, err)
	require.NotZero(t, author.Id)
	assert.NotEqual(t, int64(999), author.Id, "the key is the server's")
	assert.NotNil(t, author.CreateTime, "create_time is set by the server")

	got, err := c.grpcAuthors.GetAuthor(ctx, &libraryv1.GetAuthorRequest{Name: fmt.Sprintf("authors/%d", author.Id)})
	require.NoError(t, err)
	assert.True(t, proto.Equal(author, got), "want %v\n got %v", author, got)
	_, err = c.grpcAuthors.GetAuthor(ctx, &libraryv1.GetAuthorRequest{Name: "shelves/1"})
	assert.Equal(t, codes.InvalidArgument, status.Code(err))

	t.Run("create and get", func(t *testing.T) {
		in := &libraryv1.Book{Title: "The Dispossessed", AuthorId: author.Id, State: libraryv1.BookState_BOOK_STATE_PUBLISHED,
			Isbn: math.MaxUint64, Tags: []string{"utopia"}, Metadata: map[string]string{"lang": "en"}, Etag: "client"}
		b, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: in})
		require.NoError(t, err)
		assert.Equal(t, "1", b.Etag, "etag is the server's")
		assert.Equal(t, uint64(math.MaxUint64), b.Isbn)
		g, err := c.grpcBooks.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
		require.NoError(t, err)
		assert.True(t, proto.Equal(b, g), "want %v\n got %v", b, g)
		_, err = c.booksH2C.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id + 1000})
		assert.Equal(t, connect.CodeNotFound, codeOf(err))
	})

	t.Run("validation", func(t *testing.T) {
		_, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "", AuthorId: author.Id, State: 42}})
		require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
		assert.ElementsMatch(t, []string{"book.title", "book.state"}, badRequestFields(t, err))
		_, err = c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: strings.Repeat("x", 301), AuthorId: author.Id}})
		require.Equal(t, connect.CodeInvalidArgument, codeOf(err))
		assert.Equal(t, []string{"book.title"}, badRequestFields(t, err))
		_, err = c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{})
		assert.Equal(t, connect.CodeInvalidArgument, codeOf(err))
		// grpc-go sees the same details.
		_, err = c.grpcBooks.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{AuthorId: author.Id}})
		st := status.Convert(err)
		require.Equal(t, codes.InvalidArgument, st.Code())
		require.Len(t, st.Details(), 2, "an ErrorInfo (AIP-193) and the BadRequest")
		assert.Equal(t, "FIELD_VIOLATION", st.Details()[0].(*errdetails.ErrorInfo).GetReason())
		assert.Equal(t, "book.title", st.Details()[1].(*errdetails.BadRequest).GetFieldViolations()[0].GetField())
	})

	t.Run("constraint errors", func(t *testing.T) {
		_, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Orphan", AuthorId: author.Id + 1000}})
		assert.Equal(t, connect.CodeFailedPrecondition, codeOf(err), "%v", err)
		_, err = c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Twin", AuthorId: author.Id, Isbn: 77}})
		require.NoError(t, err)
		_, err = c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Twin 2", AuthorId: author.Id, Isbn: 77}})
		assert.Equal(t, connect.CodeAlreadyExists, codeOf(err), "%v", err)
		assert.NotContains(t, err.Error(), "uniq_", "database errors are not shown")
	})

	t.Run("update with field masks", func(t *testing.T) {
		b, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Lathe", AuthorId: author.Id, Isbn: 1, Tags: []string{"a"}}})
		require.NoError(t, err)
		u, err := c.books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{
			Book:       &libraryv1.Book{Id: b.Id, Title: "The Lathe of Heaven", Isbn: 999, Etag: b.Etag},
			UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}},
		})
		require.NoError(t, err)
		assert.Equal(t, "The Lathe of Heaven", u.Title)
		assert.Equal(t, uint64(1), u.Isbn, "fields outside the mask are untouched")
		assert.Equal(t, []string{"a"}, u.Tags)
		assert.Equal(t, "2", u.Etag)
		assert.True(t, u.UpdateTime.AsTime().After(b.CreateTime.AsTime()) || u.UpdateTime.AsTime().Equal(b.CreateTime.AsTime()))

		_, err = c.books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Title: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"colour"}}})
		assert.Equal(t, connect.CodeInvalidArgument, codeOf(err))
		assert.Equal(t, []string{"update_mask"}, badRequestFields(t, err))

		// protojson cannot spell a "*" path: the binary client sends it.
		r, err := c.booksH2C.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Title: "Replaced", AuthorId: author.Id}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"*"}}})
		require.NoError(t, err)
		assert.Equal(t, "Replaced", r.Title)
		assert.Zero(t, r.Isbn, "* replaces every field")
		assert.Empty(t, r.Tags)
		assert.Equal(t, b.CreateTime.AsTime(), r.CreateTime.AsTime(), "create_time is kept")

		_, err = c.books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Title: "Stale", Etag: b.Etag}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
		assert.Equal(t, connect.CodeAborted, codeOf(err))
		_, err = c.books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id + 1000, Title: "None"}})
		assert.Equal(t, connect.CodeNotFound, codeOf(err))
	})

	t.Run("concurrent updates with etags", func(t *testing.T) {
		b, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "v0", AuthorId: author.Id, Isbn: 5}})
		require.NoError(t, err)
		var mu sync.Mutex
		var accepted []*libraryv1.Book
		var wg sync.WaitGroup
		for i := 0; i < 24; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				for attempt := 0; attempt < 50; attempt++ {
					cur, err := c.booksH2C.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
					if !assert.NoError(t, err) {
						return
					}
					u, err := c.booksH2C.UpdateBook(ctx, &libraryv1.UpdateBookRequest{
						Book:       &libraryv1.Book{Id: b.Id, Title: fmt.Sprintf("writer %d", i), Etag: cur.Etag},
						UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}},
					})
					if err == nil {
						mu.Lock()
						accepted = append(accepted, u)
						mu.Unlock()
						return
					}
					if !assert.Equal(t, connect.CodeAborted, codeOf(err), "%v", err) {
						return
					}
				}
			}(i)
		}
		wg.Wait()
		require.Len(t, accepted, 24, "every writer eventually succeeds")
		seen := map[string]bool{}
		var last *libraryv1.Book
		for _, a := range accepted {
			assert.False(t, seen[a.Etag], "etag %s issued twice: a lost update", a.Etag)
			seen[a.Etag] = true
			if last == nil || etagNumber(t, a.Etag) > etagNumber(t, last.Etag) {
				last = a
			}
		}
		final, err := c.books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
		require.NoError(t, err)
		assert.Equal(t, "25", final.Etag, "24 accepted updates after the create")
		assert.Equal(t, last.Title, final.Title, "the final state is the last accepted update")
	})

	t.Run("soft delete and undelete", func(t *testing.T) {
		b, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Gone", AuthorId: author.Id, Isbn: 6}})
		require.NoError(t, err)
		_, err = c.books.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: b.Id, Etag: "stale"})
		assert.Equal(t, connect.CodeAborted, codeOf(err))
		d, err := c.books.DeleteBook(ctx, &libraryv1.DeleteBookRequest{Id: b.Id, Etag: b.Etag})
		require.NoError(t, err)
		require.NotNil(t, d.DeleteTime)
		list, err := c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: fmt.Sprintf("id = %d", b.Id)})
		require.NoError(t, err)
		assert.Empty(t, list.Books, "List hides deleted books")
		list, err = c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: fmt.Sprintf("id = %d", b.Id), ShowDeleted: true})
		require.NoError(t, err)
		assert.Len(t, list.Books, 1, "show_deleted shows them")
		g, err := c.books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
		require.NoError(t, err)
		assert.NotNil(t, g.DeleteTime, "Get returns a deleted book with delete_time")
		u, err := c.books.UndeleteBook(ctx, &libraryv1.UndeleteBookRequest{Id: b.Id})
		require.NoError(t, err)
		assert.Nil(t, u.DeleteTime)
		_, err = c.books.UndeleteBook(ctx, &libraryv1.UndeleteBookRequest{Id: b.Id})
		assert.Equal(t, connect.CodeAlreadyExists, codeOf(err), "AIP-164: Undelete of a book that is not deleted")

		// Hard delete through the author cascades to books.
		a2, err := c.authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Temp"}})
		require.NoError(t, err)
		tb, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "Temp", AuthorId: a2.Id, Isbn: 8}})
		require.NoError(t, err)
		_, err = c.authors.DeleteAuthor(ctx, &libraryv1.DeleteAuthorRequest{Name: fmt.Sprintf("authors/%d", a2.Id)})
		require.NoError(t, err)
		_, err = c.books.GetBook(ctx, &libraryv1.GetBookRequest{Id: tb.Id})
		assert.Equal(t, connect.CodeNotFound, codeOf(err))
	})

	t.Run("filters on lists and maps", func(t *testing.T) {
		a, err := c.authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Tagger"}})
		require.NoError(t, err)
		books := []*libraryv1.Book{
			{Title: "l1", Tags: []string{"sf", "classic"}, Metadata: map[string]string{"lang": "en"}},
			{Title: "l2", Tags: []string{"SF"}, Metadata: map[string]string{"lang": "EN", "ed.2": "yes"}},
			{Title: "l3", Tags: []string{"sf "}, Metadata: map[string]string{"lang": "en "}},
			{Title: "l4"},
		}
		for i, b := range books {
			b.AuthorId, b.Isbn = a.Id, uint64(900+i)
			_, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: b})
			require.NoError(t, err)
		}
		for filter, want := range map[string][]string{
			`tags:"sf"`:                      {"l1"},
			`tags:"SF" OR tags:"sf "`:        {"l2", "l3"},
			`NOT tags:"sf"`:                  {"l2", "l3", "l4"},
			`tags:*`:                         {"l1", "l2", "l3"},
			`metadata.lang = "en"`:           {"l1"},
			`metadata.lang != "en"`:          {"l2", "l3", "l4"},
			`metadata:"ed.2"`:                {"l2"},
			`metadata:*`:                     {"l1", "l2", "l3"},
			`tags:"classic" metadata:"lang"`: {"l1"},
		} {
			f := fmt.Sprintf("author_id = %d AND (%s)", a.Id, filter)
			for name, list := range map[string]func() ([]*libraryv1.Book, error){
				"connect": func() ([]*libraryv1.Book, error) {
					res, err := c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: f, OrderBy: "title"})
					return res.GetBooks(), err
				},
				"grpc": func() ([]*libraryv1.Book, error) {
					res, err := c.grpcBooks.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: f, OrderBy: "title"})
					return res.GetBooks(), err
				},
			} {
				got, err := list()
				require.NoError(t, err, "%s: %s", name, filter)
				var titles []string
				for _, b := range got {
					titles = append(titles, b.Title)
				}
				assert.Equal(t, want, titles, "%s: %s", name, filter)
			}
		}
		_, err = c.booksH2C.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: `tags = "sf"`})
		require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
		assert.Equal(t, []string{"filter"}, badRequestFields(t, err))
		assert.Contains(t, err.Error(), `tags is a list: test for an element with tags:"…"`)
		_, err = c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{OrderBy: "metadata"})
		assert.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%v", err)
	})

	t.Run("list pages, filters and order", func(t *testing.T) {
		a3, err := c.authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Pager"}})
		require.NoError(t, err)
		isbns := []uint64{math.MaxUint64 - 1, 1 << 63, math.MaxInt64, 10, 11, 12, 13}
		for i, isbn := range isbns {
			_, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: fmt.Sprintf("p%d", i), AuthorId: a3.Id, Isbn: isbn}})
			require.NoError(t, err)
		}
		filter := fmt.Sprintf("author_id = %d", a3.Id)
		var titles []string
		req := &libraryv1.ListBooksRequest{PageSize: 3, Filter: filter, OrderBy: "isbn desc"}
		pages := 0
		for {
			res, err := c.books.ListBooks(ctx, req)
			require.NoError(t, err)
			pages++
			for _, b := range res.Books {
				titles = append(titles, b.Title)
			}
			if pages == 1 {
				// Rows inserted between pages do not disturb the pages
				// already read (they sort first here).
				_, err := c.books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "late", AuthorId: a3.Id, Isbn: math.MaxUint64 - 2}})
				require.NoError(t, err)
			}
			if res.NextPageToken == "" {
				break
			}
			req.PageToken = res.NextPageToken
		}
		assert.Equal(t, 3, pages)
		assert.Equal(t, []string{"p0", "p1", "p2", "p6", "p5", "p4", "p3"}, titles)

		res, err := c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: filter + " AND isbn > 9223372036854775807", OrderBy: "isbn"})
		require.NoError(t, err)
		var got []uint64
		for _, b := range res.Books {
			got = append(got, b.Isbn)
		}
		assert.Equal(t, []uint64{1 << 63, math.MaxUint64 - 2, math.MaxUint64 - 1}, got)

		since := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		res, err = c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: fmt.Sprintf(`%s AND create_time > "%s" AND title = "p*"`, filter, since)})
		require.NoError(t, err)
		assert.Len(t, res.Books, 7)
	})

	t.Run("batch methods", func(t *testing.T) {
		res, err := c.books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: []*libraryv1.CreateBookRequest{
			{Book: &libraryv1.Book{Title: "B1", AuthorId: author.Id, Isbn: 101}},
			{Book: &libraryv1.Book{Title: "B2", AuthorId: author.Id, Isbn: 102}},
		}})
		require.NoError(t, err)
		require.Len(t, res.Books, 2)
		_, err = c.books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: []*libraryv1.CreateBookRequest{
			{Book: &libraryv1.Book{Title: "ok", AuthorId: author.Id, Isbn: 103}},
			{Book: &libraryv1.Book{Title: "", AuthorId: author.Id, Isbn: 104}},
		}})
		require.Equal(t, connect.CodeInvalidArgument, codeOf(err))
		assert.Equal(t, []string{"requests[1].book.title"}, badRequestFields(t, err))
		_, err = c.books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: []*libraryv1.CreateBookRequest{
			{Book: &libraryv1.Book{Title: "atomic", AuthorId: author.Id, Isbn: 105}},
			{Book: &libraryv1.Book{Title: "dup", AuthorId: author.Id, Isbn: 101}},
		}})
		require.Equal(t, connect.CodeAlreadyExists, codeOf(err))
		list, err := c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: `title = "atomic"`})
		require.NoError(t, err)
		assert.Empty(t, list.Books, "a failed batch writes nothing")

		// BatchUpdate (AIP-234), over Connect and gRPC: all or none.
		up, err := c.books.BatchUpdateBooks(ctx, &libraryv1.BatchUpdateBooksRequest{UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}, Requests: []*libraryv1.UpdateBookRequest{
			{Book: &libraryv1.Book{Id: res.Books[1].Id, Title: "B2'", Isbn: 9}},
			{Book: &libraryv1.Book{Id: res.Books[0].Id, Title: "B1'"}},
		}})
		require.NoError(t, err)
		require.Len(t, up.Books, 2)
		assert.Equal(t, "B2'", up.Books[0].Title, "in the order of the requests")
		assert.Equal(t, uint64(102), up.Books[0].Isbn, "outside the batch's mask")
		assert.Equal(t, "2", up.Books[1].Etag)
		_, err = c.grpcBooks.BatchUpdateBooks(ctx, &libraryv1.BatchUpdateBooksRequest{Requests: []*libraryv1.UpdateBookRequest{
			{Book: &libraryv1.Book{Id: res.Books[0].Id, Title: "lost"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}},
			{Book: &libraryv1.Book{Id: res.Books[1].Id, Isbn: 101}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"isbn"}}},
		}})
		require.Equal(t, codes.AlreadyExists, status.Code(err), "isbn 101 is taken: %v", err)
		assert.Contains(t, status.Convert(err).Message(), "requests[1]")
		g0, err := c.books.GetBook(ctx, &libraryv1.GetBookRequest{Id: res.Books[0].Id})
		require.NoError(t, err)
		assert.Equal(t, "B1'", g0.Title, "a failed batch writes nothing")

		ids := []int64{res.Books[1].Id, res.Books[0].Id}
		got, err := c.grpcBooks.BatchGetBooks(ctx, &libraryv1.BatchGetBooksRequest{Ids: ids})
		require.NoError(t, err)
		require.Len(t, got.Books, 2)
		assert.Equal(t, "B2'", got.Books[0].Title, "in the order asked")
		_, err = c.books.BatchGetBooks(ctx, &libraryv1.BatchGetBooksRequest{Ids: []int64{ids[0], 1 << 40}})
		assert.Equal(t, connect.CodeNotFound, codeOf(err))

		_, err = c.books.BatchDeleteBooks(ctx, &libraryv1.BatchDeleteBooksRequest{Ids: []int64{ids[0], 1 << 40}})
		assert.Equal(t, connect.CodeNotFound, codeOf(err))
		g, err := c.books.GetBook(ctx, &libraryv1.GetBookRequest{Id: ids[0]})
		require.NoError(t, err)
		assert.Nil(t, g.DeleteTime, "a failed batch deletes nothing")
		_, err = c.books.BatchDeleteBooks(ctx, &libraryv1.BatchDeleteBooksRequest{Ids: ids})
		require.NoError(t, err)
		g, err = c.books.GetBook(ctx, &libraryv1.GetBookRequest{Id: ids[0]})
		require.NoError(t, err)
		assert.NotNil(t, g.DeleteTime, "soft-deleted")
	})

	t.Run("batch delete of a repeated id", func(t *testing.T) {
		// Each id given twice: the book is deleted once, not NotFound
		// (it existed when the call began), over gRPC and Connect.
		res, err := c.books.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: []*libraryv1.CreateBookRequest{
			{Book: &libraryv1.Book{Title: "R1", AuthorId: author.Id, Isbn: 201}},
			{Book: &libraryv1.Book{Title: "R2", AuthorId: author.Id, Isbn: 202}},
		}})
		require.NoError(t, err)
		a, b := res.Books[0].Id, res.Books[1].Id
		_, err = c.grpcBooks.BatchDeleteBooks(ctx, &libraryv1.BatchDeleteBooksRequest{Ids: []int64{a, a}})
		require.NoError(t, err)
		_, err = c.books.BatchDeleteBooks(ctx, &libraryv1.BatchDeleteBooksRequest{Ids: []int64{b, a, b}})
		assert.Equal(t, connect.CodeNotFound, codeOf(err), "a was deleted by the call before")
		_, err = c.booksH2C.BatchDeleteBooks(ctx, &libraryv1.BatchDeleteBooksRequest{Ids: []int64{b, b}})
		require.NoError(t, err)
		for _, id := range []int64{a, b} {
			g, err := c.books.GetBook(ctx, &libraryv1.GetBookRequest{Id: id})
			require.NoError(t, err)
			assert.NotNil(t, g.DeleteTime, "soft-deleted")
			assert.Equal(t, "2", g.Etag, "deleted once")
		}
	})

	t.Run("invalid list requests", func(t *testing.T) {
		first, err := c.books.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: 1})
		require.NoError(t, err)
		require.NotEmpty(t, first.NextPageToken)
		tampered := first.NextPageToken[:len(first.NextPageToken)-2] + "xx"
		if tampered == first.NextPageToken {
			tampered = first.NextPageToken[:len(first.NextPageToken)-2] + "yy"
		}
		for name, req := range map[string]*libraryv1.ListBooksRequest{
			"negative page size":     {PageSize: -1},
			"unknown filter field":   {Filter: "colour = 1"},
			"bad filter syntax":      {Filter: "title = "},
			"unknown order":          {OrderBy: "colour"},
			"tampered token":         {PageToken: tampered},
			"token of another query": {PageToken: first.NextPageToken, Filter: "isbn > 0"},
		} {
			_, err := c.books.ListBooks(ctx, req)
			assert.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%s: %v", name, err)
		}
	})
}

func etagNumber(t *testing.T, etag string) int {
	n, err := strconv.Atoi(etag)
	require.NoError(t, err, "etag %q", etag)
	return n
}

// guardedBooks overrides one generated method, as users do for
// authorisation and defaults, and keeps the others.
type guardedBooks struct {
	*libraryv1.BookServiceCRUD
}

func (g guardedBooks) CreateBook(ctx context.Context, req *libraryv1.CreateBookRequest) (*libraryv1.Book, error) {
	if req.GetBook().GetTitle() == "forbidden" {
		return nil, connect.NewError(connect.CodePermissionDenied, errors.New("not allowed"))
	}
	if req.GetBook().GetState() == libraryv1.BookState_BOOK_STATE_UNSPECIFIED {
		req.Book.State = libraryv1.BookState_BOOK_STATE_DRAFT // a default set by the application
	}
	return g.BookServiceCRUD.CreateBook(ctx, req)
}

// TestOverrideByEmbedding checks that hooks live in user code: an
// embedding type overrides CreateBook and still serves every other method.
func TestOverrideByEmbedding(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_ = serve(t, db) // migrates
		mux := http.NewServeMux()
		mux.Handle(libraryv1connect.NewBookServiceHandler(guardedBooks{libraryv1.NewBookServiceCRUD(db)}))
		mux.Handle(libraryv1connect.NewAuthorServiceHandler(libraryv1.NewAuthorServiceCRUD(db)))
		srv := httptest.NewServer(mux)
		t.Cleanup(srv.Close)
		books := libraryv1connect.NewBookServiceClient(srv.Client(), srv.URL)
		authors := libraryv1connect.NewAuthorServiceClient(srv.Client(), srv.URL)
		ctx := context.Background()
		a, err := authors.CreateAuthor(ctx, &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "A"}})
		require.NoError(t, err)
		_, err = books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "forbidden", AuthorId: a.Id}})
		assert.Equal(t, connect.CodePermissionDenied, codeOf(err))
		b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "fine", AuthorId: a.Id}})
		require.NoError(t, err)
		assert.Equal(t, libraryv1.BookState_BOOK_STATE_DRAFT, b.State)
		g, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
		require.NoError(t, err, "the other methods are the generated ones")
		assert.Equal(t, "fine", g.Title)
	})
}

// TestLimits checks the configurable request limits: each is refused with
// InvalidArgument naming the field.
func TestLimits(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	_ = serve(t, db)
	mux := http.NewServeMux()
	mux.Handle(libraryv1connect.NewBookServiceHandler(libraryv1.NewBookServiceCRUD(db,
		crudrt.WithLimits(crudrt.Limits{MaxFilterLength: 20, MaxOrderByTerms: 2, MaxBatchSize: 2}),
		crudrt.WithPageSizes(5, 10))))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := libraryv1connect.NewBookServiceClient(srv.Client(), srv.URL)
	ctx := context.Background()
	for field, call := range map[string]func() error{
		"filter": func() error {
			_, err := c.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: `title = "a very long title indeed"`})
			return err
		},
		"order_by": func() error {
			_, err := c.ListBooks(ctx, &libraryv1.ListBooksRequest{OrderBy: "title, isbn, id"})
			return err
		},
		// The request's own field (AIP-193), whichever batch method.
		"ids": func() error {
			_, err := c.BatchGetBooks(ctx, &libraryv1.BatchGetBooksRequest{Ids: []int64{1, 2, 3}})
			if _, derr := c.BatchDeleteBooks(ctx, &libraryv1.BatchDeleteBooksRequest{Ids: []int64{1, 2, 3}}); codeOf(derr) != connect.CodeInvalidArgument || !slices.Equal(badRequestFields(t, derr), []string{"ids"}) {
				return fmt.Errorf("BatchDelete: %w", derr)
			}
			return err
		},
		"requests": func() error {
			_, err := c.BatchCreateBooks(ctx, &libraryv1.BatchCreateBooksRequest{Requests: make([]*libraryv1.CreateBookRequest, 3)})
			return err
		},
	} {
		err := call()
		require.Equal(t, connect.CodeInvalidArgument, codeOf(err), "%s: %v", field, err)
		assert.Equal(t, []string{field}, badRequestFields(t, err))
	}
	res, err := c.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: 500})
	require.NoError(t, err, "page sizes above the maximum are capped, not refused")
	assert.LessOrEqual(t, len(res.Books), 10)
}
