// Package sqlschema projects the model onto SQL: the schema snapshot
// (schema.json), which migrations compare, and the declarative DDL of each
// dialect, planned with Atlas from the same snapshot so that the schema
// files and the migrations can never disagree.
package sqlschema

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/internal/gen/model"
)

// FormatVersion is the version of the snapshot format.
const FormatVersion = 1

// Snapshot is the machine-readable schema of one proto package: what
// protoc-gen-orm writes as schema/schema.json and what `migrate diff`
// compares. Field numbers are the identities of columns.
type Snapshot struct {
	Format  int      `json:"format"`
	Package string   `json:"package"`
	Tables  []*Table `json:"tables"`
}

// Table is a table of the snapshot.
type Table struct {
	Name string `json:"name"`
	// Message is the proto message stored in the table.
	Message string `json:"message"`
	// RenamedFrom is the table's previous name, declared in the proto.
	RenamedFrom string `json:"renamed_from,omitempty"`
	// Reserved lists the message's reserved field numbers.
	Reserved    []int32       `json:"reserved,omitempty"`
	Columns     []*Column     `json:"columns"`
	PrimaryKey  []string      `json:"primary_key"`
	Indexes     []*Index      `json:"indexes,omitempty"`
	ForeignKeys []*ForeignKey `json:"foreign_keys,omitempty"`
	Checks      []*Check      `json:"checks,omitempty"`
	// Collation is how the table's strings compare on MySQL/MariaDB:
	// CollationBinary (byte by byte, trailing spaces included), or empty
	// for tables of earlier snapshots (utf8mb4_bin, which pads).
	Collation string `json:"collation,omitempty"`
}

// CollationBinary marks tables whose strings compare byte by byte on
// every database (see MySQLCollation).
const CollationBinary = "binary"

// Column is a column of a table.
type Column struct {
	Name string `json:"name"`
	// Field is the proto field number: a column keeps its identity across
	// renames as long as its field keeps its number.
	Field int32 `json:"field"`
	// Type is the logical type (model.ColumnType's name).
	Type          string `json:"type"`
	Size          int    `json:"size,omitempty"`
	Nullable      bool   `json:"nullable,omitempty"`
	AutoIncrement bool   `json:"auto_increment,omitempty"`
	// Default is the column default as a typed value: a number, a string,
	// a bool, or JSON text for JSON columns. Nil for none.
	Default *Value `json:"default,omitempty"`
	// MySQLCollation is the column's own MySQL/MariaDB collation, if any.
	MySQLCollation string `json:"mysql_collation,omitempty"`
	// Canonical is CanonicalLowercase on a string column of UUIDs
	// (AIP-202 format UUID4), which the server stores in lowercase; empty
	// on other columns and on columns of earlier snapshots, which may hold
	// UUIDs in capitals.
	Canonical string `json:"canonical,omitempty"`
	// PostgresCollation is the collation of a string column on
	// PostgreSQL: PostgresByteOrder unless the field picks another, or
	// empty for the database's default (columns of earlier snapshots).
	PostgresCollation string `json:"postgres_collation,omitempty"`
}

// CanonicalLowercase marks a column whose values the server stores in
// lowercase (see Column.Canonical).
const CanonicalLowercase = "lowercase"

// PostgresByteOrder is the PostgreSQL collation of string columns, unless
// a field picks another: byte order, as strings compare on MySQL/MariaDB
// (MySQLCollation) and SQLite, whatever the database's locale.
const PostgresByteOrder = "C"

// Value is a default value and its kind.
type Value struct {
	// Kind is "number", "string", "bool", "bytes" (hex) or "json".
	Kind string `json:"kind"`
	V    string `json:"v"`
}

// Index is a secondary index.
type Index struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	// Desc marks descending parts, one per column; absent when all ascend.
	Desc   []bool `json:"desc,omitempty"`
	Unique bool   `json:"unique,omitempty"`
}

// ForeignKey is a foreign key constraint.
type ForeignKey struct {
	Name       string   `json:"name"`
	Columns    []string `json:"columns"`
	RefTable   string   `json:"ref_table"`
	RefColumns []string `json:"ref_columns"`
	OnDelete   string   `json:"on_delete,omitempty"`
	OnUpdate   string   `json:"on_update,omitempty"`
	// NameColumn and NamePattern are set on the key of a
	// google.api.resource_reference: Columns hold the variables of
	// NamePattern, in order, of the name NameColumn holds. A migration
	// that adds the key to rows that hold names fills it from them.
	NameColumn  string `json:"name_column,omitempty"`
	NamePattern string `json:"name_pattern,omitempty"`
	// IDOf is set on the key to one of the parent types of a resource
	// whose parents are of several types (AIP-123): the last of Columns
	// holds the id that key column IDOf holds, in the rows under a parent
	// of that type (NULL in the others). A migration that adds the column
	// to rows that hold ids fills it from them.
	IDOf string `json:"id_of,omitempty"`
}

