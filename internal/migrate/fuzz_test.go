package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"testing"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"
	_ "github.com/glebarez/go-sqlite"

	"github.com/protoforge/protoforge/internal/gen/sqlschema"
	"github.com/protoforge/protoforge/ormrt"
)

// bytesReader hands out decisions; past the end every decision is 0.
type bytesReader struct {
	b []byte
	i int
}

func (r *bytesReader) next(n int) int {
	if r.i >= len(r.b) || n <= 0 {
		return 0
	}
	v := int(r.b[r.i]) % n
	r.i++
	return v
}

var fuzzTypes = []string{"int32", "int64", "string", "bool", "double", "uint64", "bytes", "timestamp", "json"}

// randomPair derives an old and a new snapshot from data: tables with
// columns of several types, then renames, drops, additions, type and size
// changes, nullability changes, indexes and renamed tables.
func randomPair(data []byte) (*sqlschema.Snapshot, *sqlschema.Snapshot) {
	r := &bytesReader{b: data}
	old := &sqlschema.Snapshot{Format: sqlschema.FormatVersion, Package: "fuzz.v1"}
	for t := 0; t < 1+r.next(3); t++ {
		tbl := &sqlschema.Table{Name: fmt.Sprintf("t%d", t), Message: fmt.Sprintf("fuzz.v1.T%d", t), PrimaryKey: []string{"id"}}
		tbl.Columns = append(tbl.Columns, &sqlschema.Column{Name: "id", Field: 1, Type: "int64", AutoIncrement: r.next(2) == 0})
		for c := 0; c < r.next(5); c++ {
			tbl.Columns = append(tbl.Columns, randomColumn(r, fmt.Sprintf("c%d", c), int32(c+2)))
		}
		if len(tbl.Columns) > 1 && r.next(2) == 1 {
			col := tbl.Columns[1+r.next(len(tbl.Columns)-1)]
			if col.Type != "json" && col.Type != "bytes" {
				tbl.Indexes = append(tbl.Indexes, &sqlschema.Index{Name: "idx_" + tbl.Name + "_" + col.Name, Columns: []string{col.Name}, Unique: r.next(2) == 1})
			}
		}
		old.Tables = append(old.Tables, tbl)
	}
	next := clone(old)
	for _, tbl := range next.Tables {
		switch r.next(6) {
		case 1: // rename a column, keeping its field number
			if len(tbl.Columns) > 1 {
				renameColumn(tbl, tbl.Columns[1].Name, tbl.Columns[1].Name+"_renamed")
			}
		case 2: // drop a column, reserving its number
			if len(tbl.Columns) > 1 {
				c := tbl.Columns[len(tbl.Columns)-1]
				tbl.Columns = tbl.Columns[:len(tbl.Columns)-1]
				tbl.Reserved = append(tbl.Reserved, c.Field)
				var kept []*sqlschema.Index
				for _, ix := range tbl.Indexes {
					if ix.Columns[0] != c.Name {
						kept = append(kept, ix)
					}
				}
				tbl.Indexes = kept
			}
		case 3: // add a column
			tbl.Columns = append(tbl.Columns, randomColumn(r, "added", 40))
		case 4: // change a column's type or size
			if len(tbl.Columns) > 1 {
				c := tbl.Columns[1]
				if c.Type == "string" {
					c.Size = []int{0, 50, 300}[r.next(3)]
				} else if len(tbl.Indexes) == 0 {
					c.Type = fuzzTypes[r.next(len(fuzzTypes))]
					c.Size = 0
					c.Default = defaultFor(c)
				}
			}
		case 5: // toggle nullability
			if len(tbl.Columns) > 1 {
				c := tbl.Columns[1]
				c.Nullable = !c.Nullable
				c.Default = defaultFor(c)
			}
		}
		if r.next(4) == 1 {
			tbl.RenamedFrom = tbl.Name
			renameTable(next, tbl.Name, tbl.Name+"_new")
		}
	}
	return old, next
}

func randomColumn(r *bytesReader, name string, field int32) *sqlschema.Column {
	c := &sqlschema.Column{Name: name, Field: field, Type: fuzzTypes[r.next(len(fuzzTypes))], Nullable: r.next(2) == 1}
	if c.Type == "string" {
		c.Size = []int{0, 50, 300}[r.next(3)]
	}
	c.Default = defaultFor(c)
	return c
}

