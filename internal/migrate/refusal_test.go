package migrate_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
	"github.com/protoforge/protoforge/internal/migrate"
)

// protoHeader starts every shop/v1/shop.proto of these tests.
const protoHeader = `syntax = "proto3";

package shop.v1;

import "protoforge/v1/options.proto";

option go_package = "example.com/shop/v1;shopv1";

`

// modelMsg spells a model message with the given body (fields, reserved).
func modelMsg(name, body string) string {
	return "message " + name + " {\n  option (protoforge.v1.model) = {};\n\n" + body + "}\n\n"
}

// book is the Book model with the given body.
func book(body string) string { return modelMsg("Book", body) }

// project is a generated package (gen/schema/schema.json) and its
// migrations directory.
type project struct {
	schema, dir string
}

func newProject(t *testing.T) *project {
	t.Helper()
	root := t.TempDir()
	return &project{
		schema: filepath.Join(root, "gen", "schema", "schema.json"),
		dir:    filepath.Join(root, "migrations"),
	}
}

// generate compiles messages as shop/v1/shop.proto with protoc-gen-orm and
// writes the package's schema.json over the previous one, as buf generate
// would.
func (p *project) generate(t *testing.T, messages string) {
	t.Helper()
	req, err := gentest.RequestFromSources(map[string]string{"shop/v1/shop.proto": protoHeader + messages}, "")
	require.NoError(t, err)
	resp, err := gentest.Run(req, orm.Run)
	require.NoError(t, err)
	require.Nil(t, resp.Error, "%s", resp.GetError())
	var found bool
	for name, content := range gentest.Files(resp) {
		if strings.HasSuffix(name, "schema/schema.json") {
			require.False(t, found, "one schema.json per package")
			found = true
			require.NoError(t, os.MkdirAll(filepath.Dir(p.schema), 0o755))
			require.NoError(t, os.WriteFile(p.schema, []byte(content), 0o644))
		}
	}
	require.True(t, found, "protoc-gen-orm wrote no schema/schema.json")
}

// diff runs migrate.Diff and returns what it printed.
func (p *project) diff(name string, opts migrate.Options) (string, error) {
	var out bytes.Buffer
	err := migrate.Diff(migrate.DiffOptions{Options: opts, Schema: p.schema, Dir: p.dir, Name: name, Out: &out})
	return out.String(), err
}

// check runs migrate.Check and returns what it printed.
func (p *project) check() (string, error) {
	var out bytes.Buffer
	err := migrate.Check(migrate.CheckOptions{Schema: p.schema, Dir: p.dir, Out: &out})
	return out.String(), err
}

// start generates messages and writes migration 000001_init from them.
func (p *project) start(t *testing.T, messages string) {
	t.Helper()
	p.generate(t, messages)
	out, err := p.diff("init", migrate.Options{})
	require.NoError(t, err, "%s", out)
	require.Contains(t, out, "Wrote migration 000001")
}

// read returns the content of a file under the migrations directory.
func (p *project) read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(p.dir, filepath.FromSlash(name)))
	require.NoError(t, err)
	return string(b)
}

// state reads the directory's protoforge.state.json.
func (p *project) state(t *testing.T) migrate.State {
	t.Helper()
	var st migrate.State
	require.NoError(t, json.Unmarshal([]byte(p.read(t, migrate.StateFile)), &st))
	return st
}

// tree reads every file under root, by slash path. A missing root is an
// empty tree.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && path == root {
				return fs.SkipAll
			}
			return err
		}
		if e.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	require.NoError(t, err)
	return files
}

// names lists the paths of a tree.
func names(files map[string]string) []string {
	var out []string
	for n := range files {
		out = append(out, n)
	}
	return out
}

// initFiles are the files migration 000001_init writes.
var initFiles = []string{
	migrate.StateFile,
	"mysql/000001_init.down.sql", "mysql/000001_init.up.sql",
	"postgres/000001_init.down.sql", "postgres/000001_init.up.sql",
	"sqlite/000001_init.down.sql", "sqlite/000001_init.up.sql",
}

// migrationFiles are the six golang-migrate files of one migration.
func migrationFiles(base string) []string {
	var out []string
	for _, d := range []string{"mysql", "postgres", "sqlite"} {
		out = append(out, d+"/"+base+".down.sql", d+"/"+base+".up.sql")
	}
	return out
}

const (
	bookV1 = `  int64 id = 1;
  string title = 2 [(protoforge.v1.field) = {size: 200}];
  int64 pages = 3;
`
	bookWithoutPages = `  int64 id = 1;
  string title = 2 [(protoforge.v1.field) = {size: 200}];
`
	bookWithRank = bookV1 + `  int64 rank = 4;
`
)

func TestDropColumnNeedsReservedOrAllowDrop(t *testing.T) {
	p := newProject(t)
	p.start(t, book(bookV1))
	p.generate(t, book(bookWithoutPages))
	before := tree(t, p.dir)
	require.ElementsMatch(t, initFiles, names(before))

	out, err := p.diff("drop_pages", migrate.Options{})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Equal(t, "migration refused:\n  column books.pages (field 3) would be dropped with its data; declare `reserved 3;` in shop.v1.Book to confirm, or pass --allow-drop", err.Error())
	assert.Equal(t, "- column books.pages (field 3)   (destructive)\n", out, "the plan is printed before the refusal")
	assert.Equal(t, before, tree(t, p.dir), "a refused diff writes nothing")

	// --force is about narrowing, not drops.
	_, err = p.diff("drop_pages", migrate.Options{Force: true})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Contains(t, err.Error(), "books.pages (field 3)")
	assert.Equal(t, before, tree(t, p.dir))

	out, err = p.diff("drop_pages", migrate.Options{AllowDrop: true})
	require.NoError(t, err, "%s", out)
	assert.Equal(t, "- column books.pages (field 3)   (destructive)\nWrote migration 000002 for postgres, mysql and sqlite in "+p.dir+".\n", out)
	after := tree(t, p.dir)
	assert.ElementsMatch(t, append(append([]string{}, initFiles...), migrationFiles("000002_drop_pages")...), names(after))
	for _, name := range initFiles[1:] {
		assert.Equal(t, before[name], after[name], "%s is left as it was", name)
	}
	assert.Contains(t, after["postgres/000002_drop_pages.up.sql"], `ALTER TABLE "books" DROP COLUMN "pages";`)
	assert.Contains(t, after["postgres/000002_drop_pages.down.sql"], `ALTER TABLE "books" ADD COLUMN "pages" bigint NOT NULL DEFAULT 0;`)
	assert.Contains(t, after["mysql/000002_drop_pages.up.sql"], "DROP COLUMN `pages`")
	st := p.state(t)
	assert.Equal(t, 2, st.Version)
	assert.Nil(t, st.Schema.Table("books").ColumnByField(3))

	// The snapshot is now reached: nothing more to do.
	out, err = p.diff("again", migrate.Options{})
	require.NoError(t, err)
	assert.Contains(t, out, "No changes")
}

