package postgres

import (
	"context"
	"database/sql"
	"runtime"
	"testing"
	"time"
	"weak"

	"github.com/jackc/pgx/v5/pgxpool"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/internal/testdb"
)

// openPool opens a pgx pool on a database of the test's own, and GORM on
// it with Open.
func openPool(t *testing.T) (*pgxpool.Pool, *gorm.DB, *sql.DB) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), testdb.DSN(t, testdb.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	db, err := Open(pool, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	return pool, db, sqlDB
}

// TestOpenUsesThePool: on a database of Open, Read, Write and Tx take the
// pool's connections directly, never database/sql's; GORM works over the
// same pool; a connection a failed write leaves in a transaction is not
// reused.
func TestOpenUsesThePool(t *testing.T) {
	ctx := context.Background()
	pool, db, sqlDB := openPool(t)
	if err := db.Exec(`CREATE TABLE t (id bigint PRIMARY KEY, v text NOT NULL)`).Error; err != nil {
		t.Fatal(err)
	}
	before, acquired := sqlDB.Stats(), pool.Stat().AcquireCount()

	var id int64
	var v string
	if err := Write(ctx, sqlDB, `INSERT INTO t (id, v) VALUES (?, ?) RETURNING id`, []any{int64(1), "a"}, func() []any { return []any{&id} }); err != nil || id != 1 {
		t.Fatalf("Write: id %d, %v", id, err)
	}
	if err := Read(ctx, sqlDB, `SELECT v FROM t WHERE id = ?`, []any{int64(1)}, func() []any { return []any{&v} }); err != nil || v != "a" {
		t.Fatalf("Read: %q, %v", v, err)
	}
	err := Tx(ctx, sqlDB, func(c crudrt.TxConn) error {
		n, err := c.Exec(`UPDATE t SET v = ? WHERE id = ?`, []any{"b", int64(1)})
		if err == nil && n != 1 {
			t.Errorf("Tx: %d rows changed, want 1", n)
		}
		return err
	})
	if err != nil {
		t.Fatalf("Tx: %v", err)
	}
	// A statement that fails inside Write's transaction is rolled back.
	err = Write(ctx, sqlDB, `INSERT INTO t (id, v) VALUES (?, ?) RETURNING id`, []any{int64(1), "dup"}, func() []any { return []any{&id} })
	if Classify(err) != crudrt.DBErrorUnique {
		t.Fatalf("duplicate key: %v (%v), want a unique violation", err, Classify(err))
	}
	if after := sqlDB.Stats(); after.OpenConnections != before.OpenConnections || after.MaxIdleClosed != before.MaxIdleClosed || after.WaitCount != before.WaitCount {
		t.Errorf("database/sql was used: %+v, then %+v", before, after)
	}
	if got := pool.Stat().AcquireCount() - acquired; got != 4 {
		t.Errorf("%d connections taken from the pool, want 4", got)
	}
	// GORM reads what they wrote, through the same pool.
	if err := db.Raw(`SELECT v FROM t WHERE id = 1`).Scan(&v).Error; err != nil || v != "b" {
		t.Fatalf("GORM: %q, %v", v, err)
	}
	for _, c := range pool.AcquireAllIdle(ctx) {
		if s := c.Conn().PgConn().TxStatus(); s != 'I' {
			t.Errorf("an idle connection in transaction status %c", s)
		}
		c.Release()
	}
}

// TestOpenForgetsCollectedDatabases: a database of Open that the program
// lets go takes its entry (and the pool it holds) with it.
func TestOpenForgetsCollectedDatabases(t *testing.T) {
	pool, err := pgxpool.New(context.Background(), testdb.DSN(t, testdb.Postgres))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	key := func() weak.Pointer[sql.DB] {
		db, err := Open(pool, &gorm.Config{Logger: logger.Discard})
		if err != nil {
			t.Fatal(err)
		}
		sqlDB, _ := db.DB()
		_ = sqlDB.Close()
		return weak.Make(sqlDB)
	}()
	if _, ok := pools.Load(key); !ok {
		t.Fatal("Open registered no pool")
	}
	for i := 0; i < 50; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
		if _, ok := pools.Load(key); !ok {
			return
		}
	}
	t.Error("the entry of a collected database is still there")
}