// Check is a CHECK constraint on one column, in a structured form that
// each dialect spells in its own SQL.
type Check struct {
	Name   string `json:"name"`
	Column string `json:"column"`
	// Min and Max are inclusive or exclusive numeric bounds.
	Min          string `json:"min,omitempty"`
	MinExclusive bool   `json:"min_exclusive,omitempty"`
	Max          string `json:"max,omitempty"`
	MaxExclusive bool   `json:"max_exclusive,omitempty"`
	// Outside makes Min and Max an exclusive range: a value meets one
	// bound or the other (model.Rules.Outside).
	Outside bool `json:"outside,omitempty"`
	// MinLen and MaxLen bound a string's length in characters.
	MinLen *uint64 `json:"min_len,omitempty"`
	MaxLen *uint64 `json:"max_len,omitempty"`
	// NulSafe lets strings that hold NUL past the length bounds on
	// SQLite, whose length() stops at the first NUL (the server counts
	// every character itself); absent in snapshots written before, whose
	// tables a migration then rebuilds.
	NulSafe bool `json:"nul_safe,omitempty"`
	// SQLiteOnly marks checks that other dialects enforce with the column
	// type (the length of a VARCHAR, which SQLite stores as TEXT).
	SQLiteOnly bool `json:"sqlite_only,omitempty"`
	// In lists the allowed values (enum membership).
	In []string `json:"in,omitempty"`
	// Zero is the column's zero value (spelled as In's values: strings
	// quoted), which the check lets through whatever its bounds: the
	// validators ignore it (model.Rules.ZeroValid).
	Zero string `json:"zero,omitempty"`
	// NaN lets NaN through the bounds, as the validators do (PGV's
	// bounds, model.Rules.NaNValid): PostgreSQL keeps NaN, and orders it
	// above every number. The other databases cannot store NaN.
	NaN bool `json:"nan,omitempty"`
	// Uint64 marks a uint64 column, which SQLite stores as 20 zero-padded
	// digits: there the bounds compare as text, and the unsigned check
	// asks for exactly 20 digits.
	Uint64 bool `json:"uint64,omitempty"`
}

