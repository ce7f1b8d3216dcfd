package crudrt_test

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	rulesv1 "github.com/protoforge/protoforge/internal/e2e/gen/rules/v1"
	tenantv1 "github.com/protoforge/protoforge/internal/e2e/gen/tenant/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestDialects runs the key paths on SQLite, PostgreSQL and MariaDB, one
// database each: what a method returns is what is stored (times to the
// microsecond, uint64 beyond int64), pages follow keyset order, etags
// guard updates and deletes, batches are all or none, database errors keep
// their codes and tenants are isolated.
func TestDialects(t *testing.T) {
	for _, d := range testdb.All {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			clock := time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC)
			l := newLibrary(t, d, crudrt.WithClock(func() time.Time { clock = clock.Add(time.Second + time.Nanosecond); return clock }))
			stored := func(p proto.Message) {
				t.Helper()
				got := l.getBook(t, p.(*libraryv1.Book).Id)
				if !proto.Equal(got, p) {
					t.Fatalf("returned %v, stored %v", p, got)
				}
			}

			// Create, Get, List pages by a uint64 order.
			var books []*libraryv1.Book
			for i := range 5 {
				b := l.addBook(t, &libraryv1.Book{Title: fmt.Sprint("b", i), Isbn: math.MaxUint64 - uint64(i),
					State: libraryv1.BookState_BOOK_STATE_PUBLISHED, Tags: []string{"x"}, Metadata: map[string]string{"k": "v"}})
				if b.CreateTime.AsTime().Nanosecond()%1000 != 0 {
					t.Fatalf("create_time %v has nanoseconds", b.CreateTime.AsTime())
				}
				stored(b)
				books = append(books, b)
			}
			got, pages := listAll(t, l.books, crudrt.ListRequest{OrderBy: "isbn", PageSize: 2, Filter: "isbn > 9223372036854775807 AND state = BOOK_STATE_PUBLISHED"})
			if fmt.Sprint(got) != "[b4 b3 b2 b1 b0]" || pages != 3 {
				t.Errorf("pages by isbn: %v in %d pages", got, pages)
			}
			items, _, err := l.books.List(ctx, crudrt.ListRequest{Filter: fmt.Sprintf("create_time > %q", books[2].CreateTime.AsTime().Format(time.RFC3339Nano))})
			if err != nil || len(items) != 2 {
				t.Errorf("filter on create_time: %v, %v", items, err)
			}

			// Update with and without the etag.
			b := books[0]
			out, err := l.books.Update(ctx, &libraryv1.Book{Id: b.Id, Title: "new", Etag: b.Etag}, nil)
			if err != nil {
				t.Fatal(err)
			}
			stored(out)
			_, err = l.books.Update(ctx, &libraryv1.Book{Id: b.Id, Title: "stale", Etag: b.Etag}, nil)
			wantCode(t, err, connect.CodeAborted)
			_, err = l.books.Update(ctx, &libraryv1.Book{Id: b.Id, Isbn: books[1].Isbn}, fieldMask("isbn"))
			wantCode(t, err, connect.CodeAlreadyExists)
			_, err = l.books.Update(ctx, &libraryv1.Book{Id: b.Id, AuthorId: l.author + 100}, fieldMask("author_id"))
			wantCode(t, err, connect.CodeFailedPrecondition)
			stored(out)

			// Delete and Undelete.
			_, err = l.books.Delete(ctx, b.Id, b.Etag)
			wantCode(t, err, connect.CodeAborted)
			del, err := l.books.Delete(ctx, b.Id, out.(*libraryv1.Book).Etag)
			if err != nil {
				t.Fatal(err)
			}
			stored(del)
			_, err = l.books.Delete(ctx, b.Id, "")
			wantCode(t, err, connect.CodeNotFound)
			und, err := l.books.Undelete(ctx, b.Id, del.(*libraryv1.Book).Etag)
			if err != nil {
				t.Fatal(err)
			}
			stored(und)
			_, err = l.books.Undelete(ctx, b.Id, "")
			wantCode(t, err, connect.CodeAlreadyExists)

			// Batches.
			bg, err := l.books.BatchGet(ctx, []any{books[3].Id, books[1].Id, books[3].Id})
			if err != nil || len(bg) != 3 || !proto.Equal(bg[0], books[3]) || !proto.Equal(bg[1], books[1]) || !proto.Equal(bg[2], books[3]) {
				t.Errorf("BatchGet = %v, %v", bg, err)
			}
			_, err = l.books.BatchGet(ctx, []any{books[3].Id, int64(-1)})
			wantCode(t, err, connect.CodeNotFound)
			n := countRows(t, l.db, "books")
			_, err = l.books.BatchCreate(ctx, []proto.Message{
				&libraryv1.Book{Title: "c1", AuthorId: l.author, Isbn: 1},
				&libraryv1.Book{Title: "c2", AuthorId: l.author, Isbn: books[2].Isbn},
			})
			wantCode(t, err, connect.CodeAlreadyExists)
			if got := countRows(t, l.db, "books"); got != n {
				t.Errorf("%d books after a refused batch, want %d", got, n)
			}
			created, err := l.books.BatchCreate(ctx, []proto.Message{
				&libraryv1.Book{Title: "c1", AuthorId: l.author, Isbn: 1},
				&libraryv1.Book{Title: "c2", AuthorId: l.author, Isbn: 2},
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range created {
				stored(c)
			}
			err = l.books.BatchDelete(ctx, []any{created[0].(*libraryv1.Book).Id, int64(-1)})
			wantCode(t, err, connect.CodeNotFound)
			if got := l.getBook(t, created[0].(*libraryv1.Book).Id); got.DeleteTime != nil {
				t.Errorf("a refused batch deleted %v", got)
			}
			if err := l.books.BatchDelete(ctx, []any{created[0].(*libraryv1.Book).Id, created[1].(*libraryv1.Book).Id}); err != nil {
				t.Fatal(err)
			}

			// Hard deletion cascades.
			if _, err := l.authors.Delete(ctx, l.author, ""); err != nil {
				t.Fatal(err)
			}
			if got := countRows(t, l.db, "books"); got != 0 {
				t.Errorf("%d books left after their author was deleted", got)
			}

			// Tenants.
			applyE2ESchema(t, l.db, "tenant")
			testTenantIsolation(t, l.db)

			// An integer tenant of a string tenant field is stored and
			// compared as its decimal spelling.
			t.Run("integer tenant", func(t *testing.T) {
				notes := crudrt.NewService(l.db, noteResource(), crudrt.WithTenant(tenantOfCtx), crudrt.WithLogger(slog.New(slog.DiscardHandler)))
				out, err := notes.Create(asTenant(42), &tenantv1.Note{Text: "int"})
				if err != nil {
					t.Fatal(err)
				}
				n := out.(*tenantv1.Note)
				if n.TenantId != "42" {
					t.Errorf("tenant_id %q, want 42", n.TenantId)
				}
				for _, tenant := range []any{42, int64(42), int32(42), "42"} {
					got, err := notes.Get(asTenant(tenant), n.Id)
					if err != nil || !proto.Equal(got, n) {
						t.Errorf("Get as tenant %#v: %v, %v", tenant, got, err)
					}
					items, _, err := notes.List(asTenant(tenant), crudrt.ListRequest{})
					if err != nil || len(items) != 1 {
						t.Errorf("List as tenant %#v: %v, %v", tenant, items, err)
					}
				}
			})

			// An update that changes no value of a model without etag
			// and update_time succeeds (MySQL counts changed rows only).
			t.Run("unchanged", func(t *testing.T) {
				applyE2ESchema(t, l.db, "rules")
				svc := crudrt.NewService(l.db, gadgetResource())
				out, err := svc.Create(ctx, validGadget())
				if err != nil {
					t.Fatal(err)
				}
				g := out.(*rulesv1.Gadget)
				up, err := svc.Update(ctx, &rulesv1.Gadget{Id: g.Id, Name: g.Name}, nil)
				if err != nil {
					t.Fatalf("Update to the same name: %v", err)
				}
				if !proto.Equal(up, g) {
					t.Errorf("Update = %v, want %v", up, g)
				}
			})
		})
	}
}