func TestEveryRefusalIsListed(t *testing.T) {
	p := newProject(t)
	p.start(t, book(bookV1))
	p.generate(t, book(strings.Replace(bookWithoutPages, "size: 200", "size: 100", 1)))
	before := tree(t, p.dir)
	const drop = "column books.pages (field 3) would be dropped with its data; declare `reserved 3;` in shop.v1.Book to confirm, or pass --allow-drop"
	const shrink = "column books.title (field 2): the length limit shrinks from 200 to 100 characters, which fails or truncates longer values; pass --force if the data allows it"

	_, err := p.diff("change", migrate.Options{})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Equal(t, "migration refused:\n  "+shrink+"\n  "+drop, err.Error())

	_, err = p.diff("change", migrate.Options{AllowDrop: true})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Equal(t, "migration refused:\n  "+shrink, err.Error())

	_, err = p.diff("change", migrate.Options{Force: true})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Equal(t, "migration refused:\n  "+drop, err.Error())
	assert.Equal(t, before, tree(t, p.dir))

	out, err := p.diff("change", migrate.Options{AllowDrop: true, Force: true})
	require.NoError(t, err, "%s", out)
	assert.Equal(t, 2, p.state(t).Version)
}

func TestDropReservedColumn(t *testing.T) {
	for name, body := range map[string]string{
		"number": "  reserved 3;\n\n" + bookWithoutPages,
		"range":  "  reserved 3 to 5;\n\n" + bookWithoutPages,
	} {
		t.Run(name, func(t *testing.T) {
			p := newProject(t)
			p.start(t, book(bookV1))
			p.generate(t, book(body))
			out, err := p.diff("drop_pages", migrate.Options{})
			require.NoError(t, err, "a reserved number confirms the drop")
			assert.Contains(t, out, "- column books.pages (field 3, reserved)   (destructive)\n")
			assert.Contains(t, p.read(t, "postgres/000002_drop_pages.up.sql"), `DROP COLUMN "pages"`)
			assert.Equal(t, 2, p.state(t).Version)
		})
	}

	t.Run("name only", func(t *testing.T) {
		// Reserving the name leaves the number free for a new field, so it
		// does not confirm the drop.
		p := newProject(t)
		p.start(t, book(bookV1))
		p.generate(t, book("  reserved \"pages\";\n\n"+bookWithoutPages))
		before := tree(t, p.dir)
		_, err := p.diff("drop_pages", migrate.Options{})
		require.ErrorIs(t, err, migrate.ErrRefused)
		assert.Contains(t, err.Error(), "books.pages (field 3)")
		assert.Contains(t, err.Error(), "`reserved 3;`")
		assert.Equal(t, before, tree(t, p.dir))
	})
}

func TestDropTableNeedsAllowDrop(t *testing.T) {
	author := modelMsg("Author", "  int64 id = 1;\n  string name = 2;\n")
	p := newProject(t)
	p.start(t, author+book(bookV1))
	p.generate(t, book(bookV1))
	before := tree(t, p.dir)

	out, err := p.diff("drop_authors", migrate.Options{})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Equal(t, `migration refused:
  table authors (shop.v1.Author) would be dropped with its rows; pass --allow-drop to drop it, or set (protoforge.v1.model).renamed_from: "authors" on the message that replaces it`, err.Error())
	assert.Equal(t, "- table authors (shop.v1.Author)   (destructive)\n", out)
	assert.Equal(t, before, tree(t, p.dir))

	_, err = p.diff("drop_authors", migrate.Options{Force: true})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Equal(t, before, tree(t, p.dir))

	out, err = p.diff("drop_authors", migrate.Options{AllowDrop: true})
	require.NoError(t, err, "%s", out)
	assert.Contains(t, p.read(t, "postgres/000002_drop_authors.up.sql"), `DROP TABLE "authors";`)
	assert.Contains(t, p.read(t, "postgres/000002_drop_authors.down.sql"), `CREATE TABLE "authors"`)
	assert.Contains(t, p.read(t, "sqlite/000002_drop_authors.up.sql"), "DROP TABLE `authors`;")
	assert.Nil(t, p.state(t).Schema.Table("authors"))
}

// TestRequestIDTable: the table of AIP-155 request ids comes with the
// first write that serves request_id, and goes, with its ids, only with
// --allow-drop once none serves it; a model cannot take its name.
func TestRequestIDTable(t *testing.T) {
	service := `service BookService {
  rpc CreateBook(CreateBookRequest) returns (Book);
}

message CreateBookRequest {
  Book book = 1;
  string request_id = 2;
}
`
	p := newProject(t)
	p.start(t, book(bookV1))
	p.generate(t, book(bookV1)+service)
	out, err := p.diff("request_ids", migrate.Options{})
	require.NoError(t, err, "%s", out)
	assert.True(t, strings.HasPrefix(out, "+ table shop_v1_request_ids (AIP-155 request ids)\nWrote migration 000002"), "%s", out)
	assert.Contains(t, p.read(t, "postgres/000002_request_ids.up.sql"), `CREATE TABLE "shop_v1_request_ids"`)

	p.generate(t, book(bookV1))
	before := tree(t, p.dir)
	_, err = p.diff("no_request_ids", migrate.Options{})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Contains(t, err.Error(), "table shop_v1_request_ids (AIP-155 request ids) would be dropped with the request ids it recorded")
	assert.Equal(t, before, tree(t, p.dir))
	out, err = p.diff("no_request_ids", migrate.Options{AllowDrop: true})
	require.NoError(t, err, "%s", out)
	assert.Contains(t, p.read(t, "mysql/000003_no_request_ids.up.sql"), "DROP TABLE `shop_v1_request_ids`;")

	taken := "message Log {\n  option (protoforge.v1.model) = {table: \"shop_v1_request_ids\"};\n\n  int64 id = 1;\n}\n\n"
	req, err := gentest.RequestFromSources(map[string]string{"shop/v1/shop.proto": protoHeader + taken + book(bookV1) + service}, "")
	require.NoError(t, err)
	resp, err := gentest.Run(req, orm.Run)
	require.NoError(t, err)
	assert.Contains(t, resp.GetError(), `shop/v1/shop.proto:`)
	assert.Contains(t, resp.GetError(), `table "shop_v1_request_ids" holds the AIP-155 request ids`)
}

