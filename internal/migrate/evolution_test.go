package migrate_test

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/model"
	"github.com/protoforge/protoforge/internal/gen/orm"
	"github.com/protoforge/protoforge/internal/migrate"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

var update = flag.Bool("update", false, "rewrite the golden migrations under testdata/")

// step is one version of the evolving proto under testdata/evolutions.
type step struct {
	dir, name string
	version   int
}

func steps(t *testing.T) []step {
	entries, err := os.ReadDir("testdata/evolutions")
	require.NoError(t, err)
	var out []step
	for i, e := range entries {
		_, name, _ := strings.Cut(e.Name(), "_")
		out = append(out, step{dir: filepath.Join("testdata/evolutions", e.Name()), name: name, version: i + 1})
	}
	require.GreaterOrEqual(t, len(out), 9)
	return out
}

// generateSchema runs protoc-gen-orm on a step's proto and writes its
// schema.json (and the declarative DDL) into dir.
func generateSchema(t *testing.T, protoDir, dir string) string {
	t.Helper()
	req, err := gentest.Request(protoDir, []string{"shop.proto"}, "")
	require.NoError(t, err)
	resp, err := gentest.Run(req, orm.Run)
	require.NoError(t, err)
	require.Nil(t, resp.Error, "%s", resp.GetError())
	out := filepath.Join(dir, "schema")
	for name, content := range gentest.Files(resp) {
		if filepath.Base(filepath.Dir(name)) == "schema" {
			require.NoError(t, os.MkdirAll(out, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(out, filepath.Base(name)), []byte(content), 0o644))
		}
	}
	return filepath.Join(out, "schema.json")
}

// buildMigrations runs migrate diff for every step, into a golang-migrate
// directory (compared with the goldens) and a goose directory (applied).
func buildMigrations(t *testing.T) (gooseDir string, schemaDirs []string) {
	t.Helper()
	gmDir, gooseDir := t.TempDir(), t.TempDir()
	for _, s := range steps(t) {
		work := t.TempDir()
		schemaPath := generateSchema(t, s.dir, work)
		var out, gooseOut bytes.Buffer
		require.NoError(t, migrate.Diff(migrate.DiffOptions{Schema: schemaPath, Dir: gmDir, Name: s.name, Out: &out,
			Options: migrate.Options{}}), "step %s:\n%s", s.dir, out.String())
		require.NoError(t, migrate.Diff(migrate.DiffOptions{Schema: schemaPath, Dir: gooseDir, Name: s.name, Format: migrate.FormatGoose, Out: &gooseOut}))
		plan := strings.Split(out.String(), "Wrote migration")[0]
		assert.Equal(t, plan, strings.Split(gooseOut.String(), "Wrote migration")[0], "the plan does not depend on the format")
		compareGolden(t, s, gmDir, plan)
		schemaDirs = append(schemaDirs, filepath.Dir(schemaPath))
		// A second diff finds nothing to do.
		out.Reset()
		require.NoError(t, migrate.Diff(migrate.DiffOptions{Schema: schemaPath, Dir: gmDir, Name: "again", Out: &out}))
		assert.Contains(t, out.String(), "No changes")
	}
	return gooseDir, schemaDirs
}

// compareGolden checks the step's migration files and readable plan
// against testdata/evolutions/<step>/want.
func compareGolden(t *testing.T, s step, gmDir, plan string) {
	t.Helper()
	want := filepath.Join(s.dir, "want")
	got := map[string]string{"plan.txt": plan}
	for _, d := range model.Dialects {
		matches, err := filepath.Glob(filepath.Join(gmDir, string(d), "*"))
		require.NoError(t, err)
		for _, m := range matches {
			if strings.HasPrefix(filepath.Base(m), fmt.Sprintf("%06d_", s.version)) {
				b, err := os.ReadFile(m)
				require.NoError(t, err)
				got[string(d)+"/"+filepath.Base(m)] = string(b)
			}
		}
	}
	require.Len(t, got, 7, "plan plus an up and a down file per dialect")
	if *update {
		require.NoError(t, os.RemoveAll(want))
		for name, content := range got {
			p := filepath.Join(want, name)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
		}
		return
	}
	for name, content := range got {
		b, err := os.ReadFile(filepath.Join(want, name))
		require.NoError(t, err, "run go test ./internal/migrate -update")
		assert.Equal(t, string(b), content, "%s/%s differs from the golden file", s.dir, name)
	}
}

var gooseDialect = map[ormrt.Dialect]goose.Dialect{
	ormrt.Postgres: goose.DialectPostgres,
	ormrt.MySQL:    goose.DialectMySQL,
	ormrt.SQLite:   goose.DialectSQLite3,
}

