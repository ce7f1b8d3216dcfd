package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/protoforge/protoforge/internal/gen/model"
	"github.com/protoforge/protoforge/internal/gen/sqlschema"
	"github.com/protoforge/protoforge/ormrt"
)

// DiffOptions are the inputs of Diff.
type DiffOptions struct {
	Options
	// Schema is the path of the schema.json that protoc-gen-orm wrote.
	Schema string
	// Dir is the migrations directory.
	Dir string
	// Name names the migration (letters, digits, underscores).
	Name string
	// Format is FormatGolangMigrate (default) or FormatGoose. An existing
	// directory keeps its format.
	Format string
	// DryRun prints the SQL instead of writing files.
	DryRun bool
	// Out receives the plan and messages.
	Out io.Writer
}

// ErrRefused is returned when the plan holds changes that need a flag.
var ErrRefused = errors.New("migration refused")

var nameRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// Diff writes the next migration of every dialect: the changes from the
// schema the directory leads to, to the snapshot. It writes nothing when
// nothing changed, and nothing at all when a change is refused.
func Diff(o DiffOptions) error {
	if !nameRE.MatchString(o.Name) {
		return fmt.Errorf("--name %q: use letters, digits and underscores, e.g. add_book_rank", o.Name)
	}
	newS, err := readSnapshot(o.Schema)
	if err != nil {
		return err
	}
	d, err := readDir(o.Dir)
	if err != nil {
		return err
	}
	format := o.Format
	if format == "" {
		format = FormatGolangMigrate
	}
	if format != FormatGolangMigrate && format != FormatGoose {
		return fmt.Errorf("--format %q: want %s or %s", format, FormatGolangMigrate, FormatGoose)
	}
	if d.state != nil {
		if o.Format != "" && o.Format != d.state.Format {
			return fmt.Errorf("--format %s: %s holds %s migrations; keep one layout per directory", o.Format, o.Dir, d.state.Format)
		}
		format = d.state.Format
	}
	oldS := d.schema(newS.Package)
	p := compare(oldS, newS, o.Options)
	if len(p.changes) == 0 && sameSchema(oldS, newS) {
		fmt.Fprintf(o.Out, "No changes: %s is up to date with %s.\n", o.Dir, o.Schema)
		return nil
	}
	if len(p.refusals) > 0 {
		printPlan(o.Out, p)
		return fmt.Errorf("%w:\n  %s", ErrRefused, strings.Join(p.refusals, "\n  "))
	}
	version := 1
	if d.state != nil {
		version = d.state.Version + 1
	}
	ups, downs := map[ormrt.Dialect][]string{}, map[ormrt.Dialect][]string{}
	noSQL := true
	for _, dl := range model.Dialects {
		up, down, err := p.statements(dl)
		if err != nil {
			return fmt.Errorf("%s: %w", dl, err)
		}
		ups[dl], downs[dl] = up, down
		noSQL = noSQL && len(up) == 0 && len(down) == 0
	}
	if noSQL && d.state != nil {
		// Fields reordered or renumbered: the same tables and columns.
		// The state records the snapshot, whose field numbers identify
		// the columns from now on; no migration is written.
		for _, c := range p.changes {
			fmt.Fprintln(o.Out, c.Text)
		}
		fmt.Fprintf(o.Out, "No SQL changes: the tables of %s are those %s leads to; no migration written.\n", o.Schema, o.Dir)
		if o.DryRun {
			return nil
		}
		return write(o.Dir, d.state, format, d.state.Version, newS, nil, io.Discard)
	}
	printPlan(o.Out, p)
	files := map[string][]byte{}
	for _, dl := range model.Dialects {
		up, down := ups[dl], downs[dl]
		if o.DryRun {
			fmt.Fprintf(o.Out, "\n-- %s up\n%s\n-- %s down\n%s", dl, joinStmts(up), dl, joinStmts(down))
			continue
		}
		for name, content := range render(format, dl, version, o.Name, up, down) {
			files[name] = content
		}
	}
	if o.DryRun {
		return nil
	}
	return write(o.Dir, d.state, format, version, newS, files, o.Out)
}

// sameSchema reports whether two snapshots spell the same schema; changes
// without a readable line (a check, a default) still count.
func sameSchema(a, b *sqlschema.Snapshot) bool {
	ca, cb := clone(a), clone(b)
	ca.Package, cb.Package = "", ""
	// The names a reference's key is read from are not schema: a
	// snapshot written before they were recorded is the same schema.
	for _, s := range []*sqlschema.Snapshot{ca, cb} {
		for _, t := range s.Tables {
			for _, fk := range t.ForeignKeys {
				fk.NameColumn, fk.NamePattern = "", ""
			}
		}
	}
	return string(ca.Marshal()) == string(cb.Marshal())
}

func readSnapshot(path string) (*sqlschema.Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--schema: %w (run buf generate first; protoc-gen-orm writes schema/schema.json next to the generated Go)", err)
	}
	s, err := sqlschema.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