// Build projects the models of one proto package.
func Build(pkg string, models []*model.Model) (*Snapshot, error) {
	s := &Snapshot{Format: FormatVersion, Package: pkg}
	for _, m := range models {
		t := &Table{Name: m.Table, Message: string(m.Desc.FullName()), RenamedFrom: m.RenamedFrom, Collation: CollationBinary}
		for _, n := range m.Reserved {
			t.Reserved = append(t.Reserved, int32(n))
		}
		for _, f := range m.Columns {
			c := &Column{
				Name:           f.Column,
				Field:          int32(f.Desc.Number()),
				Type:           TypeName(f.Type),
				Size:           f.Size,
				Nullable:       f.Nullable(),
				MySQLCollation: f.MySQLCollation,
			}
			if f.Type == model.TypeString || f.Type == model.TypeEnumName {
				c.PostgresCollation = cmp.Or(f.PostgresCollation, PostgresByteOrder)
			}
			if holdsUUIDs(f) {
				c.Canonical = CanonicalLowercase
			}
			if f.PrimaryKey && m.AutoIncrement {
				c.AutoIncrement = true
			}
			if f.Synthetic() {
				// A variable of a name or a reference: no field of its
				// own, identified by its column name.
				c.Field = 0
			}
			def, err := defaultOf(f)
			if err != nil {
				return nil, err
			}
			c.Default = def
			t.Columns = append(t.Columns, c)
			if !f.NoCheck {
				t.Checks = append(t.Checks, checksOf(m, f)...)
			}
			if f.References != nil {
				t.ForeignKeys = append(t.ForeignKeys, &ForeignKey{
					Name:       identifier("fk_" + m.Table + "_" + f.Column),
					Columns:    []string{f.Column},
					RefTable:   f.References.Table,
					RefColumns: []string{f.References.PrimaryKey[0].Column},
					OnDelete:   f.OnDelete,
					OnUpdate:   f.OnUpdate,
				})
			}
		}
		for _, f := range m.Columns {
			if len(f.RefParts) == 0 {
				continue
			}
			// The reference's variables name a row of the referenced
			// table, which cannot be deleted while referred to.
			rows := f.RefRows()
			fk := &ForeignKey{Name: identifier("fk_" + m.Table + "_" + f.Column), RefTable: rows.Table, NameColumn: f.Column, NamePattern: f.RefersTo.Name.NamePattern}
			for i, p := range f.RefParts {
				fk.Columns = append(fk.Columns, p.Column)
				fk.RefColumns = append(fk.RefColumns, rows.Name.NameParts[i].Column)
			}
			t.ForeignKeys = append(t.ForeignKeys, fk)
		}
		if p := m.Parent; p != nil {
			fk := &ForeignKey{Name: identifier("fk_" + m.Table + "_parent"), RefTable: p.Table}
			for _, c := range m.ParentColumns() {
				fk.Columns = append(fk.Columns, c.Column)
			}
			for _, c := range p.PrimaryKey {
				fk.RefColumns = append(fk.RefColumns, c.Column)
			}
			t.ForeignKeys = append(t.ForeignKeys, fk)
		}
		for _, l := range m.Parents {
			// One per parent type: a row under another has NULL in
			// l.ID, and the foreign key (MATCH SIMPLE, as every
			// dialect checks it) does not apply.
			fk := &ForeignKey{Name: identifier("fk_" + m.Table + "_" + l.ID.Column), RefTable: l.Model.Table, IDOf: l.Columns[len(l.Columns)-1].Column}
			for i, c := range l.ForeignKey() {
				fk.Columns = append(fk.Columns, c.Column)
				fk.RefColumns = append(fk.RefColumns, l.Model.PrimaryKey[i].Column)
			}
			t.ForeignKeys = append(t.ForeignKeys, fk)
		}
		for _, k := range m.PrimaryKey {
			t.PrimaryKey = append(t.PrimaryKey, k.Column)
		}
		for _, ix := range m.Indexes {
			i := &Index{Name: ix.Name, Unique: ix.Unique, Desc: ix.Desc}
			for _, c := range ix.Columns {
				i.Columns = append(i.Columns, c.Column)
			}
			t.Indexes = append(t.Indexes, i)
		}
		s.Tables = append(s.Tables, t)
	}
	added := map[string]bool{}
	for _, m := range models {
		if m.RequestIDTable != "" && !added[m.RequestIDTable] {
			added[m.RequestIDTable] = true
			s.Tables = append(s.Tables, requestIDTable(m.RequestIDTable))
		}
	}
	return s, nil
}

// requestIDTable is the table of the AIP-155 request ids the package's
// writes have served (crudrt: Resource.RequestIDTable): the caller's
// tenant (a digest, empty without tenants) and the id, which tenants
// choose apart, the method, a digest of the request that recognises its
// repeats, the response they get, and when it was served. It stores no
// message: its columns are known by their names.
func requestIDTable(name string) *Table {
	return &Table{
		Name:      name,
		Collation: CollationBinary,
		Columns: []*Column{
			{Name: "tenant", Type: TypeName(model.TypeString), Size: 64},
			{Name: "request_id", Type: TypeName(model.TypeString), Size: crudrt.MaxRequestIDLength},
			{Name: "method", Type: TypeName(model.TypeString), Size: 255},
			{Name: "request_hash", Type: TypeName(model.TypeBytes)},
			{Name: "response", Type: TypeName(model.TypeBytes)},
			{Name: "create_time", Type: TypeName(model.TypeTimestamp)},
		},
		PrimaryKey: []string{"tenant", "request_id"},
		Indexes:    []*Index{{Name: identifier("idx_" + name + "_create_time"), Columns: []string{"create_time"}}},
	}
}

// TypeName is the snapshot spelling of a logical column type.
func TypeName(t model.ColumnType) string {
	return typeNames[t]
}

var typeNames = map[model.ColumnType]string{
	model.TypeBool: "bool", model.TypeInt32: "int32", model.TypeInt64: "int64", model.TypeUint32: "uint32",
	model.TypeUint64: "uint64", model.TypeFloat32: "float", model.TypeFloat64: "double", model.TypeString: "string",
	model.TypeBytes: "bytes", model.TypeEnumNumber: "enum", model.TypeEnumName: "enum_name",
	model.TypeTimestamp: "timestamp", model.TypeTimestampNanos: "timestamp_nanos", model.TypeDuration: "duration",
	model.TypeDurationNanos: "duration_nanos", model.TypeJSON: "json",
}

// ParseType is the inverse of TypeName.
func ParseType(name string) (model.ColumnType, error) {
	for t, n := range typeNames {
		if n == name {
			return t, nil
		}
	}
	return 0, fmt.Errorf("unknown column type %q", name)
}