func TestNarrowingNeedsForce(t *testing.T) {
	const base = `  int64 id = 1;
  string title = 2 [(protoforge.v1.field) = {size: 200}];
  int64 count = 3;
  string code = 4;
  optional string note = 5;
`
	cases := []struct {
		name, from, to string
		refusal, plan  string
		// sql is in the PostgreSQL up migration written with --force.
		sql string
	}{{
		name:    "int64 to int32",
		from:    "  int64 count = 3;\n",
		to:      "  int32 count = 3;\n",
		refusal: "column books.count (field 3): the type changes from int64 to int32, which cannot hold every int64 value; pass --force if the data allows it",
		plan:    "~ column books.count: BIGINT NOT NULL DEFAULT 0 → INTEGER NOT NULL DEFAULT 0   (destructive)",
		sql:     `ALTER COLUMN "count" TYPE integer`,
	}, {
		name:    "size 200 to 100",
		from:    "size: 200",
		to:      "size: 100",
		refusal: "column books.title (field 2): the length limit shrinks from 200 to 100 characters, which fails or truncates longer values; pass --force if the data allows it",
		plan:    "~ column books.title: VARCHAR(200) NOT NULL DEFAULT '' → VARCHAR(100) NOT NULL DEFAULT ''   (destructive)",
		sql:     `ALTER COLUMN "title" TYPE character varying(100)`,
	}, {
		name:    "unlimited to size 100",
		from:    "  string code = 4;\n",
		to:      "  string code = 4 [(protoforge.v1.field) = {size: 100}];\n",
		refusal: "column books.code (field 4): the length limit shrinks from unlimited to 100 characters, which fails or truncates longer values; pass --force if the data allows it",
		plan:    "~ column books.code: TEXT NOT NULL DEFAULT '' → VARCHAR(100) NOT NULL DEFAULT ''   (destructive)\n+ check chk_books_code_size on books",
		sql:     `ALTER COLUMN "code" TYPE character varying(100)`,
	}, {
		name:    "string to int64",
		from:    "  string code = 4;\n",
		to:      "  int64 code = 4;\n",
		refusal: "column books.code (field 4): the type changes from string to int64, which cannot hold every string value; pass --force if the data allows it",
		plan:    "~ column books.code: TEXT NOT NULL DEFAULT '' → BIGINT NOT NULL DEFAULT 0   (destructive)",
		sql:     `ALTER COLUMN "code" TYPE bigint`,
	}, {
		name:    "optional to non-optional",
		from:    "  optional string note = 5;\n",
		to:      "  string note = 5;\n",
		refusal: "column books.note (field 5): a nullable column becomes NOT NULL, which fails on rows holding NULL; pass --force if the data allows it",
		plan:    "~ column books.note: TEXT → TEXT NOT NULL DEFAULT ''   (destructive)",
		sql:     `ALTER COLUMN "note" SET NOT NULL`,
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			require.Contains(t, base, c.from)
			p := newProject(t)
			p.start(t, book(base))
			p.generate(t, book(strings.Replace(base, c.from, c.to, 1)))
			before := tree(t, p.dir)

			out, err := p.diff("narrow", migrate.Options{})
			require.ErrorIs(t, err, migrate.ErrRefused)
			assert.Equal(t, "migration refused:\n  "+c.refusal, err.Error())
			assert.Equal(t, c.plan+"\n", out)
			assert.Equal(t, before, tree(t, p.dir), "a refused diff writes nothing")

			// --allow-drop is about drops, not narrowing.
			_, err = p.diff("narrow", migrate.Options{AllowDrop: true})
			require.ErrorIs(t, err, migrate.ErrRefused)
			assert.Equal(t, before, tree(t, p.dir))

			out, err = p.diff("narrow", migrate.Options{Force: true})
			require.NoError(t, err, "%s", out)
			assert.Contains(t, out, c.plan+"\n")
			assert.Contains(t, out, "Wrote migration 000002")
			assert.ElementsMatch(t, append(append([]string{}, initFiles...), migrationFiles("000002_narrow")...), names(tree(t, p.dir)))
			assert.Contains(t, p.read(t, "postgres/000002_narrow.up.sql"), c.sql)
		})
	}
}

// TestReencodingIsRefused: a Timestamp or a Duration that gains or loses
// keep_nanos, or becomes another type, would have its stored values read
// in another unit or form: refused even with --force, naming the field,
// and nothing is written.
func TestReencodingIsRefused(t *testing.T) {
	const imports = "import \"google/protobuf/timestamp.proto\";\nimport \"google/protobuf/duration.proto\";\n\n"
	const base = `  int64 id = 1;
  google.protobuf.Timestamp at = 2;
  google.protobuf.Duration ttl = 3;
`
	for _, c := range []struct{ name, from, to, refusal string }{{
		name: "Timestamp gains keep_nanos", from: "Timestamp at = 2;", to: "Timestamp at = 2 [(protoforge.v1.field) = {keep_nanos: true}];",
		refusal: "column books.at (field 2): the stored values are a Timestamp, and would be read as a Timestamp in nanoseconds (keep_nanos); no migration converts them, even with --force",
	}, {
		name: "Duration gains keep_nanos", from: "Duration ttl = 3;", to: "Duration ttl = 3 [(protoforge.v1.field) = {keep_nanos: true}];",
		refusal: "column books.ttl (field 3): the stored values are a Duration in microseconds, and would be read as a Duration in nanoseconds (keep_nanos)",
	}, {
		name: "Duration becomes int64", from: "google.protobuf.Duration ttl = 3;", to: "int64 ttl = 3;",
		refusal: "column books.ttl (field 3): the stored values are a Duration in microseconds, and would be read as int64",
	}} {
		t.Run(c.name, func(t *testing.T) {
			p := newProject(t)
			p.start(t, imports+book(base))
			p.generate(t, imports+book(strings.Replace(base, c.from, c.to, 1)))
			before := tree(t, p.dir)
			for _, opts := range []migrate.Options{{}, {Force: true}, {Force: true, AllowDrop: true}} {
				_, err := p.diff("reencode", opts)
				require.ErrorIs(t, err, migrate.ErrRefused, "%+v", opts)
				assert.Contains(t, err.Error(), c.refusal)
				assert.Equal(t, before, tree(t, p.dir), "a refused diff writes nothing")
			}
		})
	}
}

// TestNewForeignKeyWithoutPresence: a foreign key column without presence
// added to an existing table would give its rows a zero value that names
// no row, and the migration would fail on them: refused unless --force
// (the table is empty) or the field is optional.
func TestNewForeignKeyWithoutPresence(t *testing.T) {
	const base = "  int64 id = 1;\n"
	author := modelMsg("Author", "  int64 id = 1;\n")
	p := newProject(t)
	p.start(t, author+book(base))
	p.generate(t, author+book(base+`  int64 author_id = 2 [(protoforge.v1.field) = {references: "Author"}];`+"\n"))
	before := tree(t, p.dir)
	_, err := p.diff("author", migrate.Options{})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Equal(t, "migration refused:\n  column books.author_id (field 2) is a new foreign key to authors without presence: the rows the table already has would hold its zero value, which names none, and the migration fails on them; declare the field `optional`, or pass --force if the table is empty", err.Error())
	assert.Equal(t, before, tree(t, p.dir))
	out, err := p.diff("author", migrate.Options{Force: true})
	require.NoError(t, err, "%s", out)

	q := newProject(t)
	q.start(t, author+book(base))
	q.generate(t, author+book(base+`  optional int64 author_id = 2 [(protoforge.v1.field) = {references: "Author"}];`+"\n"))
	out, err = q.diff("author", migrate.Options{})
	require.NoError(t, err, "an optional one is NULL in the rows there are: %s", out)

	r := newProject(t)
	r.start(t, author+book(base))
	r.generate(t, author+book(base+`  int64 author_id = 2 [(protoforge.v1.field) = {references: "Author", default: "1"}];`+"\n"))
	out, err = r.diff("author", migrate.Options{})
	require.NoError(t, err, "a default of its own may name a row: %s", out)
}

