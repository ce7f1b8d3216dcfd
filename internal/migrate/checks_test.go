package migrate_test

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/migrate"
	"github.com/protoforge/protoforge/internal/testdb"
)

// validateImport lets a proto of these tests use protovalidate's rules.
const validateImport = "import \"buf/validate/validate.proto\";\n\n"

// TestNewColumnWhoseDefaultFailsItsCheck: a new field without presence
// gives the rows already in the table its zero value, the column's
// default; when its rules give a check that refuses that value, the
// migration fails on every database as soon as the table has a row. diff
// refuses it unless --force (the table is empty); a rule that ignores the
// zero value leaves it out of the check, and the column is added to the
// rows there are.
func TestNewColumnWhoseDefaultFailsItsCheck(t *testing.T) {
	const base = "  int64 id = 1;\n"
	cases := []struct {
		name, field, refusal string
	}{
		{"qty", `  int32 qty = 2 [(buf.validate.field).int32 = {gt: 0}];` + "\n",
			`column books.qty (field 2) is new, and its default 0 fails its check chk_books_qty_range ("qty" > 0): the rows the table already has would hold the default, and the migration fails on them; declare the field ` + "`optional`" + `, let its rules ignore the zero value (IGNORE_IF_ZERO_VALUE), or pass --force if the table is empty`},
		{"code", `  string code = 2 [(buf.validate.field).string = {min_len: 1}];` + "\n",
			`column books.code (field 2) is new, and its default '' fails its check chk_books_code_len (char_length("code") >= 1): the rows the table already has would hold the default, and the migration fails on them; declare the field ` + "`optional`" + `, let its rules ignore the zero value (IGNORE_IF_ZERO_VALUE), or pass --force if the table is empty`},
		{"range", `  double w = 2 [(buf.validate.field).double = {gte: 1, lte: 10}];` + "\n",
			`column books.w (field 2) is new, and its default 0 fails its check chk_books_w_range ("w" >= 1 AND "w" <= 10): the rows the table already has would hold the default, and the migration fails on them; declare the field ` + "`optional`" + `, let its rules ignore the zero value (IGNORE_IF_ZERO_VALUE), or pass --force if the table is empty`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newProject(t)
			p.start(t, book(base))
			p.generate(t, validateImport+book(base+c.field))
			before := tree(t, p.dir)
			_, err := p.diff("add", migrate.Options{})
			require.ErrorIs(t, err, migrate.ErrRefused)
			assert.Equal(t, "migration refused:\n  "+c.refusal, err.Error())
			assert.Equal(t, before, tree(t, p.dir), "a refused diff writes nothing")
			out, err := p.diff("add", migrate.Options{Force: true})
			require.NoError(t, err, "%s", out)
		})
	}

	// What the refusal says, on every database: the forced migration
	// fails on a table with a row, and succeeds on an empty one.
	forced := gooseSteps(t, migrate.Options{Force: true},
		book(base),
		validateImport+book(base+`  int32 qty = 2 [(buf.validate.field).int32 = {gt: 0}];`+"\n"))
	// The zero value ignored: no refusal, and the rows take it.
	ignored := gooseSteps(t, migrate.Options{},
		book(base),
		validateImport+book(base+`  int32 qty = 2 [(buf.validate.field).int32 = {gt: 0}, (buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE];`+"\n"+
			`  string code = 3 [(buf.validate.field).string = {min_len: 1}, (buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE];`+"\n"))
	// A default of presence is NULL, which the check lets through.
	optional := gooseSteps(t, migrate.Options{},
		book(base),
		validateImport+book(base+`  optional int32 qty = 2 [(buf.validate.field).int32 = {gt: 0}];`+"\n"))
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		p := gooseProvider(t, db, forced)
		_, err := p.UpTo(ctx, 1)
		require.NoError(t, err)
		require.NoError(t, db.Exec("INSERT INTO books (id) VALUES (1)").Error)
		_, err = p.UpTo(ctx, 2)
		require.Error(t, err, "the row would hold 0, which the check refuses")
		// A failed SQLite rebuild leaves its copy behind (NO TRANSACTION):
		// start again, on an empty table.
		reset := func() {
			for _, table := range []string{"new_books", "books", "goose_db_version"} {
				require.NoError(t, db.Exec("DROP TABLE IF EXISTS "+table).Error)
			}
		}
		reset()
		p = gooseProvider(t, db, forced)
		_, err = p.Up(ctx)
		require.NoError(t, err, "an empty table takes the column")
		require.Error(t, db.Exec("INSERT INTO books (id, qty) VALUES (2, 0)").Error, "the check holds")

		for _, dir := range []string{ignored, optional} {
			reset()
			p := gooseProvider(t, db, dir)
			_, err := p.UpTo(ctx, 1)
			require.NoError(t, err)
			require.NoError(t, db.Exec("INSERT INTO books (id) VALUES (1)").Error)
			_, err = p.Up(ctx)
			require.NoError(t, err, "the rows take the default the check lets through")
			_, err = p.DownTo(ctx, 1)
			require.NoError(t, err)
			_, err = p.Up(ctx)
			require.NoError(t, err)
		}
	})
}

