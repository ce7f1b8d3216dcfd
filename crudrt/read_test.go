package crudrt_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

func TestGet(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	b := l.addBook(t, &libraryv1.Book{Title: "Dune", Isbn: 9780441013593, Tags: []string{"sf"}, Metadata: map[string]string{"lang": "en"}})
	got, err := l.books.Get(ctx, b.Id)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(got, b) {
		t.Errorf("Get = %v, want what Create returned, %v", got, b)
	}
	_, err = l.books.Get(ctx, b.Id+100)
	wantCode(t, err, connect.CodeNotFound)
	if !strings.Contains(err.Error(), "library.v1.Book not found") {
		t.Errorf("NotFound says %q", err)
	}
	// A soft-deleted book is still returned, with its delete_time.
	if _, err := l.books.Delete(ctx, b.Id, ""); err != nil {
		t.Fatal(err)
	}
	if got := l.getBook(t, b.Id); got.GetDeleteTime() == nil {
		t.Errorf("Get of a deleted book: %v, want its delete_time", got)
	}
}

// listAll reads every page of req and returns the titles in order and
// the number of pages.
func listAll(t *testing.T, svc *crudrt.Service, req crudrt.ListRequest) ([]string, int) {
	t.Helper()
	var titles []string
	pages := 0
	for {
		items, next, err := svc.List(context.Background(), req)
		if err != nil {
			t.Fatalf("List(%+v): %v", req, err)
		}
		pages++
		if req.PageSize > 0 && len(items) > int(req.PageSize) {
			t.Fatalf("List(%+v): %d items", req, len(items))
		}
		for _, it := range items {
			titles = append(titles, it.(*libraryv1.Book).GetTitle())
		}
		if next == "" {
			return titles, pages
		}
		if pages > 100 {
			t.Fatal("more than 100 pages")
		}
		req.PageToken = next
	}
}

func TestListPageSizes(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite, crudrt.WithPageSizes(2, 3))
	for i := range 5 {
		l.addBook(t, &libraryv1.Book{Title: fmt.Sprintf("b%d", i), Isbn: uint64(i)})
	}
	_, _, err := l.books.List(ctx, crudrt.ListRequest{PageSize: -1})
	wantInvalid(t, err, "page_size")
	for _, c := range []struct {
		size int32
		want int
	}{{0, 2}, {1, 1}, {3, 3}, {4, 3}, {math.MaxInt32, 3}} {
		items, next, err := l.books.List(ctx, crudrt.ListRequest{PageSize: c.size})
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != c.want || next == "" {
			t.Errorf("page_size %d: %d items, next %q; want %d and a next page", c.size, len(items), next, c.want)
		}
	}
	// Default sizes: 50 and at most 1000.
	d := crudrt.NewService(l.db, bookResource())
	items, next, err := d.List(ctx, crudrt.ListRequest{})
	if err != nil || len(items) != 5 || next != "" {
		t.Errorf("default page: %d items, next %q, %v", len(items), next, err)
	}
	titles, pages := listAll(t, l.books, crudrt.ListRequest{})
	if want := []string{"b0", "b1", "b2", "b3", "b4"}; fmt.Sprint(titles) != fmt.Sprint(want) || pages != 3 {
		t.Errorf("pages of 2: %v in %d pages, want %v in 3", titles, pages, want)
	}
	// A page that ends on the last row has no next page.
	l5 := crudrt.NewService(l.db, bookResource(), crudrt.WithPageSizes(10, 5))
	items, next, err = l5.List(ctx, crudrt.ListRequest{PageSize: 5})
	if err != nil || len(items) != 5 || next != "" {
		t.Errorf("exact last page: %d items, next %q, %v", len(items), next, err)
	}
}