// TestEvolutions generates each step's migration, then on every database
// applies it up with data present, checks the data and that the catalog
// equals the step's declarative schema on an empty database (no drift),
// applies it down and checks the previous catalog is back, and applies it
// up again.
func TestEvolutions(t *testing.T) {
	gooseDir, schemaDirs := buildMigrations(t)
	all := steps(t)
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		upDownUp(t, db, gooseDir, schemaDirs, stepHooks{
			up: func(v int) {
				seed(t, db, v)
				checkData(t, db, v)
			},
			down: func(v int) {
				if v > 0 {
					checkData(t, db, v)
				}
			},
			name: func(v int) string { return all[v-1].name },
		})
	})
}

// stepHooks are what upDownUp runs around the migrations of each version
// v (1, 2, …): up after each up to v, down after the down to v-1 (given
// v-1); name names v in messages. earlierFirst skips the comparison of
// version 1 with its declarative schema (a snapshot of an earlier
// generator, whose schema this one does not write).
type stepHooks struct {
	up, down     func(v int)
	name         func(v int) string
	earlierFirst bool
}

// upDownUp applies the goose migrations of gooseDir version by version on
// db: up, the hooks, the catalog compared with the version's declarative
// schema (schemaDirs[v-1]) on an empty database; down, the previous
// catalog back; up again, the hooks, the same catalog.
func upDownUp(t *testing.T, db *gorm.DB, gooseDir string, schemaDirs []string, h stepHooks) {
	t.Helper()
	ctx := context.Background()
	d := ormrt.DialectOf(db)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	p, err := goose.NewProvider(gooseDialect[d], sqlDB, os.DirFS(filepath.Join(gooseDir, string(d))))
	require.NoError(t, err)
	catalogs := []*schema.Schema{inspect(t, d, sqlDB)}
	for i := range schemaDirs {
		v := int64(i + 1)
		name := h.name(i + 1)
		_, err := p.UpTo(ctx, v)
		require.NoError(t, err, "up to %d (%s)", v, name)
		h.up(i + 1)
		cat := inspect(t, d, sqlDB)
		if !(i == 0 && h.earlierFirst) {
			fresh, err := testdb.Open(t, d).DB()
			require.NoError(t, err)
			applyFile(t, fresh, filepath.Join(schemaDirs[i], string(d)+".sql"))
			assertSameCatalog(t, d, inspect(t, d, fresh), cat, "migrations up to %d (%s) vs the declarative schema", v, name)
		}

		_, err = p.DownTo(ctx, v-1)
		require.NoError(t, err, "down from %d (%s)", v, name)
		assertSameCatalog(t, d, catalogs[len(catalogs)-1], inspect(t, d, sqlDB), "after down from %d (%s)", v, name)
		h.down(i)

		_, err = p.UpTo(ctx, v)
		require.NoError(t, err, "up to %d again (%s)", v, name)
		h.up(i + 1)
		assertSameCatalog(t, d, cat, inspect(t, d, sqlDB), "after up to %d again (%s)", v, name)
		catalogs = append(catalogs, cat)
	}
}

// seed writes the rows of version v's new tables and columns: the first
// author and book at version 1; at version 15, a store, a shelf, and
// titles whose shelf names it, names a shelf that does not exist, does
// not have the pattern's form, or is empty.
func seed(t *testing.T, db *gorm.DB, v int) {
	t.Helper()
	switch v {
	case 1:
		require.NoError(t, db.Exec("INSERT INTO authors (id, name) VALUES (1, 'Ursula')").Error)
		require.NoError(t, db.Exec("INSERT INTO books (id, title, author_id) VALUES (1, 'The Dispossessed', 1)").Error)
	case 19:
		// Up again after down: the imprint column went, the row stays.
		require.NoError(t, db.Exec("DELETE FROM imprints").Error)
		require.NoError(t, db.Exec("INSERT INTO imprints (code, label, print_run, ref) VALUES ('i1', 'Ace', 4294967295, 'F47AC10B-58CC-4372-8567-0E02B2C3D479'), ('i2', 'Tor', 0, 'Not-A-UUID')").Error)
		require.NoError(t, db.Exec("UPDATE titles SET imprint_code = 'i1' WHERE id = 1").Error)
	case 22:
		// Labels on a shelf and on a counter, each parent's id also in
		// its foreign key's column, NULL in the other's.
		require.NoError(t, db.Exec("INSERT INTO counters (store, counter) VALUES ('s1', 'c1')").Error)
		require.NoError(t, db.Exec("INSERT INTO labels (store, shelf, counter, label, parent_shelf, parent_counter, text) VALUES ('s1', 'a', '', 'l1', 'a', NULL, 'x'), ('s1', '', 'c1', 'l1', NULL, 'c1', 'y')").Error)
		assert.Error(t, db.Exec("INSERT INTO labels (store, shelf, counter, label, parent_shelf, parent_counter, text) VALUES ('s1', '', 'c2', 'l1', NULL, 'c2', 'z')").Error, "a label of a counter that does not exist")
	case 15:
		// Up again after down: the titles kept their rows, not their shelf.
		require.NoError(t, db.Exec("DELETE FROM titles WHERE id > 1").Error)
		require.NoError(t, db.Exec("INSERT INTO stores (store) VALUES ('s1')").Error)
		require.NoError(t, db.Exec("INSERT INTO shelves (store, shelf) VALUES ('s1', 'a'), ('s1', 'b')").Error)
		require.NoError(t, db.Exec("UPDATE titles SET shelf = 'stores/s1/shelves/a' WHERE id = 1").Error)
		for i, name := range backfillNames[1:] {
			require.NoError(t, db.Exec(fmt.Sprintf("INSERT INTO titles (id, headline, author_id, rank, isbn, shelf) VALUES (%d, 'h', 1, 0, '%020d', ?)", i+2, i+2), name).Error)
		}
	}
}