// TestEnumNameBackToNumber: an enum stored by name that goes back to its
// number (with --force: the names are not in the snapshot, so no
// migration converts them) fails on every database when a row holds a
// name, SQLite included, which would otherwise keep the name in its
// integer column; a row holding a number's digits converts. The down
// migration converts the numbers back to their digits.
func TestEnumNameBackToNumber(t *testing.T) {
	const color = "enum Color {\n  COLOR_UNSPECIFIED = 0;\n  COLOR_RED = 1;\n}\n\n"
	dir := gooseSteps(t, migrate.Options{Force: true},
		color+book("  int64 id = 1;\n  Color c = 2 [(protoforge.v1.field) = {enum_as_name: true}];\n  optional Color o = 3 [(protoforge.v1.field) = {enum_as_name: true}];\n"),
		color+book("  int64 id = 1;\n  Color c = 2;\n  optional Color o = 3;\n"))
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		p := gooseProvider(t, db, dir)
		_, err := p.UpTo(ctx, 1)
		require.NoError(t, err)
		for _, row := range []string{"(1, 'COLOR_UNSPECIFIED', '1')", "(1, '1', 'COLOR_RED')"} {
			require.NoError(t, db.Exec("INSERT INTO books (id, c, o) VALUES "+row).Error)
			_, err = p.UpTo(ctx, 2)
			require.Error(t, err, "a name where a number is wanted: %s", row)
			var n int64
			require.NoError(t, db.Raw("SELECT COUNT(*) FROM books").Scan(&n).Error)
			assert.EqualValues(t, 1, n, "the row is kept")
			require.NoError(t, db.Exec("DELETE FROM books").Error)
			// A failed SQLite rebuild leaves its copy behind, and MySQL/MariaDB
			// the statements that ran: the version is 1 again.
			require.NoError(t, db.Exec("DROP TABLE IF EXISTS new_books").Error)
			if v, err := p.GetDBVersion(ctx); err == nil && v == 1 {
				continue
			}
			t.Fatalf("version after the failure")
		}
		require.NoError(t, db.Exec("INSERT INTO books (id, c, o) VALUES (1, '1', NULL), (2, '0', '1')").Error)
		_, err = p.UpTo(ctx, 2)
		require.NoError(t, err, "digits convert")
		type row struct{ C, O sql.NullInt64 }
		var rows []row
		require.NoError(t, db.Raw("SELECT c, o FROM books ORDER BY id").Scan(&rows).Error)
		assert.Equal(t, []row{{C: sql.NullInt64{Int64: 1, Valid: true}}, {O: sql.NullInt64{Int64: 1, Valid: true}, C: sql.NullInt64{Valid: true}}}, rows)
		var typ string
		if db.Dialector.Name() == "sqlite" {
			require.NoError(t, db.Raw("SELECT typeof(c) FROM books WHERE id = 1").Scan(&typ).Error)
			assert.Equal(t, "integer", typ)
		}
		_, err = p.DownTo(ctx, 1)
		require.NoError(t, err)
	})
}

// typedQty is a book whose field qty has type typ and rules.
func typedQty(typ, rules string) string {
	return validateImport + book("  int64 id = 1;\n  "+typ+" qty = 2"+rules+";\n")
}

