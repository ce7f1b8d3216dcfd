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
	work := t.TempDir()
	schemaPath := generateSchema(t, "testdata/evolutions/17_request_ids", work)
	data, err := os.ReadFile(schemaPath)
	require.NoError(t, err)
	var snap map[string]any
	require.NoError(t, json.Unmarshal(data, &snap))
	stripped := 0
	for _, tab := range snap["tables"].([]any) {
		for _, c := range tab.(map[string]any)["columns"].([]any) {
			if _, ok := c.(map[string]any)["postgres_collation"]; ok {
				delete(c.(map[string]any), "postgres_collation")
				stripped++
			}
		}
	}
	require.Greater(t, stripped, 5, "the snapshot has string columns")
	earlier, err := json.Marshal(snap)
	require.NoError(t, err)
	earlierPath := filepath.Join(work, "earlier.json")
	require.NoError(t, os.WriteFile(earlierPath, earlier, 0o644))

	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, migrate.Diff(migrate.DiffOptions{Schema: earlierPath, Dir: dir, Name: "earlier", Format: migrate.FormatGoose, Out: &out}), "%s", out.String())
	out.Reset()
	require.NoError(t, migrate.Diff(migrate.DiffOptions{Schema: schemaPath, Dir: dir, Name: "byte_order", Format: migrate.FormatGoose, Out: &out}), "%s", out.String())
	for _, table := range []string{"authors", "titles", "stores", "shelves"} {
		assert.Contains(t, out.String(), "~ table "+table+`: strings order byte by byte (PostgreSQL: COLLATE "C")`)
	}

	open := func() *sql.DB {
		db, err := sql.Open("pgx", testdb.PostgresDSNWith(t, "LOCALE_PROVIDER icu ICU_LOCALE 'en-US' TEMPLATE template0"))
		require.NoError(t, err)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	db := open()
	ctx := context.Background()
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