func TestWideningIsNotRefused(t *testing.T) {
	const base = `  int64 id = 1;
  string title = 2 [(protoforge.v1.field) = {size: 100}];
  int32 count = 3;
  string code = 4;
  float weight = 5;
`
	const wider = `  int64 id = 1;
  string title = 2 [(protoforge.v1.field) = {size: 200}];
  int64 count = 3;
  optional string code = 4;
  double weight = 5;
`
	p := newProject(t)
	p.start(t, book(base))
	p.generate(t, book(wider))
	out, err := p.diff("widen", migrate.Options{})
	require.NoError(t, err, "%s", out)
	assert.NotContains(t, out, "destructive")
	assert.Contains(t, out, "~ column books.title: VARCHAR(100) NOT NULL DEFAULT '' → VARCHAR(200) NOT NULL DEFAULT ''\n")
	assert.Contains(t, out, "~ column books.count: INTEGER NOT NULL DEFAULT 0 → BIGINT NOT NULL DEFAULT 0\n")
	assert.Contains(t, out, "~ column books.code: TEXT NOT NULL DEFAULT '' → TEXT\n")
	up := p.read(t, "postgres/000002_widen.up.sql")
	assert.Contains(t, up, `ALTER COLUMN "title" TYPE character varying(200)`)
	assert.Contains(t, up, `ALTER COLUMN "count" TYPE bigint`)
	assert.Contains(t, up, `ALTER COLUMN "code" DROP NOT NULL`)
	assert.Contains(t, up, `ALTER COLUMN "weight" TYPE double precision`, "a double holds every float")
}

// TestInconsistentDirectory breaks a directory in the ways hands and
// merges do: every command then fails with an error naming the file,
// prints no plan and writes nothing.
func TestInconsistentDirectory(t *testing.T) {
	write := func(t *testing.T, p *project, name, content string) {
		t.Helper()
		require.NoError(t, os.WriteFile(filepath.Join(p.dir, filepath.FromSlash(name)), []byte(content), 0o644))
	}
	remove := func(t *testing.T, p *project, name string) {
		t.Helper()
		require.NoError(t, os.Remove(filepath.Join(p.dir, filepath.FromSlash(name))))
	}
	cases := []struct {
		name   string
		mutate func(t *testing.T, p *project)
		// problems are whole lines of the error after its first line; nil
		// when the error is not a list of problems.
		problems []string
		// want are fragments of other errors.
		want []string
	}{{
		name:   "missing down file",
		mutate: func(t *testing.T, p *project) { remove(t, p, "postgres/000001_init.down.sql") },
		problems: []string{
			"postgres/000001_init.down.sql is recorded in protoforge.state.json but missing",
			"postgres/000001_init.up.sql has no down file",
		},
	}, {
		name:   "missing up file",
		mutate: func(t *testing.T, p *project) { remove(t, p, "mysql/000001_init.up.sql") },
		problems: []string{
			"mysql/000001_init.down.sql has no up file",
			"mysql/000001_init.up.sql is recorded in protoforge.state.json but missing",
		},
	}, {
		name: "duplicate version",
		mutate: func(t *testing.T, p *project) {
			write(t, p, "postgres/000001_other.up.sql", p.read(t, "postgres/000001_init.up.sql"))
			write(t, p, "postgres/000001_other.down.sql", p.read(t, "postgres/000001_init.down.sql"))
		},
		problems: []string{
			"duplicate version 1: postgres/000001_init.down.sql and postgres/000001_other.down.sql",
			"duplicate version 1: postgres/000001_init.up.sql and postgres/000001_other.up.sql",
			"postgres/000001_other.down.sql is not recorded in protoforge.state.json (added by hand?)",
			"postgres/000001_other.up.sql is not recorded in protoforge.state.json (added by hand?)",
		},
	}, {
		name: "hand-edited file",
		mutate: func(t *testing.T, p *project) {
			write(t, p, "mysql/000001_init.up.sql", p.read(t, "mysql/000001_init.up.sql")+"-- tweaked by hand\n")
		},
		problems: []string{
			"mysql/000001_init.up.sql was changed after it was written (checksum mismatch)",
		},
	}, {
		name: "file added by hand",
		mutate: func(t *testing.T, p *project) {
			write(t, p, "sqlite/000002_manual.up.sql", "ALTER TABLE books ADD COLUMN rank integer;\n")
			write(t, p, "sqlite/000002_manual.down.sql", "ALTER TABLE books DROP COLUMN rank;\n")
		},
		problems: []string{
			"sqlite/000002_manual.down.sql is not recorded in protoforge.state.json (added by hand?)",
			"sqlite/000002_manual.up.sql is not recorded in protoforge.state.json (added by hand?)",
			"sqlite: version 2 is outside the recorded 1..1",
		},
	}, {
		name: "goose file in a golang-migrate directory",
		mutate: func(t *testing.T, p *project) {
			write(t, p, "postgres/000002_manual.sql", "-- +goose Up\n")
		},
		problems: []string{
			"postgres/000002_manual.sql has no down file",
			"postgres/000002_manual.sql is not in the directory's golang-migrate layout",
			"postgres/000002_manual.sql is not recorded in protoforge.state.json (added by hand?)",
			"postgres: version 2 is outside the recorded 1..1",
		},
	}, {
		name: "recorded files deleted",
		mutate: func(t *testing.T, p *project) {
			remove(t, p, "sqlite/000001_init.up.sql")
			remove(t, p, "sqlite/000001_init.down.sql")
		},
		problems: []string{
			"sqlite/000001_init.down.sql is recorded in protoforge.state.json but missing",
			"sqlite/000001_init.up.sql is recorded in protoforge.state.json but missing",
			"sqlite: version 1 is missing",
		},
	}, {
		name:   "state file deleted",
		mutate: func(t *testing.T, p *project) { remove(t, p, migrate.StateFile) },
		want:   []string{"migration files exist but protoforge.state.json is missing"},
	}, {
		name:   "state file corrupted",
		mutate: func(t *testing.T, p *project) { write(t, p, migrate.StateFile, "{\"format\": \"golang-migrate\",") },
		want:   []string{filepath.Join("migrations", migrate.StateFile) + ": "},
	}, {
		name: "state file with an unknown column type",
		mutate: func(t *testing.T, p *project) {
			st := p.read(t, migrate.StateFile)
			require.Contains(t, st, `"type": "int64"`)
			write(t, p, migrate.StateFile, strings.Replace(st, `"type": "int64"`, `"type": "int128"`, 1))
		},
		want: []string{
			filepath.Join("migrations", migrate.StateFile) + `: recorded schema snapshot: table books column id: unknown column type "int128"`,
			"edited by hand",
		},
	}, {
		name:   "not a migration file",
		mutate: func(t *testing.T, p *project) { write(t, p, "mysql/notes.txt", "hello\n") },
		want:   []string{filepath.Join("migrations", "mysql", "notes.txt") + ": not a migration file name"},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newProject(t)
			p.start(t, book(bookV1))
			p.generate(t, book(bookWithRank)) // a diff would write 000002
			c.mutate(t, p)
			before := tree(t, p.dir)

			assertError := func(t *testing.T, err error) {
				t.Helper()
				require.Error(t, err)
				assert.NotErrorIs(t, err, migrate.ErrRefused)
				assert.NotErrorIs(t, err, migrate.ErrBehind)
				msg := err.Error()
				if c.problems != nil {
					assert.Equal(t, "migrations directory "+p.dir+" is inconsistent with protoforge.state.json; restore the files (e.g. from version control) rather than editing them:\n  "+strings.Join(c.problems, "\n  "), msg)
				}
				for _, w := range c.want {
					assert.Contains(t, msg, w)
				}
			}

			out, err := p.diff("add_rank", migrate.Options{})
			assertError(t, err)
			assert.Empty(t, out, "no plan is printed from an inconsistent directory")

			for _, opts := range []migrate.Options{{AllowDrop: true, Force: true}} {
				out, err = p.diff("add_rank", opts)
				assertError(t, err)
				assert.Empty(t, out, "flags do not get past an inconsistent directory")
			}

			var dry bytes.Buffer
			err = migrate.Diff(migrate.DiffOptions{Schema: p.schema, Dir: p.dir, Name: "add_rank", DryRun: true, Out: &dry})
			assertError(t, err)
			assert.Empty(t, dry.String())

			out, err = p.check()
			assertError(t, err)
			assert.Empty(t, out)

			var stdout, stderr bytes.Buffer
			assert.Equal(t, 1, migrate.Main([]string{"check", "--schema", p.schema, "--dir", p.dir}, &stdout, &stderr))
			assert.Empty(t, stdout.String())
			assert.True(t, strings.HasPrefix(stderr.String(), "migrate check: "), "%s", stderr.String())
			stdout.Reset()
			stderr.Reset()
			assert.Equal(t, 1, migrate.Main([]string{"diff", "--schema", p.schema, "--dir", p.dir, "--name", "add_rank", "--allow-drop", "--force"}, &stdout, &stderr))
			assert.Empty(t, stdout.String())
			assert.True(t, strings.HasPrefix(stderr.String(), "migrate diff: "), "%s", stderr.String())

			assert.Equal(t, before, tree(t, p.dir), "nothing is written into an inconsistent directory")
		})
	}
}

