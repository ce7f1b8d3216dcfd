package migrate

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/protoforge/protoforge/internal/gen/model"
	"github.com/protoforge/protoforge/internal/gen/sqlschema"
	"github.com/protoforge/protoforge/ormrt"
)

// StateFile is the file, in the migrations directory, that records the
// schema the migrations lead to and a checksum of every migration file.
const StateFile = "protoforge.state.json"

// The file layouts migrations are written in.
const (
	FormatGolangMigrate = "golang-migrate"
	FormatGoose         = "goose"
)

// State is the content of StateFile.
type State struct {
	// Format is the file layout of the directory.
	Format string `json:"format"`
	// Version is the latest migration's version.
	Version int `json:"version"`
	// Schema is the snapshot that all migrations applied lead to.
	Schema *sqlschema.Snapshot `json:"schema"`
	// Files maps every migration file (slash path under the directory) to
	// its SHA-256, so that hand edits are noticed before a diff builds on
	// them.
	Files map[string]string `json:"files"`
}

// migrationFile is one file of the directory.
type migrationFile struct {
	path    string // slash path relative to the directory
	dialect ormrt.Dialect
	version int
	name    string
	kind    string // "up", "down" or "goose"
}

var (
	golangMigrateName = regexp.MustCompile(`^(\d+)_([A-Za-z0-9_]+)\.(up|down)\.sql$`)
	gooseName         = regexp.MustCompile(`^(\d+)_([A-Za-z0-9_]+)\.sql$`)
)

// dir is a migrations directory as read from disk, checked for
// consistency.
type dir struct {
	root  string
	state *State
	files []migrationFile
}

// readDir reads and checks a migrations directory. A missing or empty
// directory has no state: its schema is empty.
func readDir(root string) (*dir, error) {
	d := &dir{root: root}
	data, err := os.ReadFile(filepath.Join(root, StateFile))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, err
	default:
		var st State
		if err := json.Unmarshal(data, &st); err != nil {
			return nil, fmt.Errorf("%s: %w", filepath.Join(root, StateFile), err)
		}
		if st.Schema == nil || st.Schema.Format != sqlschema.FormatVersion {
			return nil, fmt.Errorf("%s: no schema of format %d recorded; the file was edited by hand or written by another version", filepath.Join(root, StateFile), sqlschema.FormatVersion)
		}
		if _, err := sqlschema.Parse(st.Schema.Marshal()); err != nil {
			return nil, fmt.Errorf("%s: recorded %w; the file was edited by hand or written by another version", filepath.Join(root, StateFile), err)
		}
		if st.Format != FormatGolangMigrate && st.Format != FormatGoose {
			return nil, fmt.Errorf("%s: unknown format %q", filepath.Join(root, StateFile), st.Format)
		}
		d.state = &st
	}
	for _, dl := range model.Dialects {
		entries, err := os.ReadDir(filepath.Join(root, string(dl)))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.IsDir() {
				return nil, fmt.Errorf("%s: unexpected directory in migrations", filepath.Join(root, string(dl), e.Name()))
			}
			f, err := parseName(dl, e.Name())
			if err != nil {
				return nil, fmt.Errorf("%s: %w", filepath.Join(root, string(dl), e.Name()), err)
			}
			d.files = append(d.files, f)
		}
	}
	if err := d.check(); err != nil {
		return nil, err
	}
	return d, nil
}

func parseName(dl ormrt.Dialect, name string) (migrationFile, error) {
	f := migrationFile{path: string(dl) + "/" + name, dialect: dl}
	if m := golangMigrateName.FindStringSubmatch(name); m != nil {
		f.version, _ = strconv.Atoi(m[1])
		f.name, f.kind = m[2], m[3]
		return f, nil
	}
	if m := gooseName.FindStringSubmatch(name); m != nil {
		f.version, _ = strconv.Atoi(m[1])
		f.name, f.kind = m[2], "goose"
		return f, nil
	}
	return f, fmt.Errorf("not a migration file name: want <version>_<name>.up.sql and .down.sql, or <version>_<name>.sql for goose")
}

// check verifies the directory against its recorded state: every file
// accounted for and unchanged, one up and one down per version and
// dialect, the same versions for every dialect.
func (d *dir) check() error {
	if d.state == nil {
		if len(d.files) > 0 {
			return fmt.Errorf("%s: migration files exist but %s is missing; the directory was not written by protoc-gen-orm migrate diff, or the state file was deleted", d.root, StateFile)
		}
		return nil
	}
	var problems []string
	seen := map[string]bool{}
	type key struct {
		dialect ormrt.Dialect
		version int
		kind    string
	}
	kinds := map[key]string{}
	versions := map[ormrt.Dialect]map[int]bool{}
	for _, f := range d.files {
		seen[f.path] = true
		if (f.kind == "goose") != (d.state.Format == FormatGoose) {
			problems = append(problems, fmt.Sprintf("%s is not in the directory's %s layout", f.path, d.state.Format))
		}
		k := key{f.dialect, f.version, f.kind}
		if prev, dup := kinds[k]; dup {
			problems = append(problems, fmt.Sprintf("duplicate version %d: %s and %s", f.version, prev, f.path))
		}
		kinds[k] = f.path
		if versions[f.dialect] == nil {
			versions[f.dialect] = map[int]bool{}
		}
		versions[f.dialect][f.version] = true
		sum, ok := d.state.Files[f.path]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s is not recorded in %s (added by hand?)", f.path, StateFile))
			continue
		}
		data, err := os.ReadFile(filepath.Join(d.root, filepath.FromSlash(f.path)))
		if err != nil {
			return err
		}
		if hash(data) != sum {
			problems = append(problems, fmt.Sprintf("%s was changed after it was written (checksum mismatch)", f.path))
		}
	}
	for p := range d.state.Files {
		if !seen[p] {
			problems = append(problems, fmt.Sprintf("%s is recorded in %s but missing", p, StateFile))
		}
	}
	if d.state.Format == FormatGolangMigrate {
		for k, p := range kinds {
			other := "down"
			if k.kind == "down" {
				other = "up"
			}
			if _, ok := kinds[key{k.dialect, k.version, other}]; !ok {
				problems = append(problems, fmt.Sprintf("%s has no %s file", p, other))
			}
		}
	}
	for _, dl := range model.Dialects {
		for v := 1; v <= d.state.Version; v++ {
			if !versions[dl][v] {
				problems = append(problems, fmt.Sprintf("%s: version %d is missing", dl, v))
			}
		}
		for v := range versions[dl] {
			if v > d.state.Version || v < 1 {
				problems = append(problems, fmt.Sprintf("%s: version %d is outside the recorded 1..%d", dl, v, d.state.Version))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return fmt.Errorf("migrations directory %s is inconsistent with %s; restore the files (e.g. from version control) rather than editing them:\n  %s",
		d.root, StateFile, strings.Join(uniq(problems), "\n  "))
}

func uniq(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func hash(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// schema is the snapshot the directory's migrations lead to.
func (d *dir) schema(pkg string) *sqlschema.Snapshot {
	if d.state == nil {
		return &sqlschema.Snapshot{Format: sqlschema.FormatVersion, Package: pkg}
	}
	return d.state.Schema
}
