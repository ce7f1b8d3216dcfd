package migrate_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/protoforge/protoforge/internal/gen/sqlschema"
	"github.com/protoforge/protoforge/internal/migrate"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// TestPostgresByteOrderFromEarlierSnapshots: string columns of a snapshot
// written before columns had a PostgreSQL collation of their own follow
// the database's; the migration to the current snapshot makes them
// COLLATE "C" (byte order, as on MySQL/MariaDB and SQLite), keys that
// foreign keys reference included, and its down migration gives them the
// database's collation back. On a database whose locale orders "a" before
// "B" (ICU en-US), the order of rows shows it, and the catalog equals the
// declarative schema's.
func TestPostgresByteOrderFromEarlierSnapshots(t *testing.T) {
	schemaPath, dir, plan := fromEarlierSnapshot(t, "postgres_collation")
	for _, table := range []string{"authors", "titles", "stores", "shelves"} {
		assert.Contains(t, plan, "~ table "+table+`: strings order byte by byte (PostgreSQL: COLLATE "C")`)
	}

	open := func() *sql.DB {
		db, err := sql.Open("pgx", testdb.PostgresDSNWith(t, "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' TEMPLATE template0"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	db := open()
	ctx := context.Background()
	var err error
	p, err := goose.NewProvider(goose.DialectPostgres, db, os.DirFS(filepath.Join(dir, "postgres")))
	require.NoError(t, err)
	_, err = p.UpTo(ctx, 1)
	require.NoError(t, err)
	for _, s := range []string{
		"INSERT INTO authors (id, name) VALUES (1, 'a'), (2, 'B')",
		"INSERT INTO stores (store) VALUES ('a'), ('B')",
		"INSERT INTO shelves (store, shelf) VALUES ('a', 'x'), ('B', 'x')",
		"INSERT INTO titles (id, headline, author_id, isbn, shelf, shelf_store, shelf_shelf) VALUES (1, 'a', 1, 1, 'stores/a/shelves/x', 'a', 'x'), (2, 'B', 2, 2, 'stores/B/shelves/x', 'B', 'x')",
	} {
		_, err := db.Exec(s)
		require.NoError(t, err, s)
	}
	order := func(v int) []string {
		var got []string
		for _, q := range []string{"SELECT name FROM authors", "SELECT headline FROM titles", "SELECT store FROM stores", "SELECT shelf_store FROM titles"} {
			// The version in a comment keeps cached plans apart.
			rows, err := db.Query(q + " ORDER BY 1 /* v" + string(rune('0'+v)) + " */")
			require.NoError(t, err)
			for rows.Next() {
				var s string
				require.NoError(t, rows.Scan(&s))
				got = append(got, s)
			}
			require.NoError(t, rows.Err())
			require.NoError(t, rows.Close())
		}
		return got
	}
	locale := []string{"a", "B", "a", "B", "a", "B", "a", "B"}
	bytewise := []string{"B", "a", "B", "a", "B", "a", "B", "a"}
	assert.Equal(t, locale, order(1), "columns of the earlier snapshot follow the database's collation")

	_, err = p.UpTo(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, bytewise, order(2), "after the migration, byte order")
	declarative := open()
	applyFile(t, declarative, filepath.Join(filepath.Dir(schemaPath), "postgres.sql"))
	assertSameCatalog(t, ormrt.Postgres, inspect(t, ormrt.Postgres, declarative), inspect(t, ormrt.Postgres, db), "migrated vs the declarative schema")
	_, err = db.Exec("DELETE FROM stores WHERE store = 'a'")
	assert.Error(t, err, "the foreign keys still hold")

	_, err = p.DownTo(ctx, 1)
	require.NoError(t, err)
	assert.Equal(t, locale, order(3), "after down, the database's collation again")
	assert.Empty(t, collations(inspect(t, ormrt.Postgres, db)), "no column has a collation of its own after down")
	_, err = p.UpTo(ctx, 2)
	require.NoError(t, err)
	assert.Equal(t, bytewise, order(4))
}

// fromEarlierSnapshot writes, into a goose directory (returned), the
// migration to an earlier form of evolution 17's snapshot, one without
// the members strip names, then the migration from it to the snapshot
// (whose path it returns, with that migration's plan).
func fromEarlierSnapshot(t *testing.T, strip ...string) (schemaPath, dir, plan string) {
	t.Helper()
	work := t.TempDir()
	schemaPath = generateSchema(t, "testdata/evolutions/17_request_ids", work)
	data, err := os.ReadFile(schemaPath)
	require.NoError(t, err)
	var snap map[string]any
	require.NoError(t, json.Unmarshal(data, &snap))
	stripped := 0
	for _, tab := range snap["tables"].([]any) {
		objs := []any{tab}
		objs = append(objs, tab.(map[string]any)["columns"].([]any)...)
		for _, o := range objs {
			for _, k := range strip {
				if _, ok := o.(map[string]any)[k]; ok {
					delete(o.(map[string]any), k)
					stripped++
				}
			}
		}
	}
	require.Greater(t, stripped, 3, "the snapshot has %v", strip)
	earlier, err := json.Marshal(snap)
	require.NoError(t, err)
	earlierPath := filepath.Join(work, "earlier.json")
	require.NoError(t, os.WriteFile(earlierPath, earlier, 0o644))
	dir = t.TempDir()
	var out bytes.Buffer
	require.NoError(t, migrate.Diff(migrate.DiffOptions{Schema: earlierPath, Dir: dir, Name: "earlier", Format: migrate.FormatGoose, Out: &out}), "%s", out.String())
	out.Reset()
	require.NoError(t, migrate.Diff(migrate.DiffOptions{Schema: schemaPath, Dir: dir, Name: "byte_order", Format: migrate.FormatGoose, Out: &out}), "%s", out.String())
	return schemaPath, dir, out.String()
}

// TestMySQLBinaryFromEarlierSnapshots: tables of a snapshot written before
// tables compared strings without padding were utf8mb4_bin; the migration
// to the current snapshot converts them, resources under parents
// included, whose string keys foreign keys hold (MariaDB refuses to
// convert a column of a foreign key: the keys are dropped around it and
// added back), and its down migration converts them back. Rows keep
// their keys, the foreign keys hold, and the catalog equals the
// declarative schema's.
func TestMySQLBinaryFromEarlierSnapshots(t *testing.T) {
	schemaPath, dir, plan := fromEarlierSnapshot(t, "collation")
	for _, table := range []string{"authors", "titles", "stores", "shelves"} {
		assert.Contains(t, plan, "~ table "+table+": strings compare byte by byte")
	}
	// The earlier generator created its tables utf8mb4_bin.
	first, err := filepath.Glob(filepath.Join(dir, "mysql", "000001_*.sql"))
	require.NoError(t, err)
	require.Len(t, first, 1)
	b, err := os.ReadFile(first[0])
	require.NoError(t, err)
	require.Contains(t, string(b), sqlschema.MySQLCollation)
	require.NoError(t, os.WriteFile(first[0], bytes.ReplaceAll(b, []byte(sqlschema.MySQLCollation), []byte("COLLATE utf8mb4_bin")), 0o644))

	gdb := testdb.Open(t, ormrt.MySQL)
	db, err := gdb.DB()
	require.NoError(t, err)
	ctx := context.Background()
	p, err := goose.NewProvider(goose.DialectMySQL, db, os.DirFS(filepath.Join(dir, "mysql")))
	require.NoError(t, err)
	_, err = p.UpTo(ctx, 1)
	require.NoError(t, err)
	for _, s := range []string{
		"INSERT INTO authors (id, name) VALUES (1, 'a')",
		"INSERT INTO stores (store) VALUES ('a'), ('B')",
		"INSERT INTO shelves (store, shelf) VALUES ('a', 'x'), ('B', 'x')",
		"INSERT INTO titles (id, headline, author_id, isbn, shelf, shelf_store, shelf_shelf) VALUES (1, 'a', 1, 1, 'stores/a/shelves/x', 'a', 'x')",
	} {
		_, err := db.Exec(s)
		require.NoError(t, err, s)
	}
	earlier := inspect(t, ormrt.MySQL, db)
	_, err = p.UpTo(ctx, 2)
	require.NoError(t, err)
	declarative := testdb.Open(t, ormrt.MySQL)
	ddb, err := declarative.DB()
	require.NoError(t, err)
	applyFile(t, ddb, filepath.Join(filepath.Dir(schemaPath), "mysql.sql"))
	assertSameCatalog(t, ormrt.MySQL, inspect(t, ormrt.MySQL, ddb), inspect(t, ormrt.MySQL, db), "migrated vs the declarative schema")
	_, err = db.Exec("INSERT INTO stores (store) VALUES ('a ')")
	assert.NoError(t, err, "after the migration, 'a ' is another key than 'a'")
	_, err = db.Exec("DELETE FROM stores WHERE store = 'a'")
	assert.Error(t, err, "the foreign keys hold")
	_, err = db.Exec("DELETE FROM stores WHERE store = 'a '")
	require.NoError(t, err)

	_, err = p.DownTo(ctx, 1)
	require.NoError(t, err)
	assertSameCatalog(t, ormrt.MySQL, earlier, inspect(t, ormrt.MySQL, db), "after down")
	_, err = db.Exec("INSERT INTO titles (id, headline, author_id, isbn, shelf, shelf_store, shelf_shelf) VALUES (2, 'b', 1, 2, 'stores/none/shelves/x', 'none', 'x')")
	assert.Error(t, err, "after down, the foreign keys hold")
	_, err = p.UpTo(ctx, 2)
	require.NoError(t, err)
}