func TestCheck(t *testing.T) {
	p := newProject(t)
	p.generate(t, book(bookV1))

	// An empty (missing) directory is behind by every table.
	out, err := p.check()
	require.ErrorIs(t, err, migrate.ErrBehind)
	assert.Contains(t, out, p.dir+" does not lead to "+p.schema+"; missing:\n+ table books (shop.v1.Book)\n")
	assert.Empty(t, tree(t, p.dir), "check writes nothing")

	out, err = p.diff("init", migrate.Options{})
	require.NoError(t, err, "%s", out)
	before := tree(t, p.dir)

	out, err = p.check()
	require.NoError(t, err)
	assert.Equal(t, "OK: "+p.dir+" leads to "+p.schema+".\n", out)

	p.generate(t, book(bookWithRank))
	out, err = p.check()
	require.ErrorIs(t, err, migrate.ErrBehind)
	assert.Equal(t, p.dir+" does not lead to "+p.schema+"; missing:\n"+
		"+ column books.rank BIGINT NOT NULL DEFAULT 0\n"+
		"Run: protoc-gen-orm migrate diff --schema "+p.schema+" --dir "+p.dir+" --name <name>\n", out)
	assert.Equal(t, before, tree(t, p.dir), "check writes nothing")

	// Check names changes diff would refuse, without refusing them.
	p.generate(t, book(bookWithoutPages))
	out, err = p.check()
	require.ErrorIs(t, err, migrate.ErrBehind)
	assert.NotErrorIs(t, err, migrate.ErrRefused)
	assert.Contains(t, out, "- column books.pages (field 3)   (destructive)\n")
	assert.Equal(t, before, tree(t, p.dir))

	// A schema.json that is missing names the fix.
	require.NoError(t, os.Remove(p.schema))
	_, err = p.check()
	require.Error(t, err)
	assert.NotErrorIs(t, err, migrate.ErrBehind)
	assert.Contains(t, err.Error(), "--schema: ")
	assert.Contains(t, err.Error(), "run buf generate first")
}

// cli runs migrate.Main.
func cli(args ...string) (code int, stdout, stderr string) {
	var o, e bytes.Buffer
	code = migrate.Main(args, &o, &e)
	return code, o.String(), e.String()
}

func TestCLIUsage(t *testing.T) {
	code, stdout, stderr := cli("--help")
	assert.Equal(t, 0, code)
	assert.Empty(t, stderr)
	for _, want := range []string{
		"Usage: protoc-gen-orm migrate <command> [flags]",
		"\n  diff ", "\n  check ",
		"--schema PATH", "--dir PATH", "--name NAME",
		"--format FORMAT   golang-migrate (default) or goose",
		"--allow-drop", "--force", "--dry-run",
		"reserved", "protoforge.state.json",
	} {
		assert.Contains(t, stdout, want)
	}
	assert.NotContains(t, stdout, "%!", "the usage is formatted")

	for _, args := range [][]string{{"-h"}, {"help"}} {
		code, out, _ := cli(args...)
		assert.Equal(t, 0, code, "%v", args)
		assert.Equal(t, stdout, out, "%v", args)
	}

	code, out, _ := cli()
	assert.Equal(t, 2, code, "no command is a usage error")
	assert.Equal(t, stdout, out)

	code, stdout, stderr = cli("apply")
	assert.Equal(t, 2, code)
	assert.Empty(t, stdout)
	assert.True(t, strings.HasPrefix(stderr, "protoc-gen-orm migrate: unknown command \"apply\"\n"), "%s", stderr)
}