// backfillNames are the shelves of titles 1, 2, …; only the first names a
// shelf that exists in the pattern's form.
var backfillNames = []string{"stores/s1/shelves/a", "stores/s1/shelves/missing", "stores/s1/shelves/a/books/1", "shelves/a", "stores/s1/shelves/", "", "stores/s1/shelves/b"}

// checkBackfill checks that the titles' shelf keys were read from their
// names where the name has the pattern's form and the shelf exists, are
// NULL elsewhere, and hold the shelf they name.
func checkBackfill(t *testing.T, db *gorm.DB, v int) {
	t.Helper()
	rows, err := db.Raw(fmt.Sprintf("SELECT id, shelf_store, shelf_shelf FROM titles ORDER BY id /* v%d */", v)).Rows()
	require.NoError(t, err)
	defer rows.Close()
	got := map[int64]string{}
	for rows.Next() {
		var id int64
		var store, shelf sql.NullString
		require.NoError(t, rows.Scan(&id, &store, &shelf))
		if store.Valid || shelf.Valid {
			got[id] = store.String + "/" + shelf.String
		}
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, map[int64]string{1: "s1/a", 7: "s1/b"}, got, "shelf keys read from %q", backfillNames)
	err = db.Exec("DELETE FROM shelves WHERE store = 's1' AND shelf = 'a'").Error
	assert.Error(t, err, "a shelf named by a title written before the reference is held by the foreign key")
}

// checkData checks the seeded rows as the schema of version v names them.
func checkData(t *testing.T, db *gorm.DB, v int) {
	t.Helper()
	table, title := "books", "title"
	if v >= 4 {
		title = "headline"
	}
	if v >= 5 {
		table = "titles"
	}
	var name string
	require.NoError(t, db.Raw(fmt.Sprintf("SELECT name FROM authors WHERE id = 1 /* v%d */", v)).Scan(&name).Error)
	assert.Equal(t, "Ursula", name, "version %d: author kept", v)
	var got struct {
		Title    string
		AuthorID int64
	}
	// The version in a comment keeps PostgreSQL's cached plans apart: a
	// column's type changes between versions.
	require.NoError(t, db.Raw(fmt.Sprintf("SELECT %s AS title, author_id FROM %s WHERE id = 1 /* v%d */", title, table, v)).Scan(&got).Error, "version %d", v)
	assert.Equal(t, "The Dispossessed", got.Title, "version %d: %s.%s kept", v, table, title)
	assert.EqualValues(t, 1, got.AuthorID)
	if v >= 16 {
		checkBackfill(t, db, v)
	}
	if v >= 22 {
		var n int64
		require.NoError(t, db.Raw(fmt.Sprintf("SELECT count(*) FROM labels /* v%d */", v)).Scan(&n).Error)
		assert.EqualValues(t, 2, n, "version %d: the labels of a shelf and of a counter", v)
	}
	if v >= 19 {
		var code string
		require.NoError(t, db.Raw(fmt.Sprintf("SELECT imprint_code FROM titles WHERE id = 1 /* v%d */", v)).Scan(&code).Error)
		assert.Equal(t, "i1", code, "version %d: the reference to an imprint kept", v)
		var run uint64
		require.NoError(t, db.Raw(fmt.Sprintf("SELECT print_run FROM imprints WHERE code = 'i1' /* v%d */", v)).Scan(&run).Error)
		assert.EqualValues(t, 4294967295, run, "version %d: the largest uint32 kept", v)
		refs := map[string]string{}
		rows, err := db.Raw(fmt.Sprintf("SELECT code, ref FROM imprints ORDER BY code /* v%d */", v)).Rows()
		require.NoError(t, err)
		for rows.Next() {
			var code, ref string
			require.NoError(t, rows.Scan(&code, &ref))
			refs[code] = ref
		}
		require.NoError(t, rows.Close())
		assert.Equal(t, "Not-A-UUID", refs["i2"], "version %d: a value that is no UUID is kept", v)
		if v >= 21 {
			assert.Equal(t, "f47ac10b-58cc-4372-8567-0e02b2c3d479", refs["i1"], "version %d: UUIDs in lowercase", v)
		} else {
			// Down from 21 keeps them in lowercase: a UUID's case is no
			// information (AIP-202).
			assert.True(t, strings.EqualFold("F47AC10B-58CC-4372-8567-0E02B2C3D479", refs["i1"]), "version %d: %q", v, refs["i1"])
		}
		assert.Error(t, db.Exec("DELETE FROM imprints WHERE code = 'i1'").Error, "version %d: held by the foreign key", v)
		assert.Error(t, db.Exec("DELETE FROM stores WHERE store = 's1'").Error, "version %d: held by the shelves' foreign key", v)
	}
	if v >= 3 {
		var rank int64
		var isbn string
		require.NoError(t, db.Raw(fmt.Sprintf("SELECT rank, isbn FROM %s WHERE id = 1 /* v%d */", table, v)).Row().Scan(&rank, &isbn))
		assert.Zero(t, rank, "version %d: existing rows get the proto zero value", v)
		assert.Empty(t, strings.TrimLeft(isbn, "0"), "version %d: uint64 zero (%q)", v, isbn)
	}
}