// TestTightenedCheck: a rule added to an existing column, or tightened,
// gives a check the values already stored may break; diff refuses it
// unless --force, as it refuses a shorter length. A rule loosened, or one
// that ignores the zero value, is not refused. With --force the migration
// fails on every database when a row breaks the check.
func TestTightenedCheck(t *testing.T) {
	qty := func(rules string) string { return typedQty("int32", rules) }
	const refusal = `column books.qty (field 2): its rules add or tighten the check chk_books_qty_range ("qty" >= 5), which fails on the rows that break it; pass --force if the data allows it`
	for _, c := range []struct {
		name, from, to, refused string
	}{
		{"added", qty(""), qty(" [(buf.validate.field).int32 = {gte: 5}]"), refusal},
		{"tightened", qty(" [(buf.validate.field).int32 = {gte: 1}]"), qty(" [(buf.validate.field).int32 = {gte: 5}]"), refusal},
		{"loosened", qty(" [(buf.validate.field).int32 = {gte: 5}]"), qty(" [(buf.validate.field).int32 = {gte: 1}]"), ""},
		{"zero ignored", qty(" [(buf.validate.field).int32 = {gte: 5}]"), qty(" [(buf.validate.field).int32 = {gte: 5}, (buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE]"), ""},
		{"bound removed", qty(" [(buf.validate.field).int32 = {gte: 1, lte: 9}]"), qty(" [(buf.validate.field).int32 = {gte: 1}]"), ""},
		// Integer bounds compare as the inclusive ones of the same values.
		{"the same integers", qty(" [(buf.validate.field).int32 = {gt: 0}]"), qty(" [(buf.validate.field).int32 = {gte: 1}]"), ""},
		{"the same integers below", qty(" [(buf.validate.field).int32 = {lte: 9}]"), qty(" [(buf.validate.field).int32 = {lt: 10}]"), ""},
		{"one integer fewer", qty(" [(buf.validate.field).int32 = {gte: 4}]"), qty(" [(buf.validate.field).int32 = {gt: 4}]"), `column books.qty (field 2): its rules add or tighten the check chk_books_qty_range ("qty" > 4), which fails on the rows that break it; pass --force if the data allows it`},
		// A wider type does not lift the refusal of the rule it comes with.
		{"added with a wider type", qty(""), typedQty("int64", " [(buf.validate.field).int64 = {gte: 5}]"), refusal},
		{"tightened with a wider type", qty(" [(buf.validate.field).int32 = {gte: 1}]"), typedQty("int64", " [(buf.validate.field).int64 = {gte: 5}]"), refusal},
		{"the same with an unsigned type", typedQty("uint32", " [(buf.validate.field).uint32 = {gte: 5}]"), typedQty("uint64", " [(buf.validate.field).uint64 = {gte: 5}]"), ""},
		{"loosened with a wider type", qty(" [(buf.validate.field).int32 = {gte: 5}]"), typedQty("int64", " [(buf.validate.field).int64 = {gte: 1}]"), ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newProject(t)
			p.start(t, c.from)
			p.generate(t, c.to)
			if err := diffRule(t, p, c.refused); err != nil {
				assert.Equal(t, "migration refused:\n  "+c.refused, err.Error())
				out, err := p.diff("rule", migrate.Options{Force: true})
				require.NoError(t, err, "%s", out)
			}
		})
	}

	dir := gooseSteps(t, migrate.Options{Force: true}, qty(""), qty(" [(buf.validate.field).int32 = {gte: 5}]"))
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		p := gooseProvider(t, db, dir)
		_, err := p.UpTo(ctx, 1)
		require.NoError(t, err)
		require.NoError(t, db.Exec("INSERT INTO books (id, qty) VALUES (1, 3)").Error)
		_, err = p.UpTo(ctx, 2)
		require.Error(t, err, "a row breaks the check")
		require.NoError(t, db.Exec("DROP TABLE IF EXISTS new_books").Error)
		require.NoError(t, db.Exec("UPDATE books SET qty = 7").Error)
		_, err = p.UpTo(ctx, 2)
		require.NoError(t, err, "the rows meet it")
	})
}

// TestFloatBoundsOfEarlierSnapshots: a float field's bounds were recorded
// as their short decimals (0.1) before checks spelled the float32 they
// stand for (0.10000000149011612); a directory whose state holds the
// earlier form is not taken for a tightened rule, whichever way the
// float32 lies from the decimal, and a bound really moved still is.
func TestFloatBoundsOfEarlierSnapshots(t *testing.T) {
	const rules = " [(buf.validate.field).float = {gte: 0.1, lte: 0.7}]"
	for _, c := range []struct {
		name, to, refused string
	}{
		{"the same bounds", typedQty("float", rules), ""},
		{"a bound moved", typedQty("float", " [(buf.validate.field).float = {gte: 0.2, lte: 0.7}]"), "chk_books_qty_range"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newProject(t)
			p.start(t, typedQty("float", rules))
			// The state as an earlier release wrote it.
			st := p.read(t, migrate.StateFile)
			for _, b := range []struct{ now, then string }{{"0.10000000149011612", "0.1"}, {"0.699999988079071", "0.7"}} {
				require.Contains(t, st, `"`+b.now+`"`)
				st = strings.ReplaceAll(st, `"`+b.now+`"`, `"`+b.then+`"`)
			}
			require.NoError(t, os.WriteFile(filepath.Join(p.dir, migrate.StateFile), []byte(st), 0o644))
			p.generate(t, c.to)
			if err := diffRule(t, p, c.refused); err != nil {
				assert.Contains(t, err.Error(), c.refused)
			}
		})
	}
}

// diffRule runs diff on p: without a refusal expected, it must write the
// migration (and diffRule returns nil); with one, it must refuse, and
// diffRule returns the refusal.
func diffRule(t *testing.T, p *project, refused string) error {
	t.Helper()
	out, err := p.diff("rule", migrate.Options{})
	if refused == "" {
		require.NoError(t, err, "%s", out)
		return nil
	}
	require.ErrorIs(t, err, migrate.ErrRefused)
	return err
}