func TestCLIFlags(t *testing.T) {
	p := newProject(t)
	p.generate(t, book(bookV1))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"diff", "--schema", p.schema, "--dir", p.dir}, "migrate diff: --schema, --dir and --name are required"},
		{[]string{"diff", "--dir", p.dir, "--name", "init"}, "migrate diff: --schema, --dir and --name are required"},
		{[]string{"diff", "--schema", p.schema, "--name", "init"}, "migrate diff: --schema, --dir and --name are required"},
		{[]string{"check", "--schema", p.schema}, "migrate check: --schema and --dir are required"},
		{[]string{"check", "--dir", p.dir}, "migrate check: --schema and --dir are required"},
		{[]string{"diff", "--schema", p.schema, "--dir", p.dir, "--name", "init", "--drop"}, "flag provided but not defined: -drop"},
		{[]string{"check", "--schema", p.schema, "--dir", p.dir, "--force"}, "flag provided but not defined: -force"},
	} {
		code, stdout, stderr := cli(c.args...)
		assert.Equal(t, 2, code, "%v", c.args)
		assert.Empty(t, stdout, "%v", c.args)
		assert.Contains(t, stderr, c.want, "%v", c.args)
	}

	// A name that is no file name, or an unknown format, fails before
	// anything is read or written.
	code, _, stderr := cli("diff", "--schema", p.schema, "--dir", p.dir, "--name", "add-rank")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `--name "add-rank": use letters, digits and underscores`)
	code, _, stderr = cli("diff", "--schema", p.schema, "--dir", p.dir, "--name", "init", "--format", "flyway")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, `--format "flyway": want golang-migrate or goose`)
	code, _, stderr = cli("diff", "--schema", p.schema+".missing", "--dir", p.dir, "--name", "init")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "run buf generate first")

	_, err := os.Stat(p.dir)
	assert.ErrorIs(t, err, fs.ErrNotExist, "failed commands create no directory")
}

func TestCLIDiffAndCheck(t *testing.T) {
	p := newProject(t)
	p.generate(t, book(bookV1))
	check := []string{"check", "--schema", p.schema, "--dir", p.dir}
	diff := func(name string, flags ...string) []string {
		return append([]string{"diff", "--schema", p.schema, "--dir", p.dir, "--name", name}, flags...)
	}

	code, stdout, stderr := cli(check...)
	assert.Equal(t, 1, code, "behind: no migrations yet")
	assert.Contains(t, stdout, "+ table books (shop.v1.Book)")
	assert.Empty(t, stderr, "being behind is reported on stdout")

	code, stdout, stderr = cli(diff("init")...)
	require.Equal(t, 0, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "+ table books (shop.v1.Book)\nWrote migration 000001")
	assert.Empty(t, stderr)
	assert.ElementsMatch(t, initFiles, names(tree(t, p.dir)))

	code, stdout, _ = cli(check...)
	assert.Equal(t, 0, code)
	assert.Equal(t, "OK: "+p.dir+" leads to "+p.schema+".\n", stdout)

	// Nothing changed: diff says so and writes nothing.
	before := tree(t, p.dir)
	code, stdout, stderr = cli(diff("again")...)
	assert.Equal(t, 0, code)
	assert.Equal(t, "No changes: "+p.dir+" is up to date with "+p.schema+".\n", stdout)
	assert.Empty(t, stderr)
	assert.Equal(t, before, tree(t, p.dir))

	// A refused drop: exit 1, the plan on stdout, the reason on stderr.
	p.generate(t, book(bookWithoutPages))
	code, _, _ = cli(check...)
	assert.Equal(t, 1, code)
	code, stdout, stderr = cli(diff("drop_pages")...)
	assert.Equal(t, 1, code)
	assert.Equal(t, "- column books.pages (field 3)   (destructive)\n", stdout)
	assert.Equal(t, "migrate diff: migration refused:\n  column books.pages (field 3) would be dropped with its data; declare `reserved 3;` in shop.v1.Book to confirm, or pass --allow-drop\n", stderr)
	assert.Equal(t, before, tree(t, p.dir))

	code, stdout, stderr = cli(diff("drop_pages", "--allow-drop")...)
	require.Equal(t, 0, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "Wrote migration 000002")
	code, _, _ = cli(check...)
	assert.Equal(t, 0, code)

	// A refused narrowing names --force; --force writes it.
	p.generate(t, book(strings.Replace(bookWithoutPages, "size: 200", "size: 50", 1)))
	before = tree(t, p.dir)
	code, _, stderr = cli(diff("shorten")...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "column books.title (field 2): the length limit shrinks from 200 to 50 characters")
	assert.Contains(t, stderr, "pass --force")
	assert.Equal(t, before, tree(t, p.dir))
	code, stdout, stderr = cli(diff("shorten", "--force")...)
	require.Equal(t, 0, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "Wrote migration 000003")
	code, _, _ = cli(check...)
	assert.Equal(t, 0, code)
}

func TestCLIDryRun(t *testing.T) {
	p := newProject(t)
	p.generate(t, book(bookV1))
	code, stdout, stderr := cli("diff", "--schema", p.schema, "--dir", p.dir, "--name", "init", "--dry-run")
	require.Equal(t, 0, code, "%s", stderr)
	assert.Empty(t, stderr)
	for _, want := range []string{
		"+ table books (shop.v1.Book)\n",
		"\n-- postgres up\nCREATE TABLE \"books\" (",
		"\n-- postgres down\nDROP TABLE \"books\";\n",
		"\n-- mysql up\nCREATE TABLE `books` (",
		"\n-- mysql down\nDROP TABLE `books`;\n",
		"\n-- sqlite up\nCREATE TABLE `books` (",
		"\n-- sqlite down\nPRAGMA foreign_keys = off;\nDROP TABLE `books`;\nPRAGMA foreign_keys = on;\n",
	} {
		assert.Contains(t, stdout, want)
	}
	assert.NotContains(t, stdout, "Wrote migration")
	_, err := os.Stat(p.dir)
	assert.ErrorIs(t, err, fs.ErrNotExist, "a dry run creates no directory")

	// On an existing directory it prints the next migration only.
	_, err = p.diff("init", migrate.Options{})
	require.NoError(t, err)
	before := tree(t, p.dir)
	p.generate(t, book(bookWithRank))
	code, stdout, stderr = cli("diff", "--schema", p.schema, "--dir", p.dir, "--name", "add_rank", "--dry-run")
	require.Equal(t, 0, code, "%s", stderr)
	assert.Contains(t, stdout, "+ column books.rank BIGINT NOT NULL DEFAULT 0\n")
	assert.Contains(t, stdout, "\n-- postgres up\nALTER TABLE \"books\" ADD COLUMN \"rank\" bigint NOT NULL DEFAULT 0;\n")
	assert.Contains(t, stdout, "\n-- postgres down\nALTER TABLE \"books\" DROP COLUMN \"rank\";\n")
	assert.Contains(t, stdout, "\n-- mysql up\n")
	assert.Contains(t, stdout, "\n-- sqlite up\n")
	assert.NotContains(t, stdout, "CREATE TABLE \"books\"")
	assert.NotContains(t, stdout, "CREATE TABLE `books`")
	assert.Equal(t, before, tree(t, p.dir), "a dry run writes nothing")

	// A dry run does not get past a refusal either.
	p.generate(t, book(bookWithoutPages))
	code, stdout, stderr = cli("diff", "--schema", p.schema, "--dir", p.dir, "--name", "drop_pages", "--dry-run")
	assert.Equal(t, 1, code)
	assert.NotContains(t, stdout, "-- postgres up")
	assert.Contains(t, stderr, "books.pages (field 3)")
	assert.Equal(t, before, tree(t, p.dir))
}