// inspect reads the catalog of the database behind db.
func inspect(t *testing.T, d ormrt.Dialect, db *sql.DB) *schema.Schema {
	t.Helper()
	var drv atlasmigrate.Driver
	var err error
	switch d {
	case ormrt.Postgres:
		drv, err = postgres.Open(db)
	case ormrt.MySQL:
		drv, err = mysql.Open(db)
	case ormrt.SQLite:
		drv, err = sqlite.Open(db)
	}
	require.NoError(t, err)
	s, err := drv.InspectSchema(context.Background(), "", &schema.InspectOptions{Exclude: []string{"goose_db_version", "sqlite_sequence"}})
	require.NoError(t, err)
	sort.Slice(s.Tables, func(i, j int) bool { return s.Tables[i].Name < s.Tables[j].Name })
	// Counters of auto-increment keys depend on the rows, not the schema.
	for _, t := range s.Tables {
		attrs := [][]schema.Attr{t.Attrs}
		for _, c := range t.Columns {
			attrs = append(attrs, c.Attrs)
		}
		for _, as := range attrs {
			for _, a := range as {
				switch a := a.(type) {
				case *mysql.AutoIncrement:
					a.V = 0
				case *sqlite.AutoIncrement:
					a.Seq = 0
				}
			}
		}
	}
	return s
}

// assertSameCatalog fails with the SQL that would turn want into got.
func assertSameCatalog(t *testing.T, d ormrt.Dialect, want, got *schema.Schema, msg string, args ...any) {
	t.Helper()
	var differ schema.Differ
	var planner atlasmigrate.PlanApplier
	switch d {
	case ormrt.Postgres:
		differ, planner = postgres.DefaultDiff, postgres.DefaultPlan
	case ormrt.MySQL:
		differ, planner = mysql.DefaultDiff, mysql.DefaultPlan
	case ormrt.SQLite:
		differ, planner = sqlite.DefaultDiff, sqlite.DefaultPlan
	}
	want.Name, got.Name = "", ""
	// Atlas's differ does not compare the collations of columns.
	assert.Equal(t, collations(want), collations(got), append([]any{"column collations " + msg}, args...)...)
	changes, err := differ.SchemaDiff(want, got)
	require.NoError(t, err)
	if len(changes) == 0 {
		return
	}
	plan, err := planner.PlanChanges(context.Background(), "drift", changes)
	var stmts []string
	if err == nil {
		for _, c := range plan.Changes {
			stmts = append(stmts, c.Cmd)
		}
	}
	t.Errorf("catalogs differ "+msg+"; to get from one to the other:\n%s", append(args, strings.Join(stmts, ";\n"))...)
}

func applyFile(t *testing.T, db *sql.DB, path string) {
	t.Helper()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	stmts, err := atlasmigrate.Stmts(string(src))
	require.NoError(t, err)
	for _, s := range stmts {
		_, err := db.Exec(s.Text)
		require.NoError(t, err, "%s", s.Text)
	}
}

// collations maps table.column to the column's collation, for the columns
// that have one of their own.
func collations(s *schema.Schema) map[string]string {
	out := map[string]string{}
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			var coll schema.Collation
			for _, a := range c.Attrs {
				if a, ok := a.(*schema.Collation); ok {
					coll = *a
				}
			}
			if coll.V != "" {
				out[t.Name+"."+c.Name] = coll.V
			}
		}
	}
	return out
}
