package sqlschema

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"ariga.io/atlas/sql/migrate"
	"ariga.io/atlas/sql/mysql"
	"ariga.io/atlas/sql/postgres"
	"ariga.io/atlas/sql/schema"
	"ariga.io/atlas/sql/sqlite"

	"github.com/protoforge/protoforge/internal/gen/model"
	"github.com/protoforge/protoforge/ormrt"
)

// Planner returns Atlas's offline differ and planner of dialect d.
func Planner(d ormrt.Dialect) (schema.Differ, migrate.PlanApplier) {
	switch d {
	case ormrt.Postgres:
		return postgres.DefaultDiff, postgres.DefaultPlan
	case ormrt.MySQL:
		return mysql.DefaultDiff, mysql.DefaultPlan
	case ormrt.SQLite:
		return sqlite.DefaultDiff, sqlite.DefaultPlan
	}
	panic(fmt.Sprintf("sqlschema: unknown dialect %q", d))
}

// Schema builds the Atlas schema of the snapshot in dialect d. Tables keep
// the snapshot's order; names are the snapshot's.
func (s *Snapshot) Schema(d ormrt.Dialect) (*schema.Schema, error) {
	out := schema.New("")
	tables := map[string]*schema.Table{}
	for _, t := range s.Tables {
		at := schema.NewTable(t.Name)
		if d == ormrt.MySQL {
			at.AddAttrs(&schema.Charset{V: "utf8mb4"}, &schema.Collation{V: mysqlSchemaCollation})
		}
		for _, c := range t.Columns {
			col, err := column(d, c)
			if err != nil {
				return nil, fmt.Errorf("table %s: %w", t.Name, err)
			}
			at.AddColumns(col)
		}
		pk := make([]*schema.Column, 0, len(t.PrimaryKey))
		for _, name := range t.PrimaryKey {
			c, ok := at.Column(name)
			if !ok {
				return nil, fmt.Errorf("table %s: primary key column %s is not a column", t.Name, name)
			}
			pk = append(pk, c)
		}
		if len(pk) > 0 {
			at.SetPrimaryKey(schema.NewPrimaryKey(pk...))
		}
		for _, ix := range t.Indexes {
			idx := schema.NewIndex(ix.Name).SetUnique(ix.Unique)
			for i, name := range ix.Columns {
				c, ok := at.Column(name)
				if !ok {
					return nil, fmt.Errorf("table %s: index %s names unknown column %s", t.Name, ix.Name, name)
				}
				idx.AddParts(&schema.IndexPart{SeqNo: i, C: c, Desc: i < len(ix.Desc) && ix.Desc[i]})
			}
			at.AddIndexes(idx)
		}
		for _, ck := range t.Checks {
			if ck.SQLiteOnly && d != ormrt.SQLite {
				continue
			}
			if d == ormrt.MySQL && changedByAction(t, ck.Column) {
				// MariaDB refuses a CHECK on a column a foreign key's
				// action writes (error 1901); the server's validators
				// still apply the rule.
				continue
			}
			at.AddChecks(&schema.Check{Name: ck.Name, Expr: ck.SQL(d)})
		}
		out.AddTables(at)
		tables[t.Name] = at
	}
	// Foreign keys once every table exists: they may point forward.
	for _, t := range s.Tables {
		at := tables[t.Name]
		for _, fk := range t.ForeignKeys {
			ref := tables[fk.RefTable]
			if ref == nil {
				return nil, fmt.Errorf("table %s: foreign key %s references table %s, which is not in package %s", t.Name, fk.Name, fk.RefTable, s.Package)
			}
			f := schema.NewForeignKey(fk.Name).SetRefTable(ref)
			for _, name := range fk.Columns {
				c, _ := at.Column(name)
				f.AddColumns(c)
			}
			for _, name := range fk.RefColumns {
				c, ok := ref.Column(name)
				if !ok {
					return nil, fmt.Errorf("table %s: foreign key %s references unknown column %s.%s", t.Name, fk.Name, fk.RefTable, name)
				}
				f.AddRefColumns(c)
			}
			f.OnDelete = schema.ReferenceOption(fk.OnDelete)
			f.OnUpdate = schema.ReferenceOption(fk.OnUpdate)
			if f.OnDelete == "" {
				f.OnDelete = schema.NoAction
			}
			if f.OnUpdate == "" {
				f.OnUpdate = schema.NoAction
			}
			at.AddForeignKeys(f)
		}
	}
	return out, nil
}

