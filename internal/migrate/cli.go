package migrate

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

const usage = `Usage: protoc-gen-orm migrate <command> [flags]

Commands:
  diff    write the next migration of every dialect, from the migrations
          directory's recorded schema to schema.json
  check   exit 1, naming what is missing, when the migrations do not lead
          to schema.json (a CI gate)

Migrations are written for PostgreSQL, MySQL/MariaDB and SQLite under
<dir>/postgres, <dir>/mysql and <dir>/sqlite, as <version>_<name>.up.sql and
.down.sql (golang-migrate) or <version>_<name>.sql (goose). <dir>/%s
records the schema they lead to and a checksum of every file; edit neither
by hand.

Field numbers identify columns: a field that keeps its number and changes its
name (or column option) is a RENAME COLUMN. A message whose table changes is
a RENAME TABLE (declare (protoforge.v1.model).renamed_from when the message
is renamed too). Dropping a column needs its field number reserved in the
proto, or --allow-drop; dropping a table needs --allow-drop. Changes that can
lose data (int64 to int32, a shorter size, string to int, NULL to NOT NULL)
need --force. SQLite migrations that rebuild a table run outside a
transaction (goose: NO TRANSACTION). MySQL/MariaDB commit each DDL statement
on its own: a migration that fails half-way must be finished or undone by
hand.

Flags of diff:
  --schema PATH     schema.json written by protoc-gen-orm (required)
  --dir PATH        migrations directory (required; created if missing)
  --name NAME       migration name, e.g. add_book_rank (required)
  --format FORMAT   golang-migrate (default) or goose
  --allow-drop      allow dropping columns and tables that are not reserved
  --force           allow narrowing changes
  --dry-run         print the SQL of every dialect, write nothing

Flags of check:
  --schema PATH, --dir PATH
`

// Main runs `protoc-gen-orm migrate` with args (after "migrate") and
// returns the exit code.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintf(stdout, usage, StateFile)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	fs := flag.NewFlagSet("protoc-gen-orm migrate "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintf(stderr, usage, StateFile) }
	schemaPath := fs.String("schema", "", "schema.json written by protoc-gen-orm")
	dir := fs.String("dir", "", "migrations directory")
	switch args[0] {
	case "diff":
		name := fs.String("name", "", "migration name")
		format := fs.String("format", "", "golang-migrate or goose")
		allowDrop := fs.Bool("allow-drop", false, "allow dropping columns and tables that are not reserved")
		force := fs.Bool("force", false, "allow narrowing changes")
		dryRun := fs.Bool("dry-run", false, "print the SQL, write nothing")
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if *schemaPath == "" || *dir == "" || *name == "" {
			fmt.Fprintln(stderr, "migrate diff: --schema, --dir and --name are required")
			return 2
		}
		err := Diff(DiffOptions{
			Options: Options{AllowDrop: *allowDrop, Force: *force},
			Schema:  *schemaPath, Dir: *dir, Name: *name, Format: *format, DryRun: *dryRun, Out: stdout,
		})
		if err != nil {
			fmt.Fprintln(stderr, "migrate diff:", err)
			return 1
		}
		return 0
	case "check":
		if err := fs.Parse(args[1:]); err != nil {
			return 2
		}
		if *schemaPath == "" || *dir == "" {
			fmt.Fprintln(stderr, "migrate check: --schema and --dir are required")
			return 2
		}
		err := Check(CheckOptions{Schema: *schemaPath, Dir: *dir, Out: stdout})
		if errors.Is(err, ErrBehind) {
			return 1
		}
		if err != nil {
			fmt.Fprintln(stderr, "migrate check:", err)
			return 1
		}
		return 0
	}
	fmt.Fprintf(stderr, "protoc-gen-orm migrate: unknown command %q\n\n", args[0])
	fmt.Fprintf(stderr, usage, StateFile)
	return 2
}