// defaultFor gives NOT NULL columns the proto zero value, as Build does.
func defaultFor(c *sqlschema.Column) *sqlschema.Value {
	if c.Nullable {
		return nil
	}
	switch c.Type {
	case "bool":
		return &sqlschema.Value{Kind: "bool", V: "false"}
	case "string":
		return &sqlschema.Value{Kind: "string", V: ""}
	case "bytes":
		return &sqlschema.Value{Kind: "bytes", V: ""}
	case "uint64":
		return &sqlschema.Value{Kind: "uint64", V: "0"}
	case "json":
		return &sqlschema.Value{Kind: "json", V: "[]"}
	case "timestamp":
		return nil
	}
	return &sqlschema.Value{Kind: "number", V: "0"}
}

// FuzzMigrationDiff checks, on SQLite, that the migration between two
// random schemas turns a database with the old schema into one whose
// catalog equals the new schema's, and that its down migration restores
// the old catalog.
func FuzzMigrationDiff(f *testing.F) {
	for _, seed := range [][]byte{
		{}, {1, 3}, {2, 4, 1, 2, 3, 4, 5, 6, 7, 1, 1}, {0, 4, 2, 0, 1, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12},
		{2, 3, 5, 1, 0, 7, 3, 4, 4, 1}, {0, 1, 8, 1, 5, 1, 3}, {3, 4, 1, 1, 1, 1, 4, 2, 0, 1, 0, 2},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		old, next := randomPair(data)
		for _, s := range []*sqlschema.Snapshot{old, next} {
			for _, tb := range s.Tables {
				for _, c := range tb.Columns {
					if c.Type == "timestamp" && !c.Nullable {
						c.Nullable = true // Timestamps are message fields: always nullable
					}
				}
			}
		}
		p := compare(old, next, Options{AllowDrop: true, Force: true})
		up, down, err := p.statements(ormrt.SQLite)
		if err != nil {
			t.Fatalf("plan: %v", err)
		}
		db := openMemory(t)
		apply(t, db, ddl(t, old))
		before := inspectSQLite(t, db)
		apply(t, db, up)
		assertSame(t, inspectSQLite(t, db), catalogOf(t, next), "after up", up)
		apply(t, db, down)
		assertSame(t, inspectSQLite(t, db), before, "after down", down)
	})
}

var memoryDBs int

func openMemory(t *testing.T) *sql.DB {
	memoryDBs++
	db, err := sql.Open("sqlite", fmt.Sprintf("file:fuzz%d?mode=memory&cache=shared&_pragma=foreign_keys(1)", memoryDBs))
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func ddl(t *testing.T, s *sqlschema.Snapshot) []string {
	text, err := s.DDL(ormrt.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	stmts, err := atlasmigrate.Stmts(text)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, st := range stmts {
		out = append(out, strings.TrimSuffix(st.Text, ";"))
	}
	return out
}

func apply(t *testing.T, db *sql.DB, stmts []string) {
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v\nall:\n%s", s, err, strings.Join(stmts, ";\n"))
		}
	}
}

func catalogOf(t *testing.T, s *sqlschema.Snapshot) *schema.Schema {
	db := openMemory(t)
	apply(t, db, ddl(t, s))
	return inspectSQLite(t, db)
}

func inspectSQLite(t *testing.T, db *sql.DB) *schema.Schema {
	drv, err := sqlite.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	s, err := drv.InspectSchema(context.Background(), "", &schema.InspectOptions{Exclude: []string{"sqlite_sequence"}})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(s.Tables, func(i, j int) bool { return s.Tables[i].Name < s.Tables[j].Name })
	for _, tb := range s.Tables {
		for _, a := range tb.Attrs {
			if ai, ok := a.(*sqlite.AutoIncrement); ok {
				ai.Seq = 0
			}
		}
	}
	s.Name = ""
	return s
}

func assertSame(t *testing.T, got, want *schema.Schema, when string, stmts []string) {
	changes, err := sqlite.DefaultDiff.SchemaDiff(want, got)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) > 0 {
		plan, _ := sqlite.DefaultPlan.PlanChanges(context.Background(), "drift", changes)
		var fix []string
		if plan != nil {
			for _, c := range plan.Changes {
				fix = append(fix, c.Cmd)
			}
		}
		t.Fatalf("catalog differs %s; migration:\n%s\ndifference:\n%s", when, strings.Join(stmts, ";\n"), strings.Join(fix, ";\n"))
	}
}