// column builds the Atlas column of c in dialect d.
func column(d ormrt.Dialect, c *Column) (*schema.Column, error) {
	lt, err := ParseType(c.Type)
	if err != nil {
		return nil, err
	}
	col := schema.NewColumn(c.Name)
	col.Type = &schema.ColumnType{Type: atlasType(d, lt, c.Size), Null: c.Nullable, Raw: lt.SQL(d, c.Size)}
	if c.AutoIncrement {
		switch d {
		case ormrt.Postgres:
			col.AddAttrs(&postgres.Identity{Generation: "BY DEFAULT"})
		case ormrt.MySQL:
			col.AddAttrs(&mysql.AutoIncrement{})
		case ormrt.SQLite:
			col.AddAttrs(&sqlite.AutoIncrement{})
		}
	}
	if c.Default != nil {
		col.Default = defaultExpr(d, lt, c.Default)
	}
	if c.MySQLCollation != "" && d == ormrt.MySQL {
		col.AddAttrs(&schema.Charset{V: "utf8mb4"}, &schema.Collation{V: c.MySQLCollation})
	}
	if c.PostgresCollation != "" && d == ormrt.Postgres {
		col.AddAttrs(&schema.Collation{V: c.PostgresCollation})
	}
	return col, nil
}

// atlasType is the Atlas type of a logical type: the same spelling as
// model.ColumnType.SQL, in Atlas's structured form.
func atlasType(d ormrt.Dialect, t model.ColumnType, size int) schema.Type {
	switch t {
	case model.TypeBool:
		if d == ormrt.MySQL {
			return &schema.BoolType{T: "bool"}
		}
		return &schema.BoolType{T: "boolean"}
	case model.TypeInt32, model.TypeEnumNumber:
		if d == ormrt.MySQL {
			return &schema.IntegerType{T: "int"}
		}
		return &schema.IntegerType{T: "integer"}
	case model.TypeInt64, model.TypeTimestampNanos, model.TypeDuration, model.TypeDurationNanos:
		if d == ormrt.SQLite {
			return &schema.IntegerType{T: "integer"}
		}
		return &schema.IntegerType{T: "bigint"}
	case model.TypeUint32:
		switch d {
		case ormrt.MySQL:
			return &schema.IntegerType{T: "int", Unsigned: true}
		case ormrt.SQLite:
			return &schema.IntegerType{T: "integer"}
		}
		return &schema.IntegerType{T: "bigint"}
	case model.TypeUint64:
		switch d {
		case ormrt.MySQL:
			return &schema.IntegerType{T: "bigint", Unsigned: true}
		case ormrt.SQLite:
			return &schema.StringType{T: "text"}
		}
		return &schema.DecimalType{T: "numeric", Precision: 20, Scale: 0}
	case model.TypeFloat32:
		switch d {
		case ormrt.MySQL:
			return &schema.FloatType{T: "double"}
		}
		return &schema.FloatType{T: "real"}
	case model.TypeFloat64:
		switch d {
		case ormrt.MySQL:
			return &schema.FloatType{T: "double"}
		case ormrt.SQLite:
			return &schema.FloatType{T: "real"}
		}
		return &schema.FloatType{T: "double precision"}
	case model.TypeString:
		if size > 0 && d != ormrt.SQLite {
			return &schema.StringType{T: "varchar", Size: size}
		}
		if d == ormrt.MySQL {
			return &schema.StringType{T: "longtext"}
		}
		return &schema.StringType{T: "text"}
	case model.TypeEnumName:
		if d == ormrt.SQLite {
			return &schema.StringType{T: "text"}
		}
		return &schema.StringType{T: "varchar", Size: 255}
	case model.TypeBytes:
		switch d {
		case ormrt.Postgres:
			return &schema.BinaryType{T: "bytea"}
		case ormrt.MySQL:
			return &schema.BinaryType{T: "longblob"}
		}
		return &schema.BinaryType{T: "blob"}
	case model.TypeTimestamp:
		p := 6
		switch d {
		case ormrt.Postgres:
			return &schema.TimeType{T: "timestamptz", Precision: &p}
		case ormrt.MySQL:
			return &schema.TimeType{T: "datetime", Precision: &p}
		}
		return &schema.TimeType{T: "datetime"}
	case model.TypeJSON:
		switch d {
		case ormrt.Postgres:
			return &schema.JSONType{T: "jsonb"}
		case ormrt.MySQL:
			return &schema.JSONType{T: "json"}
		}
		return &schema.StringType{T: "text"}
	}
	panic(fmt.Sprintf("sqlschema: no Atlas type for %v", t))
}