// defaultOf is the column default: the option's value, or the proto zero
// value for NOT NULL columns, so that a migration adding the column to a
// table with rows fills them as proto would read them. Keys have none,
// but for the columns of the variables some patterns of a resource lack.
func defaultOf(f *model.Field) (*Value, error) {
	if f.PrimaryKey && f.OptionalNamePart() {
		// A variable some patterns lack: "" in their rows, and in the
		// rows a migration that adds the pattern finds.
		return &Value{Kind: "string", V: ""}, nil
	}
	if f.PrimaryKey {
		return nil, nil
	}
	if f.Default != "" {
		return parseDefault(f)
	}
	if f.Nullable() {
		return nil, nil
	}
	switch f.Type {
	case model.TypeBool:
		return &Value{Kind: "bool", V: "false"}, nil
	case model.TypeString:
		return &Value{Kind: "string", V: ""}, nil
	case model.TypeBytes:
		return &Value{Kind: "bytes", V: ""}, nil
	case model.TypeEnumName:
		return &Value{Kind: "string", V: string(f.Enum.Values[0].Desc.Name())}, nil
	case model.TypeUint64:
		return &Value{Kind: "uint64", V: "0"}, nil
	case model.TypeJSON:
		if f.Desc.IsMap() {
			return &Value{Kind: "json", V: "{}"}, nil
		}
		return &Value{Kind: "json", V: "[]"}, nil
	}
	return &Value{Kind: "number", V: "0"}, nil
}

// parseDefault is the column default of the default option, which the
// model has checked.
func parseDefault(f *model.Field) (*Value, error) {
	d, err := model.ParseDefault(f)
	if err != nil {
		return nil, err
	}
	return &Value{Kind: d.Kind, V: d.V}, nil
}

// checksOf derives CHECK constraints from validation rules, enum
// membership and unsigned ranges the column type does not enforce.
func checksOf(m *model.Model, f *model.Field) []*Check {
	if f.PrimaryKey && m.AutoIncrement {
		// The database numbers this column itself: MariaDB refuses any
		// CHECK on an AUTO_INCREMENT column (error 1901), and a rule's
		// bound would refuse the database's own numbering elsewhere. The
		// API validators still apply the rules.
		return nil
	}
	var out []*Check
	r := f.Rules
	name := func(kind string) string { return identifier("chk_" + m.Table + "_" + f.Column + "_" + kind) }
	// rule adds a check of the rules, which lets the zero value through
	// when the validators ignore it and the check would refuse it.
	rule := func(c *Check, zero string, refused bool) {
		if r.ZeroValid && refused {
			c.Zero = zero
		}
		out = append(out, c)
	}
	switch f.Type {
	case model.TypeString:
		if f.Size > 0 {
			n := uint64(f.Size)
			out = append(out, &Check{Name: name("size"), Column: f.Column, MaxLen: &n, SQLiteOnly: true, NulSafe: true})
		}
		if r.MinLen != nil && *r.MinLen > 0 || r.MaxLen != nil && f.Size == 0 {
			c := &Check{Name: name("len"), Column: f.Column, NulSafe: true}
			if r.MinLen != nil && *r.MinLen > 0 {
				c.MinLen = r.MinLen
			}
			if r.MaxLen != nil && f.Size == 0 {
				c.MaxLen = r.MaxLen
			}
			rule(c, `""`, c.MinLen != nil)
		}
	case model.TypeInt32, model.TypeInt64, model.TypeUint32, model.TypeUint64, model.TypeFloat32, model.TypeFloat64:
		if r.Min != "" || r.Max != "" {
			lo, hi := r.Min, r.Max
			if f.Type == model.TypeFloat32 {
				lo, hi = Float32Bound(lo), Float32Bound(hi)
			}
			nan := r.NaNValid && (f.Type == model.TypeFloat32 || f.Type == model.TypeFloat64)
			rule(&Check{Name: name("range"), Column: f.Column, Min: lo, MinExclusive: r.MinExclusive, Max: hi, MaxExclusive: r.MaxExclusive, Outside: r.Outside(), NaN: nan, Uint64: f.Type == model.TypeUint64}, "0", !r.AdmitsZero())
		}
	case model.TypeEnumNumber:
		if r.DefinedOnly {
			c := &Check{Name: name("enum"), Column: f.Column}
			for _, v := range sortedEnumNumbers(f.Enum.Desc) {
				c.In = append(c.In, strconv.Itoa(int(v)))
			}
			rule(c, "0", !slices.Contains(c.In, "0"))
		}
	case model.TypeEnumName:
		if r.DefinedOnly {
			c := &Check{Name: name("enum"), Column: f.Column}
			zero := `"0"`
			for _, v := range f.Enum.Values {
				c.In = append(c.In, strconv.Quote(string(v.Desc.Name())))
				if v.Desc.Number() == 0 && zero == `"0"` {
					zero = strconv.Quote(string(v.Desc.Name()))
				}
			}
			rule(c, zero, !slices.Contains(c.In, zero))
		}
	}
	// Unsigned ranges: the column types of PostgreSQL and SQLite are
	// signed or textual, so a CHECK keeps them to the proto range.
	switch f.Type {
	case model.TypeUint32:
		out = append(out, &Check{Name: name("unsigned"), Column: f.Column, Min: "0", Max: "4294967295"})
	case model.TypeUint64:
		out = append(out, &Check{Name: name("unsigned"), Column: f.Column, Min: "0", Max: "18446744073709551615", Uint64: true})
	}
	return out
}