func TestCLIGoose(t *testing.T) {
	p := newProject(t)
	p.generate(t, book(bookV1))
	code, stdout, stderr := cli("diff", "--schema", p.schema, "--dir", p.dir, "--name", "init", "--format", "goose")
	require.Equal(t, 0, code, "%s", stderr)
	assert.Contains(t, stdout, "Wrote migration 000001")
	files := tree(t, p.dir)
	assert.ElementsMatch(t, []string{migrate.StateFile, "mysql/000001_init.sql", "postgres/000001_init.sql", "sqlite/000001_init.sql"}, names(files))
	for _, d := range []string{"mysql", "postgres", "sqlite"} {
		f := files[d+"/000001_init.sql"]
		assert.True(t, strings.HasPrefix(f, "-- Code generated by protoc-gen-orm migrate diff. DO NOT EDIT.\n-- "+d+" migration 000001_init (goose)\n"), "%s", f)
		up := strings.Index(f, "\n-- +goose Up\n")
		down := strings.Index(f, "\n-- +goose Down\n")
		require.Positive(t, up, d)
		require.Greater(t, down, up, "%s: Up comes before Down", d)
		assert.Contains(t, f[up:down], "-- +goose StatementBegin\nCREATE TABLE ")
		assert.Contains(t, f[down:], "-- +goose StatementBegin\nDROP TABLE ")
	}
	assert.Equal(t, migrate.FormatGoose, p.state(t).Format)

	// The directory keeps its layout without --format; asking for the
	// other one is refused.
	p.generate(t, book(bookWithRank))
	before := tree(t, p.dir)
	code, _, stderr = cli("diff", "--schema", p.schema, "--dir", p.dir, "--name", "add_rank", "--format", "golang-migrate")
	assert.Equal(t, 1, code)
	assert.Equal(t, "migrate diff: --format golang-migrate: "+p.dir+" holds goose migrations; keep one layout per directory\n", stderr)
	assert.Equal(t, before, tree(t, p.dir))
	code, _, stderr = cli("diff", "--schema", p.schema, "--dir", p.dir, "--name", "add_rank")
	require.Equal(t, 0, code, "%s", stderr)
	assert.Contains(t, p.read(t, "postgres/000002_add_rank.sql"), "-- +goose Up\n-- +goose StatementBegin\nALTER TABLE \"books\" ADD COLUMN \"rank\"")
	_, err := os.Stat(filepath.Join(p.dir, "postgres", "000002_add_rank.up.sql"))
	assert.ErrorIs(t, err, fs.ErrNotExist)
}

func TestCLIGooseRefusedOnGolangMigrateDirectory(t *testing.T) {
	p := newProject(t)
	p.start(t, book(bookV1))
	p.generate(t, book(bookWithRank))
	before := tree(t, p.dir)
	code, stdout, stderr := cli("diff", "--schema", p.schema, "--dir", p.dir, "--name", "add_rank", "--format", "goose")
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Equal(t, "migrate diff: --format goose: "+p.dir+" holds golang-migrate migrations; keep one layout per directory\n", stderr)
	assert.Equal(t, before, tree(t, p.dir))

	// Naming the directory's own layout is fine.
	code, _, stderr = cli("diff", "--schema", p.schema, "--dir", p.dir, "--name", "add_rank", "--format", "golang-migrate")
	require.Equal(t, 0, code, "%s", stderr)
	assert.Contains(t, tree(t, p.dir), "postgres/000002_add_rank.up.sql")
}

// TestBinaryCIGate runs the built protoc-gen-orm as CI does: `migrate
// check` fails while a migration is missing and passes once `migrate diff`
// wrote it.
func TestBinaryCIGate(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "protoc-gen-orm")
	build := exec.Command("go", "build", "-o", bin, "./cmd/protoc-gen-orm")
	build.Dir = gentest.RepoRoot()
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	run := func(args ...string) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		cmd := exec.Command(bin, args...)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode(), stdout.String(), stderr.String()
		}
		require.NoError(t, err)
		return 0, stdout.String(), stderr.String()
	}

	p := newProject(t)
	p.generate(t, book(bookV1))
	check := []string{"migrate", "check", "--schema", p.schema, "--dir", p.dir}

	code, stdout, _ := run(check...)
	assert.Equal(t, 1, code, "%s", stdout)
	assert.Contains(t, stdout, "+ table books (shop.v1.Book)")

	code, stdout, stderr := run("migrate", "diff", "--schema", p.schema, "--dir", p.dir, "--name", "init")
	require.Equal(t, 0, code, "%s%s", stdout, stderr)
	assert.Contains(t, stdout, "Wrote migration 000001")

	code, stdout, stderr = run(check...)
	assert.Equal(t, 0, code, "%s%s", stdout, stderr)
	assert.Equal(t, "OK: "+p.dir+" leads to "+p.schema+".\n", stdout)

	p.generate(t, book(bookWithRank))
	code, stdout, _ = run(check...)
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "+ column books.rank BIGINT NOT NULL DEFAULT 0\n")

	code, stdout, stderr = run("migrate", "diff", "--schema", p.schema, "--dir", p.dir, "--name", "add_rank")
	require.Equal(t, 0, code, "%s%s", stdout, stderr)
	code, _, _ = run(check...)
	assert.Equal(t, 0, code)

	// A refused diff fails the build too, and leaves check failing.
	p.generate(t, book(bookWithoutPages+"  int64 rank = 4;\n"))
	code, _, stderr = run("migrate", "diff", "--schema", p.schema, "--dir", p.dir, "--name", "drop_pages")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "books.pages (field 3)")
	code, _, _ = run(check...)
	assert.Equal(t, 1, code)

	code, stdout, _ = run("migrate", "--help")
	assert.Equal(t, 0, code)
	assert.Contains(t, stdout, "--allow-drop")
	code, _, _ = run("migrate", "check")
	assert.Equal(t, 2, code)
}