func TestListPagesAndOrder(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	titles := []string{"m", "c", "x", "a", "q", "c2", "b"}
	for i, title := range titles {
		// ISBNs beyond int64 order as numbers, not as signed values.
		l.addBook(t, &libraryv1.Book{Title: title, Isbn: math.MaxUint64 - uint64(i)*(1<<60)})
	}
	sorted := append([]string(nil), titles...)
	sort.Strings(sorted)
	reversed := append([]string(nil), sorted...)
	sort.Sort(sort.Reverse(sort.StringSlice(reversed)))
	for _, c := range []struct {
		orderBy string
		want    []string
	}{
		{"", titles},
		{"title", sorted},
		{"title desc", reversed},
		{" title  asc , id desc", sorted},
		{"isbn", []string{"b", "c2", "q", "a", "x", "c", "m"}},
		{"isbn desc", titles},
		{"author_id, title desc", reversed},
	} {
		for _, size := range []int32{1, 2, 3, 7, 8} {
			got, pages := listAll(t, l.books, crudrt.ListRequest{OrderBy: c.orderBy, PageSize: size})
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("order_by %q, pages of %d: %v, want %v", c.orderBy, size, got, c.want)
			}
			if want := (len(titles) + int(size) - 1) / int(size); size < 7 && pages != want {
				t.Errorf("order_by %q, pages of %d: %d pages, want %d", c.orderBy, size, pages, want)
			}
		}
	}
	// Filtered pages.
	got, _ := listAll(t, l.books, crudrt.ListRequest{Filter: `title >= "c"`, OrderBy: "title", PageSize: 2})
	if want := []string{"c", "c2", "m", "q", "x"}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("filtered pages: %v, want %v", got, want)
	}

	// Tokens are bound to the query and tamper-evident.
	_, next, err := l.books.List(ctx, crudrt.ListRequest{OrderBy: "title", PageSize: 2})
	if err != nil || next == "" {
		t.Fatal(next, err)
	}
	tampered := []byte(next)
	i := len(tampered) / 2
	if tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	for name, req := range map[string]crudrt.ListRequest{
		"tampered":           {OrderBy: "title", PageSize: 2, PageToken: string(tampered)},
		"truncated":          {OrderBy: "title", PageSize: 2, PageToken: next[:len(next)-1]},
		"garbage":            {OrderBy: "title", PageSize: 2, PageToken: "not a token!"},
		"other order":        {OrderBy: "title desc", PageSize: 2, PageToken: next},
		"other filter":       {OrderBy: "title", Filter: `title != ""`, PageSize: 2, PageToken: next},
		"other show_deleted": {OrderBy: "title", ShowDeleted: true, PageSize: 2, PageToken: next},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := l.books.List(ctx, req)
			wantInvalid(t, err, "page_token")
		})
	}
	// The page size may change between pages.
	items, _, err := l.books.List(ctx, crudrt.ListRequest{OrderBy: "title", PageSize: 3, PageToken: next})
	if err != nil || len(items) != 3 || items[0].(*libraryv1.Book).GetTitle() != "c" {
		t.Errorf("next page with another size: %v, %v", items, err)
	}
}

func TestListRequestLimits(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	l.addBook(t, &libraryv1.Book{Title: "t"})
	long := `title = "` + strings.Repeat("x", 4096) + `"`
	_, _, err := l.books.List(ctx, crudrt.ListRequest{Filter: long})
	wantInvalid(t, err, "filter")
	if !strings.Contains(err.Error(), "at most 4096 bytes") {
		t.Errorf("error %q does not give the limit", err)
	}
	// Every field that can be ordered by, under the default limit of 8.
	six := "id, title, author_id, state, isbn, etag"
	if _, _, err := l.books.List(ctx, crudrt.ListRequest{OrderBy: six}); err != nil {
		t.Errorf("order_by of 6 terms: %v", err)
	}

	limited := crudrt.NewService(l.db, bookResource(), crudrt.WithLimits(crudrt.Limits{MaxFilterLength: 16, MaxOrderByTerms: 2}))
	_, _, err = limited.List(ctx, crudrt.ListRequest{Filter: `title = "12345678"`})
	wantInvalid(t, err, "filter")
	if !strings.Contains(err.Error(), "at most 16 bytes (got 18)") {
		t.Errorf("error %q does not give the limit", err)
	}
	if _, _, err := limited.List(ctx, crudrt.ListRequest{Filter: `title = "123456"`}); err != nil {
		t.Errorf("filter of 16 bytes: %v", err)
	}
	_, _, err = limited.List(ctx, crudrt.ListRequest{OrderBy: "title, isbn, state"})
	wantInvalid(t, err, "order_by")
	if !strings.Contains(err.Error(), "at most 2 terms (got 3)") {
		t.Errorf("error %q does not give the limit", err)
	}
	if _, _, err := limited.List(ctx, crudrt.ListRequest{OrderBy: "title, isbn"}); err != nil {
		t.Errorf("order_by of 2 terms: %v", err)
	}
	// A limit above the ceiling is the ceiling.
	wide := crudrt.NewService(l.db, bookResource(), crudrt.WithLimits(crudrt.Limits{MaxFilterLength: 1 << 20}))
	_, _, err = wide.List(ctx, crudrt.ListRequest{Filter: long})
	wantInvalid(t, err, "filter")

	for _, c := range []struct{ filter, orderBy, field string }{
		{`colour = "red"`, "", "filter"},
		{`title = `, "", "filter"},
		{`tags = "a"`, "", "filter"},
		{"", "colour", "order_by"},
		{"", "tags", "order_by"},
		{"", "title, title", "order_by"},
		{"", "title sideways", "order_by"},
	} {
		_, _, err := l.books.List(ctx, crudrt.ListRequest{Filter: c.filter, OrderBy: c.orderBy})
		wantInvalid(t, err, c.field)
	}
}