// defaultExpr spells a default value in dialect d.
func defaultExpr(d ormrt.Dialect, t model.ColumnType, v *Value) schema.Expr {
	// MySQL accepts defaults on TEXT, BLOB and JSON columns only as
	// expressions in parentheses.
	paren := d == ormrt.MySQL && (t == model.TypeString || t == model.TypeBytes || t == model.TypeJSON)
	var lit string
	switch v.Kind {
	case "bool":
		lit = v.V
		if d != ormrt.Postgres {
			lit = map[string]string{"true": "1", "false": "0"}[v.V]
		}
	case "number":
		lit = v.V
	case "uint64":
		if d == ormrt.SQLite {
			lit = quote(fmt.Sprintf("%020s", v.V))
		} else {
			lit = v.V
		}
	case "string", "json":
		lit = quote(v.V)
	case "bytes":
		switch d {
		case ormrt.Postgres:
			lit = `'\x` + v.V + `'::bytea`
		default:
			lit = "X'" + strings.ToUpper(v.V) + "'"
		}
	}
	if paren {
		return &schema.RawExpr{X: "(" + lit + ")"}
	}
	return &schema.RawExpr{X: lit}
}

// quote spells a SQL string literal.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// SQL spells the check's condition in dialect d.
func (c *Check) SQL(d ormrt.Dialect) string {
	col := ormrt.QuoteIdent(d, c.Column)
	var parts []string
	bound := func(v string) string { return v }
	if c.Uint64 && d == ormrt.SQLite {
		// 20 zero-padded digits compare as text in numeric order.
		bound = func(v string) string { return quote(fmt.Sprintf("%020s", v)) }
	}
	if c.Uint64 && d == ormrt.SQLite && c.Min == "0" && c.Max == "18446744073709551615" {
		parts = append(parts, "length("+col+") = 20", col+" NOT GLOB '*[^0-9]*'")
	} else {
		var bounds []string
		if c.Min != "" {
			op := ">="
			if c.MinExclusive {
				op = ">"
			}
			bounds = append(bounds, col+" "+op+" "+bound(c.Min))
		}
		if c.Max != "" {
			op := "<="
			if c.MaxExclusive {
				op = "<"
			}
			bounds = append(bounds, col+" "+op+" "+bound(c.Max))
		}
		if c.Outside && len(bounds) == 2 {
			// An exclusive range: either bound (lt: 0, gt: 10 lets
			// through all but [0, 10]).
			bounds = []string{"(" + bounds[1] + " OR " + bounds[0] + ")"}
		}
		parts = append(parts, bounds...)
	}
	length := "char_length(" + col + ")"
	if d == ormrt.SQLite {
		length = "length(" + col + ")"
	}
	var lens []string
	if c.MinLen != nil {
		lens = append(lens, fmt.Sprintf("%s >= %d", length, *c.MinLen))
	}
	if c.MaxLen != nil {
		lens = append(lens, fmt.Sprintf("%s <= %d", length, *c.MaxLen))
	}
	if len(lens) > 0 && d == ormrt.SQLite && c.NulSafe {
		// SQLite's length() counts up to the first NUL, and no function
		// of its counts the characters past one: a string that holds NUL
		// is left to the server's own check, which counts them all.
		lens = []string{"(instr(" + col + ", char(0)) > 0 OR " + strings.Join(lens, " AND ") + ")"}
	}
	parts = append(parts, lens...)
	if len(c.In) > 0 {
		vals := make([]string, len(c.In))
		for i, v := range c.In {
			if strings.HasPrefix(v, `"`) {
				vals[i] = quote(strings.Trim(v, `"`))
			} else {
				vals[i] = v
			}
		}
		parts = append(parts, col+" IN ("+strings.Join(vals, ", ")+")")
	}
	var pass []string
	if c.Zero != "" {
		// The zero value, which the validators ignore, is the column's
		// default: it passes whatever the bounds.
		zero := bound(c.Zero)
		if strings.HasPrefix(c.Zero, `"`) {
			zero = quote(strings.Trim(c.Zero, `"`))
		}
		pass = append(pass, col+" = "+zero)
	}
	if c.NaN && d == ormrt.Postgres {
		// NaN, which the validators let through, is above every
		// number on PostgreSQL (and equal to itself).
		pass = append(pass, col+" = 'NaN'")
	}
	if len(pass) > 0 {
		return strings.Join(pass, " OR ") + " OR (" + strings.Join(parts, " AND ") + ")"
	}
	return strings.Join(parts, " AND ")
}