// Float32Bound spells a bound of a float field as the float32 the
// validators compare with, widened to a double: every database keeps a
// float in a column whose values it compares as doubles, where the bound's
// shorter decimal ("0.7") is another number than the float32 nearest to
// it (0.699999988079071). A value at the bound, which the validators
// accept, then meets the check too.
func Float32Bound(v string) string {
	if v == "" {
		return v
	}
	x, err := strconv.ParseFloat(v, 32)
	if err != nil {
		return v
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

func sortedEnumNumbers(e protoreflect.EnumDescriptor) []protoreflect.EnumNumber {
	seen := map[protoreflect.EnumNumber]bool{}
	var out []protoreflect.EnumNumber
	for i := 0; i < e.Values().Len(); i++ {
		n := e.Values().Get(i).Number()
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// maxIdent is the longest identifier every dialect accepts.
const maxIdent = 63

// identifier shortens a generated name with a hash when it is longer than
// every dialect accepts.
func identifier(name string) string {
	if len(name) <= maxIdent {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	return name[:maxIdent-9] + "_" + hex.EncodeToString(sum[:4])
}

// Marshal spells the snapshot canonically: indented, fields in a fixed
// order, a final newline.
func (s *Snapshot) Marshal() []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		panic(err) // plain structs always encode
	}
	return buf.Bytes()
}

// Parse reads a snapshot and checks its format version.
func Parse(data []byte) (*Snapshot, error) {
	var s Snapshot
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("schema snapshot: %w", err)
	}
	if s.Format != FormatVersion {
		return nil, fmt.Errorf("schema snapshot: format %d, want %d (regenerate with this protoc-gen-orm)", s.Format, FormatVersion)
	}
	for _, t := range s.Tables {
		for _, c := range t.Columns {
			if _, err := ParseType(c.Type); err != nil {
				return nil, fmt.Errorf("schema snapshot: table %s column %s: %w", t.Name, c.Name, err)
			}
		}
	}
	return &s, nil
}

// Table returns the table with the given name, or nil.
func (s *Snapshot) Table(name string) *Table {
	for _, t := range s.Tables {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// ColumnOf returns the column of t that is c: the column of the same
// field number, or of the same name for a column without a field (a
// parent variable of a resource name), or nil.
func (t *Table) ColumnOf(c *Column) *Column {
	if c.Field == 0 {
		for _, o := range t.Columns {
			if o.Field == 0 && o.Name == c.Name {
				return o
			}
		}
		return nil
	}
	return t.ColumnByField(c.Field)
}

// Column returns the column named name, or nil.
func (t *Table) Column(name string) *Column {
	for _, c := range t.Columns {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ColumnByField returns the column of field number n, or nil.
func (t *Table) ColumnByField(n int32) *Column {
	for _, c := range t.Columns {
		if c.Field == n {
			return c
		}
	}
	return nil
}

// IsReserved reports whether field number n is reserved in the table's
// message.
func (t *Table) IsReserved(n int32) bool {
	for _, r := range t.Reserved {
		if r == n {
			return true
		}
	}
	return false
}

// holdsUUIDs reports whether f is a string column of UUIDs: a field with
// the AIP-202 format UUID4 that holds no resource names, whose values the
// server stores in lowercase.
func holdsUUIDs(f *model.Field) bool {
	if f.Storage != model.StorageColumn || f.Type != model.TypeString || f.Synthetic() || f.NamePattern != "" || f.Desc.IsList() || f.Desc.IsMap() {
		return false
	}
	if proto.HasExtension(f.Desc.Options(), annotations.E_ResourceReference) {
		return false
	}
	info, _ := proto.GetExtension(f.Desc.Options(), annotations.E_FieldInfo).(*annotations.FieldInfo)
	return info.GetFormat() == annotations.FieldInfo_UUID4
}