func TestListFilters(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	l := newLibrary(t, testdb.SQLite, crudrt.WithClock(now))
	add := func(title string, st libraryv1.BookState, isbn uint64) {
		l.addBook(t, &libraryv1.Book{Title: title, State: st, Isbn: isbn})
		clock = clock.Add(time.Hour)
	}
	add("draft", libraryv1.BookState_BOOK_STATE_DRAFT, 1)
	add("published", libraryv1.BookState_BOOK_STATE_PUBLISHED, 9780000000000)
	add("huge", libraryv1.BookState_BOOK_STATE_PUBLISHED, math.MaxUint64)
	add("oop", libraryv1.BookState_BOOK_STATE_OUT_OF_PRINT, 1<<63)
	for _, c := range []struct {
		filter string
		want   []string
	}{
		{"state = BOOK_STATE_PUBLISHED", []string{"published", "huge"}},
		{"state != BOOK_STATE_PUBLISHED", []string{"draft", "oop"}},
		{"isbn > 9223372036854775807", []string{"huge", "oop"}},
		{"isbn = 18446744073709551615", []string{"huge"}},
		{"isbn < 9780000000000", []string{"draft"}},
		{`create_time >= "2024-05-01T13:00:00Z"`, []string{"published", "huge", "oop"}},
		{`create_time < "2024-05-01T13:00:00Z"`, []string{"draft"}},
		{`update_time = "2024-05-01T14:00:00Z"`, []string{"huge"}},
		{`state = BOOK_STATE_PUBLISHED AND isbn > 9780000000000`, []string{"huge"}},
		{`title = "draft" OR title = "oop"`, []string{"draft", "oop"}},
		{`NOT title = "draft"`, []string{"published", "huge", "oop"}},
		{`author_id = ` + fmt.Sprint(l.author), []string{"draft", "published", "huge", "oop"}},
		{`author_id = 0`, nil},
	} {
		got, _ := listAll(t, l.books, crudrt.ListRequest{Filter: c.filter, PageSize: 1})
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("filter %q: %v, want %v", c.filter, got, c.want)
		}
	}
	// SQL in a filter is a value, never SQL.
	items, _, err := l.books.List(ctx, crudrt.ListRequest{Filter: `title = "x' OR '1'='1"`})
	if err != nil || len(items) != 0 {
		t.Errorf("injection: %v, %v", items, err)
	}
}

func TestListShowDeleted(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	a := l.addBook(t, &libraryv1.Book{Title: "a", Isbn: 1})
	l.addBook(t, &libraryv1.Book{Title: "b", Isbn: 2})
	if _, err := l.books.Delete(ctx, a.Id, ""); err != nil {
		t.Fatal(err)
	}
	got, _ := listAll(t, l.books, crudrt.ListRequest{})
	if fmt.Sprint(got) != "[b]" {
		t.Errorf("without show_deleted: %v", got)
	}
	items, _, err := l.books.List(ctx, crudrt.ListRequest{ShowDeleted: true})
	if err != nil || len(items) != 2 {
		t.Fatalf("show_deleted: %v, %v", items, err)
	}
	if items[0].(*libraryv1.Book).GetDeleteTime() == nil || items[1].(*libraryv1.Book).GetDeleteTime() != nil {
		t.Errorf("show_deleted: %v", items)
	}
	got, _ = listAll(t, l.books, crudrt.ListRequest{ShowDeleted: true, PageSize: 1, Filter: `title != "c"`})
	if fmt.Sprint(got) != "[a b]" {
		t.Errorf("show_deleted pages: %v", got)
	}
	// A model without delete_time lists every row.
	authors, _, err := l.authors.List(ctx, crudrt.ListRequest{ShowDeleted: true})
	if err != nil || len(authors) != 1 {
		t.Errorf("authors: %v, %v", authors, err)
	}
}