func printPlan(w io.Writer, p *plan) {
	for _, c := range p.changes {
		mark := ""
		if c.Destructive {
			mark = "   (destructive)"
		}
		if c.FailsIf != "" {
			mark += "   (fails if " + c.FailsIf + ")"
		}
		fmt.Fprintf(w, "%s%s\n", c.Text, mark)
	}
	if len(p.changes) == 0 {
		fmt.Fprintln(w, "~ constraints or defaults")
	}
}

func joinStmts(stmts []string) string {
	var b strings.Builder
	for _, s := range stmts {
		b.WriteString(s)
		b.WriteString(";\n")
	}
	return b.String()
}

// header starts every migration file.
func header(d ormrt.Dialect, version int, name, kind string) string {
	return fmt.Sprintf("-- Code generated by protoc-gen-orm migrate diff. DO NOT EDIT.\n-- %s migration %06d_%s (%s)\n", d, version, name, kind)
}

// noTxNeeded reports whether statements must run outside a transaction:
// SQLite ignores `PRAGMA foreign_keys` inside one, and a table rebuild
// with foreign keys on would cascade its implicit DELETE.
func noTxNeeded(stmts []string) bool {
	for _, s := range stmts {
		if strings.HasPrefix(strings.TrimSpace(s), "PRAGMA foreign_keys") {
			return true
		}
	}
	return false
}

// noTxNote warns golang-migrate users, whose SQLite driver wraps every
// file in a transaction unless told otherwise.
const noTxNote = "-- Rebuilds a table: run outside a transaction, or PRAGMA foreign_keys is ignored and\n" +
	"-- dropping the old table cascades (golang-migrate: x-no-tx-wrap=true in the sqlite URL).\n"

// render spells the files of one dialect's migration.
func render(format string, d ormrt.Dialect, version int, name string, up, down []string) map[string][]byte {
	base := fmt.Sprintf("%s/%06d_%s", d, version, name)
	if format == FormatGoose {
		var b strings.Builder
		b.WriteString(header(d, version, name, "goose"))
		if noTxNeeded(up) || noTxNeeded(down) {
			b.WriteString("-- +goose NO TRANSACTION\n")
		}
		b.WriteString("\n-- +goose Up\n")
		for _, s := range up {
			b.WriteString("-- +goose StatementBegin\n" + s + ";\n-- +goose StatementEnd\n")
		}
		b.WriteString("\n-- +goose Down\n")
		for _, s := range down {
			b.WriteString("-- +goose StatementBegin\n" + s + ";\n-- +goose StatementEnd\n")
		}
		return map[string][]byte{base + ".sql": []byte(b.String())}
	}
	note := func(stmts []string) string {
		if noTxNeeded(stmts) {
			return noTxNote
		}
		return ""
	}
	return map[string][]byte{
		base + ".up.sql":   []byte(header(d, version, name, "up") + note(up) + "\n" + joinStmts(up)),
		base + ".down.sql": []byte(header(d, version, name, "down") + note(down) + "\n" + joinStmts(down)),
	}
}

// write writes the files and the new state: files first, the state last,
// so that an interrupted run is noticed as files the state does not know.
func write(root string, prev *State, format string, version int, s *sqlschema.Snapshot, files map[string][]byte, out io.Writer) error {
	st := &State{Format: format, Version: version, Schema: s, Files: map[string]string{}}
	if prev != nil {
		for k, v := range prev.Files {
			st.Files[k] = v
		}
	}
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%s already exists", path)
		}
		st.Files[name] = hash(content)
	}
	for name, content := range files {
		path := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, content, 0o644); err != nil {
			return err
		}
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, StateFile), append(data, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "Wrote migration %06d for %s, %s and %s in %s.\n", version, ormrt.Postgres, ormrt.MySQL, ormrt.SQLite, root)
	return nil
}

// CheckOptions are the inputs of Check.
type CheckOptions struct {
	Schema string
	Dir    string
	Out    io.Writer
}

// ErrBehind is returned by Check when the migrations do not lead to the
// snapshot.
var ErrBehind = errors.New("migrations are behind the schema")

// Check verifies the directory and reports whether its migrations lead to
// the snapshot; if not, it names what is missing.
func Check(o CheckOptions) error {
	newS, err := readSnapshot(o.Schema)
	if err != nil {
		return err
	}
	d, err := readDir(o.Dir)
	if err != nil {
		return err
	}
	oldS := d.schema(newS.Package)
	if sameSchema(oldS, newS) {
		fmt.Fprintf(o.Out, "OK: %s leads to %s.\n", o.Dir, o.Schema)
		return nil
	}
	p := compare(oldS, newS, Options{AllowDrop: true, Force: true})
	fmt.Fprintf(o.Out, "%s does not lead to %s; missing:\n", o.Dir, o.Schema)
	printPlan(o.Out, p)
	fmt.Fprintln(o.Out, "Run: protoc-gen-orm migrate diff --schema", o.Schema, "--dir", o.Dir, "--name <name>")
	return ErrBehind
}