// Plan spells changes as SQL statements in dialect d.
func Plan(d ormrt.Dialect, name string, changes []schema.Change) ([]string, error) {
	_, planner := Planner(d)
	plan, err := planner.PlanChanges(context.Background(), name, changes, func(o *migrate.PlanOptions) {
		o.Mode = migrate.PlanModeUnset
		o.Indent = "  "
	})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(plan.Changes))
	for _, c := range plan.Changes {
		cmd := c.Cmd
		if d == ormrt.MySQL {
			cmd = strings.ReplaceAll(cmd, "COLLATE "+mysqlSchemaCollation, MySQLCollation)
		}
		out = append(out, cmd)
	}
	return out, nil
}

// mysqlSchemaCollation is the collation the Atlas schema of a MySQL table
// carries; MySQLCollation is how the SQL spells it, so that strings compare
// byte by byte, trailing spaces included, as on PostgreSQL and SQLite:
// MariaDB (10.2.2 and later) reads utf8mb4_nopad_bin and MySQL (8.0 and
// later) utf8mb4_0900_bin, each skipping the other's comment. utf8mb4_bin
// would compare "a" and "a " equal (PAD SPACE) on both.
const (
	mysqlSchemaCollation = "utf8mb4_bin"
	MySQLCollation       = "/*M!100202 COLLATE utf8mb4_nopad_bin */ /*!80000 COLLATE utf8mb4_0900_bin */"
)

// DDL is the declarative schema of the snapshot in dialect d: the
// statements that create it in an empty database, one per line group,
// each ending with a semicolon.
func (s *Snapshot) DDL(d ormrt.Dialect) (string, error) {
	sch, err := s.Schema(d)
	if err != nil {
		return "", err
	}
	changes := make([]schema.Change, 0, len(sch.Tables))
	for _, t := range sch.Tables {
		changes = append(changes, &schema.AddTable{T: t})
	}
	stmts, err := Plan(d, "schema", changes)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, st := range stmts {
		b.WriteString(st)
		b.WriteString(";\n")
	}
	return b.String(), nil
}

// changedByAction reports whether a referential action of one of t's
// foreign keys writes column: ON DELETE SET NULL or SET DEFAULT, or an
// ON UPDATE other than NO ACTION and RESTRICT.
func changedByAction(t *Table, column string) bool {
	for _, fk := range t.ForeignKeys {
		if !slices.Contains(fk.Columns, column) {
			continue
		}
		switch fk.OnDelete {
		case "SET NULL", "SET DEFAULT":
			return true
		}
		switch fk.OnUpdate {
		case "", "NO ACTION", "RESTRICT":
		default:
			return true
		}
	}
	return false
}
