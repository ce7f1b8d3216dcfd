package postgres

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/ormrt"
)

// TestResultFormats: Read and Tx read NUMERIC (uint64 columns) as text,
// which ormrt.Uint64 scans, and the other types of a model's columns in
// binary, as pgx reads them by default, each into the value stored.
func TestResultFormats(t *testing.T) {
	ctx := context.Background()
	_, db, sqlDB := openPool(t)
	// pgx's own choice for each type (binary for numbers and times), but
	// NUMERIC as text.
	def := pgtype.NewMap()
	for oid, want := range map[uint32]int16{
		pgtype.NumericOID: pgx.TextFormatCode, pgtype.Int8OID: pgx.BinaryFormatCode, pgtype.TimestamptzOID: pgx.BinaryFormatCode,
		pgtype.Float4OID: pgx.BinaryFormatCode, pgtype.BoolOID: pgx.BinaryFormatCode, pgtype.ByteaOID: pgx.BinaryFormatCode,
		pgtype.JSONBOID: def.FormatCodeForOID(pgtype.JSONBOID), pgtype.VarcharOID: def.FormatCodeForOID(pgtype.VarcharOID),
	} {
		if got := textNumeric[oid]; got != want {
			t.Errorf("OID %d is read in format %d, want %d", oid, got, want)
		}
	}
	if err := db.Exec(`CREATE TABLE k (id bigint PRIMARY KEY, n numeric(20) NOT NULL, ts timestamptz NOT NULL, j jsonb NOT NULL, b bytea NOT NULL, r real NOT NULL, ok boolean NOT NULL, s varchar(20) NOT NULL, i integer NOT NULL)`).Error; err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 2, 29, 23, 59, 58, 123456000, time.UTC)
	if err := db.Exec(`INSERT INTO k VALUES (?, 18446744073709551615, ?, '{"a": [1, "x"]}', '\x00ff', 0.1, true, 'é', -7)`, int64(1), at).Error; err != nil {
		t.Fatal(err)
	}
	const q = `SELECT id, n, ts, j, b, r, ok, s, i FROM k WHERE id = ?`
	check := func(name string, read func(dest func() []any) error) {
		var (
			id  int64
			n   ormrt.Uint64
			ts  time.Time
			j   ormrt.JSON
			b   []byte
			r   float32
			ok  bool
			s   string
			i   int32
			row int
		)
		if err := read(func() []any { row++; return []any{&id, &n, &ts, &j, &b, &r, &ok, &s, &i} }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if row != 1 || id != 1 || uint64(n) != 18446744073709551615 || !ts.Equal(at) || string(j) != `{"a": [1, "x"]}` ||
			string(b) != "\x00\xff" || r != 0.1 || !ok || s != "é" || i != -7 {
			t.Errorf("%s read %d rows: %d %d %v %s %q %v %v %q %d", name, row, id, uint64(n), ts, j, b, r, ok, s, i)
		}
	}
	check("Read", func(dest func() []any) error { return Read(ctx, sqlDB, q, []any{int64(1)}, dest) })
	check("Tx", func(dest func() []any) error {
		return Tx(ctx, sqlDB, func(c crudrt.TxConn) error { return c.Query(q, []any{int64(1)}, dest) })
	})
}
