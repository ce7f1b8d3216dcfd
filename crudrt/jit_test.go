package crudrt_test

import (
	"context"
	"database/sql"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/protoforge/protoforge/crudrt"
	crpg "github.com/protoforge/protoforge/crudrt/postgres"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/ormrt"
)

// TestClientFilterReadWithoutJIT: on PostgreSQL, a List whose query holds
// a client's filter is read with JIT compilation off (a filter of many
// conditions through JSON lists is estimated dear enough to be compiled,
// a second of CPU at every call for a query of a millisecond), for that
// statement only; a List without a filter is read as before.
func TestClientFilterReadWithoutJIT(t *testing.T) {
	ctx := context.Background()
	_, db := onePostgresConn(t, func(cfg *pgxpool.Config) { cfg.ConnConfig.RuntimeParams["jit"] = "on" })
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	jit := func(ctx context.Context) string {
		t.Helper()
		var v string
		if err := crpg.Read(ctx, sqlDB, "SELECT current_setting('jit')", nil, func() []any { return []any{&v} }); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if got := jit(crudrt.WithClientFilter(ctx)); got != "off" {
		t.Errorf("jit with a client's filter = %q, want off", got)
	}
	if got := jit(ctx); got != "on" {
		t.Errorf("jit after it, and without a filter = %q, want on: the setting outlived its statement", got)
	}

	// List tells the reader which of its queries hold a client's filter.
	migrateExample(t, db)
	var mu sync.Mutex
	var seen []bool
	crudrt.RegisterRowReader(ormrt.Postgres, func(ctx context.Context, db *sql.DB, q string, args []any, dest func() []any) error {
		mu.Lock()
		seen = append(seen, crudrt.ClientFilter(ctx))
		mu.Unlock()
		return crpg.Read(ctx, db, q, args, dest)
	})
	t.Cleanup(func() { crudrt.RegisterRowReader(ormrt.Postgres, crpg.Read) })
	books := libraryv1.NewBookServiceCRUD(db)
	for _, c := range []struct {
		filter string
		want   bool
	}{{"", false}, {`title = "a"`, true}, {`tags:"sf" OR tags:"x"`, true}} {
		seen = nil
		if _, err := books.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: c.filter}); err != nil {
			t.Fatal(err)
		}
		if len(seen) == 0 {
			t.Fatalf("filter %q: no read through the row reader", c.filter)
		}
		for _, got := range seen {
			if got != c.want {
				t.Errorf("filter %q: reader told ClientFilter = %v, want %v", c.filter, got, c.want)
			}
		}
	}
}