func TestBatchGet(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite, crudrt.WithLimits(crudrt.Limits{MaxBatchSize: 4}))
	a := l.addBook(t, &libraryv1.Book{Title: "a", Isbn: 1})
	b := l.addBook(t, &libraryv1.Book{Title: "b", Isbn: 2})
	c := l.addBook(t, &libraryv1.Book{Title: "c", Isbn: 3})
	got, err := l.books.BatchGet(ctx, []any{c.Id, a.Id, c.Id, b.Id})
	if err != nil {
		t.Fatal(err)
	}
	want := []*libraryv1.Book{c, a, c, b}
	if len(got) != len(want) {
		t.Fatalf("%d books, want %d", len(got), len(want))
	}
	for i := range want {
		if !proto.Equal(got[i], want[i]) {
			t.Errorf("[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	// A key asked twice gets two messages: changing one leaves the other.
	got[0].(*libraryv1.Book).Title = "changed"
	if got[2].(*libraryv1.Book).GetTitle() != "c" {
		t.Errorf("duplicates share one message")
	}

	_, err = l.books.BatchGet(ctx, []any{a.Id, c.Id + 100, b.Id})
	wantCode(t, err, connect.CodeNotFound)
	if !strings.Contains(err.Error(), "library.v1.Book 1 of the batch") {
		t.Errorf("NotFound does not name the index: %q", err)
	}
	_, err = l.books.BatchGet(ctx, []any{a.Id, b.Id, c.Id, a.Id, b.Id})
	wantCode(t, err, connect.CodeInvalidArgument)
	if !strings.Contains(err.Error(), "at most 4 per call (got 5)") {
		t.Errorf("error %q does not give the limit", err)
	}
	for _, keys := range [][]any{nil, {}} {
		// AIP-231: no names is INVALID_ARGUMENT.
		_, err := l.books.BatchGet(ctx, keys)
		wantCode(t, err, connect.CodeInvalidArgument)
		if !strings.Contains(err.Error(), "ids: required") {
			t.Errorf("BatchGet(%v): %q does not name the field", keys, err)
		}
	}
	// Soft-deleted books are returned with their delete_time, as Get does.
	if _, err := l.books.Delete(ctx, b.Id, ""); err != nil {
		t.Fatal(err)
	}
	got, err = l.books.BatchGet(ctx, []any{b.Id})
	if err != nil || got[0].(*libraryv1.Book).GetDeleteTime() == nil {
		t.Errorf("BatchGet of a deleted book: %v, %v", got, err)
	}
}

// TestListNullableOrder pages one book at a time through orders on
// create_time, which rows written around the server may leave NULL, on
// every database: NULLs are smaller than any time (first ascending, last
// descending), every book is listed once, and the tokens carry NULL.
func TestListNullableOrder(t *testing.T) {
	ctx := context.Background()
	for _, d := range testdb.All {
		t.Run(string(d), func(t *testing.T) {
			clock := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
			l := newLibrary(t, d, crudrt.WithClock(func() time.Time { return clock }))
			var ids []int64
			for i := range 6 {
				b := l.addBook(t, &libraryv1.Book{Title: fmt.Sprintf("b%d", i), Isbn: uint64(i + 1)})
				ids = append(ids, b.Id)
				if i%3 == 0 {
					// Not the server's: no creation time.
					if err := l.db.Exec("UPDATE books SET create_time = NULL WHERE id = ?", b.Id).Error; err != nil {
						t.Fatal(err)
					}
				}
				if i != 4 {
					clock = clock.Add(time.Hour) // books 4 and 5 share a time
				}
			}
			// 0 and 3 are NULL; 1, 2, then 4 and 5 at one time.
			for orderBy, want := range map[string][]int64{
				"create_time":             {ids[0], ids[3], ids[1], ids[2], ids[4], ids[5]},
				"create_time desc":        {ids[4], ids[5], ids[2], ids[1], ids[0], ids[3]},
				"create_time desc, title": {ids[4], ids[5], ids[2], ids[1], ids[0], ids[3]},
			} {
				var got []int64
				token := ""
				for range 10 {
					page, next, err := l.books.List(ctx, crudrt.ListRequest{OrderBy: orderBy, PageSize: 1, PageToken: token})
					if err != nil {
						t.Fatalf("%s: %v", orderBy, err)
					}
					for _, m := range page {
						got = append(got, m.(*libraryv1.Book).Id)
					}
					if token = next; token == "" {
						break
					}
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: pages give %v, want %v", orderBy, got, want)
				}
			}
		})
	}
}
