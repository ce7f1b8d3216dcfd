package migrate_test

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/internal/gen/sqlschema"
	"github.com/protoforge/protoforge/internal/migrate"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestMigrationScenarios runs the histories under testdata/scenarios,
// evolutions that the linear history of TestEvolutions does not reach:
// keys whose collation, size or type changes while foreign keys hold
// them, with renames, self-references and new keys in the same step, and
// the conversion of earlier snapshots. Each scenario is a directory of
// steps (01, 02, …), each a shop.proto with optional SQL files, one
// statement a line: seed.sql (rows written after the step's up; run again
// after each up, where what is already there may refuse), check.sql
// (statements that must succeed), fail.sql (statements that must fail:
// the foreign keys hold) and expect.sql ("query ||| value"), and
// expect_down.sql, checked after the step's down; a file named
// <file>.<dialect>.sql replaces <file>.sql on that database. An options
// file may say "force" (migrate diff --force), "allow-drop" (migrate diff
// --allow-drop) and "earlier" (the first
// step is written as the generator before tables compared strings without
// padding wrote it: no collation of their own in the snapshot, MySQL
// tables utf8mb4_bin).
//
// On every database, each step goes up with rows present, its files are
// run, its catalog is compared with the step's declarative schema (but
// for an earlier first step), it goes down to the previous catalog, and
// up again.
func TestMigrationScenarios(t *testing.T) {
	entries, err := os.ReadDir("testdata/scenarios")
	require.NoError(t, err)
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			runScenario(t, filepath.Join("testdata/scenarios", e.Name()))
		})
	}
}

func runScenario(t *testing.T, root string) {
	opts, _ := os.ReadFile(filepath.Join(root, "options"))
	force := bytes.Contains(opts, []byte("force"))
	allowDrop := bytes.Contains(opts, []byte("allow-drop"))
	earlier := bytes.Contains(opts, []byte("earlier"))
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	var steps []string
	for _, e := range entries {
		if e.IsDir() {
			steps = append(steps, filepath.Join(root, e.Name()))
		}
	}
	slices.Sort(steps)
	gooseDir := t.TempDir()
	var schemaDirs []string
	for i, step := range steps {
		schemaPath := generateSchema(t, step, t.TempDir())
		if i == 0 && earlier {
			b, err := os.ReadFile(schemaPath)
			require.NoError(t, err)
			b = regexp.MustCompile(`,\s*"postgres_collation":\s*"C"`).ReplaceAll(b, nil)
			b = regexp.MustCompile(`,\s*"collation":\s*"binary"`).ReplaceAll(b, nil)
			require.NoError(t, os.WriteFile(schemaPath, b, 0o644))
		}
		var out bytes.Buffer
		require.NoError(t, migrate.Diff(migrate.DiffOptions{Options: migrate.Options{Force: force, AllowDrop: allowDrop}, Schema: schemaPath, Dir: gooseDir, Name: fmt.Sprintf("step%d", i+1), Format: migrate.FormatGoose, Out: &out}), "step %d:\n%s", i+1, out.String())
		out.Reset()
		require.NoError(t, migrate.Diff(migrate.DiffOptions{Options: migrate.Options{Force: force, AllowDrop: allowDrop}, Schema: schemaPath, Dir: gooseDir, Name: "again", Format: migrate.FormatGoose, Out: &out}))
		require.Contains(t, out.String(), "No changes", "step %d: a second diff finds nothing", i+1)
		schemaDirs = append(schemaDirs, filepath.Dir(schemaPath))
	}
	if earlier {
		first, err := filepath.Glob(filepath.Join(gooseDir, "mysql", "000001_*.sql"))
		require.NoError(t, err)
		require.Len(t, first, 1)
		b, err := os.ReadFile(first[0])
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(first[0], bytes.ReplaceAll(b, []byte(sqlschema.MySQLCollation), []byte("COLLATE utf8mb4_bin")), 0o644))
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		d := db.Dialector.Name()
		upDownUp(t, db, gooseDir, schemaDirs, stepHooks{
			up: func(v int) {
				step := steps[v-1]
				runLines(t, db, d, step, "seed", v, func(line string, err error) {})
				runLines(t, db, d, step, "check", v, func(line string, err error) {
					require.NoError(t, err, "step %d, check: %s", v, line)
				})
				runLines(t, db, d, step, "fail", v, func(line string, err error) {
					require.Error(t, err, "step %d, must fail: %s", v, line)
				})
				expectLines(t, db, d, step, "expect", v)
			},
			// After the down from step v+1.
			down:         func(v int) { expectLines(t, db, d, steps[v], "expect_down", v) },
			name:         func(v int) string { return filepath.Base(steps[v-1]) },
			earlierFirst: earlier,
		})
	})
}

// scenarioFile reads the statements of a step's file, the dialect's own
// when there is one; "" when there is none.
func scenarioFile(t *testing.T, step, base, d string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(step, base+"."+d+".sql"))
	if err != nil {
		if b, err = os.ReadFile(filepath.Join(step, base+".sql")); err != nil {
			return nil
		}
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "--") {
			out = append(out, line)
		}
	}
	return out
}

// runLines runs each statement of a step's file and hands its error to
// judge.
func runLines(t *testing.T, db *gorm.DB, d, step, base string, v int, judge func(line string, err error)) {
	t.Helper()
	for _, line := range scenarioFile(t, step, base, d) {
		// The step in a comment keeps PostgreSQL's cached plans apart.
		judge(line, db.Exec(fmt.Sprintf("%s /* v%d */", line, v)).Error)
	}
}

// expectLines checks each "query ||| value" of a step's expect file
// (base expect or expect_down).
func expectLines(t *testing.T, db *gorm.DB, d, step, base string, v int) {
	t.Helper()
	for _, line := range scenarioFile(t, step, base, d) {
		q, want, ok := strings.Cut(line, " ||| ")
		require.True(t, ok, "expect line %q", line)
		var got sql.NullString
		require.NoError(t, db.Raw(fmt.Sprintf("%s /* v%d */", q, v)).Row().Scan(&got), "step %d: %s", v, q)
		require.Equal(t, want, got.String, "step %d: %s", v, q)
	}
}
