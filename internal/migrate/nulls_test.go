package migrate_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/migrate"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// gooseSteps writes a goose migration for each proto of steps, in turn,
// and returns the directory.
func gooseSteps(t *testing.T, opts migrate.Options, steps ...string) string {
	t.Helper()
	p := newProject(t)
	for i, messages := range steps {
		p.generate(t, messages)
		var out bytes.Buffer
		require.NoError(t, migrate.Diff(migrate.DiffOptions{Options: opts, Schema: p.schema, Dir: p.dir, Name: "step", Format: migrate.FormatGoose, Out: &out}), "step %d:\n%s", i+1, out.String())
	}
	return p.dir
}

// gooseProvider opens the goose migrations of dir for db's dialect.
func gooseProvider(t *testing.T, db *gorm.DB, dir string) *goose.Provider {
	t.Helper()
	d := ormrt.DialectOf(db)
	sqlDB, err := db.DB()
	require.NoError(t, err)
	p, err := goose.NewProvider(gooseDialect[d], sqlDB, os.DirFS(filepath.Join(dir, string(d))))
	require.NoError(t, err)
	return p
}

// TestDownToNotNullKeepsNulls: a field that gained presence may hold NULL;
// the down migration that takes its presence back fails on such a row on
// every database, SQLite included, instead of turning NULL into the zero
// value, and leaves the row as it was.
func TestDownToNotNullKeepsNulls(t *testing.T) {
	dir := gooseSteps(t, migrate.Options{},
		book("  int64 id = 1;\n  string t = 2;\n"),
		book("  int64 id = 1;\n  optional string t = 2;\n"))
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		p := gooseProvider(t, db, dir)
		_, err := p.Up(ctx)
		require.NoError(t, err)
		require.NoError(t, db.Exec("INSERT INTO books (id, t) VALUES (1, NULL)").Error)
		_, err = p.DownTo(ctx, 1)
		require.Error(t, err, "NULL in a column that becomes NOT NULL")
		var nulls int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM books WHERE t IS NULL").Scan(&nulls).Error)
		assert.EqualValues(t, 1, nulls, "the row keeps its NULL")
	})
}

// TestNoSQLChanges: fields reordered, or a field renumbered under the same
// name and type, change no table: diff writes no migration and says so,
// and records the snapshot, so that the new number identifies the column
// from then on (a later rename of it is a rename).
func TestNoSQLChanges(t *testing.T) {
	p := newProject(t)
	p.start(t, book("  int64 id = 1;\n  string a = 2;\n  string b = 3;\n"))
	files := tree(t, p.dir)

	p.generate(t, book("  string b = 3;\n  int64 id = 1;\n  string a = 2;\n"))
	out, err := p.diff("reorder", migrate.Options{})
	require.NoError(t, err)
	assert.Equal(t, "No SQL changes: the tables of "+p.schema+" are those "+p.dir+" leads to; no migration written.\n", out)
	assert.ElementsMatch(t, names(files), names(tree(t, p.dir)), "no migration file")
	assert.Equal(t, 1, p.state(t).Version)
	out, err = p.check()
	require.NoError(t, err, "%s", out)

	p.generate(t, book("  reserved 2;\n\n  string b = 3;\n  int64 id = 1;\n  string a = 5;\n"))
	out, err = p.diff("renumber", migrate.Options{})
	require.NoError(t, err)
	assert.Equal(t, "~ column books.a: field 2 → 5 (the same column)\nNo SQL changes: the tables of "+p.schema+" are those "+p.dir+" leads to; no migration written.\n", out)
	assert.ElementsMatch(t, names(files), names(tree(t, p.dir)), "no migration file")
	st := p.state(t)
	assert.Equal(t, 1, st.Version)
	assert.Equal(t, "a", st.Schema.Table("books").ColumnByField(5).Name)

	p.generate(t, book("  reserved 2;\n\n  string b = 3;\n  int64 id = 1;\n  string c = 5;\n"))
	out, err = p.diff("rename", migrate.Options{})
	require.NoError(t, err)
	assert.Equal(t, "~ rename column books.a → c (field 5)\nWrote migration 000002 for postgres, mysql and sqlite in "+p.dir+".\n", out)
}

// TestMySQLKeyTooLong: an index whose strings take more bytes than a
// MySQL/MariaDB key holds is refused whatever the flags, naming the index
// and its fields. protoc-gen-orm refuses such a model; the schema here is
// one it wrote with smaller sizes, widened as a schema of an earlier
// version or of another hand would be.
func TestMySQLKeyTooLong(t *testing.T) {
	p := newProject(t)
	p.start(t, book("  int64 id = 1;\n"))
	p.generate(t, `message Book {
  option (protoforge.v1.model) = {indexes: {fields: ["a", "b"]}};

  int64 id = 1;
  string a = 2 [(protoforge.v1.field) = {size: 300}];
  string b = 3 [(protoforge.v1.field) = {size: 300}];
}
`)
	js, err := os.ReadFile(p.schema)
	require.NoError(t, err)
	require.Equal(t, 2, strings.Count(string(js), `"size": 300`))
	require.NoError(t, os.WriteFile(p.schema, []byte(strings.ReplaceAll(string(js), `"size": 300`, `"size": 500`)), 0o644))
	before := tree(t, p.dir)
	_, err = p.diff("index", migrate.Options{Force: true, AllowDrop: true})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Equal(t, "migration refused:\n  index idx_books_a_b on books (shop.v1.Book): its columns take 4000 bytes of a MySQL/MariaDB key, over its 3072 (a (field 2) 2000 bytes, b (field 3) 2000 bytes; a VARCHAR takes 4 bytes a character in utf8mb4): lower their size or max_len, or index fewer fields", err.Error())
	assert.Equal(t, before, tree(t, p.dir))
}