// TestPlanMarksChangesTheDataDecides marks the unique indexes and foreign
// keys a diff adds to a table that holds rows: whether they apply depends
// on those rows, which the schema cannot tell. Columns the same step
// adds as nullable hold NULL in every row, which neither a unique index
// nor a foreign key refuses; a NOT NULL one holds its default in every
// row, which a unique index refuses from the second row on.
func TestPlanMarksChangesTheDataDecides(t *testing.T) {
	p := newProject(t)
	p.start(t, book(bookV1))
	p.generate(t, "message Book {\n  option (protoforge.v1.model) = {indexes: [{fields: [\"title\", \"pages\"], unique: true}, {fields: [\"title\", \"sku\"], unique: true}, {fields: [\"isbn\"]}]};\n"+bookV1+`  string code = 4 [(protoforge.v1.field) = {unique: true, size: 20}];
  optional string sku = 5 [(protoforge.v1.field) = {unique: true, size: 20}];
  string isbn = 6 [(protoforge.v1.field) = {size: 20}];
  int64 author_id = 7 [(protoforge.v1.field) = {references: "Author"}];
  optional int64 editor_id = 8 [(protoforge.v1.field) = {references: "Author"}];
}
`+modelMsg("Author", "  int64 id = 1;\n"))
	// code (new, unique, without presence) would hold '' in every row,
	// author_id 0, which names no author: both refused without --force.
	out, err := p.diff("uniques", migrate.Options{})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Contains(t, err.Error(), "unique index uniq_books_code on books (code) covers only new columns without presence")
	assert.Contains(t, err.Error(), "column books.author_id (field 7) is a new foreign key to authors without presence")
	assert.NotContains(t, err.Error(), "uniq_books_title_pages", "its rows may differ in title and pages")
	out, err = p.diff("uniques", migrate.Options{Force: true})
	require.NoError(t, err, "%s", out)
	const fails = "   (fails if two rows hold the same values)"
	for line, marked := range map[string]bool{
		"+ index uniq_books_code on books (code)":                true,  // a new NOT NULL column: '' in every row
		"+ index uniq_books_sku on books (sku)":                  false, // a new nullable column: NULL in every row
		"+ index uniq_books_title_pages on books (title, pages)": true,  // columns the rows hold
		"+ index uniq_books_title_sku on books (title, sku)":     false, // NULL in sku
		"+ index idx_books_isbn on books (isbn)":                 false, // not unique
	} {
		if marked {
			assert.Contains(t, out, line+fails+"\n")
		} else {
			assert.Contains(t, out, line+"\n")
			assert.NotContains(t, out, line+fails)
		}
	}
	// author_id is new and NOT NULL: 0 in every row, which no author has.
	assert.Contains(t, out, "+ foreign key fk_books_author_id: books.author_id → authors.id   (fails if a row refers to a row authors does not hold)\n")
	assert.Contains(t, out, "+ foreign key fk_books_editor_id: books.editor_id → authors.id\n")
}

// TestPatternGained: a resource that gains a pattern (AIP-123) gains a key
// column, "" in the rows it holds, and so do its children, whose foreign
// key then names the same rows: not refused as a new foreign key whose
// zero value names none. The children's key columns shrink (four of them
// share MySQL's index length), which --force allows.
func TestPatternGained(t *testing.T) {
	const imports = "import \"google/api/resource.proto\";\n\n"
	msgs := func(patterns ...string) string {
		secret, version := "", ""
		for _, p := range patterns {
			secret += ` pattern: "` + p + `/secrets/{secret}"`
			version += ` pattern: "` + p + `/secrets/{secret}/versions/{version}"`
		}
		return imports + "message Secret {\n  option (google.api.resource) = {type: \"shop.example.com/Secret\"" + secret + "};\n  string name = 1;\n}\n\n" +
			"message Version {\n  option (google.api.resource) = {type: \"shop.example.com/Version\"" + version + "};\n  string name = 1;\n}\n"
	}
	p := newProject(t)
	p.start(t, msgs("projects/{project}"))
	p.generate(t, msgs("projects/{project}", "projects/{project}/locations/{location}"))
	_, err := p.diff("located", migrate.Options{})
	require.ErrorIs(t, err, migrate.ErrRefused)
	assert.Equal(t, "migration refused:\n"+
		"  column versions.project (field 0): the length limit shrinks from 255 to 192 characters, which fails or truncates longer values; pass --force if the data allows it\n"+
		"  column versions.secret (field 0): the length limit shrinks from 255 to 192 characters, which fails or truncates longer values; pass --force if the data allows it\n"+
		"  column versions.version (field 1): the length limit shrinks from 255 to 192 characters, which fails or truncates longer values; pass --force if the data allows it", err.Error())
	out, err := p.diff("located", migrate.Options{Force: true})
	require.NoError(t, err, "%s", out)
	assert.Contains(t, out, "+ column versions.location VARCHAR(192) NOT NULL DEFAULT ''")
}

// TestReferencedPatternGained: a reference to a resource that gains a
// pattern (AIP-123) gains a key column, which the plan fills from the
// names the rows hold, one statement a pattern, before the foreign key
// is added back: "" where a name's pattern lacks the variable.
func TestReferencedPatternGained(t *testing.T) {
	const imports = "import \"google/api/resource.proto\";\n\n"
	msgs := func(patterns ...string) string {
		secret := ""
		for _, p := range patterns {
			secret += ` pattern: "` + p + `/secrets/{secret}"`
		}
		return imports + "message Secret {\n  option (google.api.resource) = {type: \"shop.example.com/Secret\"" + secret + "};\n  string name = 1;\n}\n\n" +
			"message Holder {\n  option (google.api.resource) = {type: \"shop.example.com/Holder\" pattern: \"holders/{holder}\"};\n  string name = 1;\n" +
			"  string pinned = 2 [(google.api.resource_reference).type = \"shop.example.com/Secret\"];\n}\n"
	}
	p := newProject(t)
	p.start(t, msgs("projects/{project}"))
	p.generate(t, msgs("projects/{project}", "projects/{project}/locations/{location}"))
	out, err := p.diff("located", migrate.Options{})
	require.NoError(t, err, "%s", out)
	assert.Contains(t, out, "~ fill holders.pinned_project, pinned_location, pinned_secret from the names in pinned (projects/{project}/secrets/{secret} or projects/{project}/locations/{location}/secrets/{secret}), where the named row exists")
	up := p.read(t, "postgres/000002_located.up.sql")
	assert.Contains(t, up, `AND r."location" = '' AND`, "names of the first pattern hold '' in location:\n%s", up)
	assert.Contains(t, up, `AND r."location" = split_part(t."pinned", '/', 4) AND`, "names of the second hold their location:\n%s", up)
	fill, key := strings.Index(up, `UPDATE "holders"`), strings.LastIndex(up, `CONSTRAINT "fk_holders_pinned" FOREIGN KEY`)
	assert.True(t, fill >= 0 && key > fill, "the foreign key is added after the fill:\n%s", up)
}
