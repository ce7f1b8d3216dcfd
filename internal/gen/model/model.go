// Package model is the description of what protoforge generates: database
// models built once from the protogen request.
//
// It is the only code that reads protoforge options and descriptors. Build
// validates every option and reports all problems at once; the emitters
// (Go models, SQL schema, CRUD services) are projections of the Schema it
// returns and make no decisions of their own.
package model

import (
	"fmt"
	"slices"
	"strings"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/crudrt/query"
	"github.com/protoforge/protoforge/ormrt"

	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Schema holds every model of a generation request.
type Schema struct {
	// Models lists all models of the request, including those of imported
	// files, in file then declaration order.
	Models []*Model
	// Files lists the files to generate, each with its own models.
	Files []*File
	// Services lists the services of the files to generate that have
	// standard methods.
	Services []*Service

	// Warnings are what generation leaves to the user, each with its
	// file:line:col: methods that are not generated and why.
	Warnings []string

	byName map[protoreflect.FullName]*Model
}

// ModelByName returns the model of the message with the given full name.
func (s *Schema) ModelByName(name protoreflect.FullName) *Model { return s.byName[name] }

// File is a .proto file to generate, with the models it declares.
type File struct {
	*protogen.File
	Models []*Model
}

// Model is a message with the (protoforge.v1.model) option, or a
// google.api.resource message with a key (AIP-123).
type Model struct {
	*protogen.Message
	// File is the file that declares the message.
	File *protogen.File
	// Ident is the generated Go struct, `<Message>Model`.
	Ident protogen.GoIdent
	// Table is the table name.
	Table string
	// RenamedFrom is the table's previous name, if the model was renamed.
	RenamedFrom string
	// RequestIDTable is the table of the AIP-155 request ids of the
	// model's package (RequestIDTableOf), set when a generated write of
	// the model serves `request_id`; the schema then holds the table.
	RequestIDTable string
	// Fields lists every field of the message in declaration order,
	// ignored ones included (Storage tells what each one is).
	Fields []*Field
	// Columns lists the fields stored in a column of this table.
	Columns []*Field
	// PrimaryKey lists the key columns in key order.
	PrimaryKey []*Field
	// AutoIncrement is true when the database assigns the single integer key.
	AutoIncrement bool
	// SoftDelete is the delete_time field of a soft-deleted model, or nil.
	SoftDelete *Field
	// Indexes lists every index of the table, single-column ones included,
	// in declaration order.
	Indexes []*Index
	// Associations lists the fields that hold other models.
	Associations []*Field
	// Reserved lists the message's reserved field numbers: columns that
	// may be dropped by a migration.
	Reserved []protoreflect.FieldNumber
	// Tenant is the field that holds a row's tenant, or nil.
	Tenant *Field
	// Inferred is set for a google.api.resource message without the
	// model option: its methods that do not fit are warnings, not errors.
	Inferred bool
	// Name is the AIP-122 name of a resource identified by its name, or
	// nil: its NameParts are the key.
	Name *Field
	// Parent is the model of the parent pattern of a resource under a
	// parent ("shelves/{shelf}" of "shelves/{shelf}/books/{book}"), when
	// that is a model of the same Go package: the parent columns are then
	// a foreign key to its key. Nil otherwise.
	Parent *Model
	// ParentAbove is set when Parent is not the model of the parent
	// pattern but of an ancestor's: no message stores the parent (a
	// resource declared by google.api.resource_definition alone, as
	// Firestore's collectionGroups/{collection} of indexes), and the
	// nearest stored ancestor is the one whose row must exist; the first
	// of the parent columns are its key.
	ParentAbove bool
	// Parents are set instead of Parent on a resource whose parent
	// patterns (AIP-123) are those of different resources of the same Go
	// package, one pattern each (GKE Hub's RBACRoleBinding, under a Scope
	// or a Membership): a row is under one of them.
	Parents []*ParentLink
	// Children are the models whose Parent chain leads here, the deepest
	// first: what a forced Delete deletes (AIP-135).
	Children []*Model
	// Referrers are the google.api.resource_reference columns of models
	// of the same Go package that name this model's resources.
	Referrers []*Field
	// ListReferrers are the repeated google.api.resource_reference
	// fields of models of the same Go package that name this model's
	// resources (ListRefersTo).
	ListReferrers []*Field
	// HeldChildren are the models of the same Go package named at the top
	// whose field `parent` holds their parent's name (HeldParent): any
	// of this model's resources may be their parent (Resource Manager's
	// folders hold folders and projects).
	HeldChildren []*Model
	// HeldParents are, on a model with a HeldParent field, the models of
	// the same Go package whose names that field may hold, and which are
	// checked to exist: those of HeldChildren's relation, unless the
	// field's google.api.resource_reference names one type (a reference
	// of its own, checked as such when the package stores the type).
	HeldParents []*Model
	// Orders are the orders List offers, each backed by an index; empty
	// when any order is offered.
	Orders []*Order
}

// ParentLink is one of the Parents of a resource whose parent patterns
// are those of different resources. The resource's key columns are the
// union of its patterns' variables, "" in those a row's pattern lacks,
// as for any resource of several patterns; the rows under Model hold its
// ids in Columns, and its own id also in ID, a nullable column that is
// NULL in the rows under another parent. Columns but the last, then ID,
// are a foreign key to Model's key, which a row under another parent
// (ID NULL) does not meet: the databases check a foreign key only when
// none of its columns is NULL (MATCH SIMPLE).
type ParentLink struct {
	// Model is the parent resource, of one pattern.
	Model *Model
	// Pattern is the resource's pattern under Model.
	Pattern string
	// Columns are the resource's key columns that hold Model's ids, in
	// Model's key order.
	Columns []*Field
	// ID holds Model's own id, the last of Columns, or NULL.
	ID *Field
}

// ForeignKey are the columns of the foreign key to the parent's key:
// Columns, the last replaced by ID.
func (l *ParentLink) ForeignKey() []*Field {
	return append(slices.Clone(l.Columns[:len(l.Columns)-1]), l.ID)
}

// ParentModels are the models of m's stored parents: Parent, or those of
// Parents; none for a resource whose parent the package does not store.
func (m *Model) ParentModels() []*Model {
	if m.Parent != nil {
		return []*Model{m.Parent}
	}
	var out []*Model
	for _, l := range m.Parents {
		out = append(out, l.Model)
	}
	return out
}

// Descends reports whether ancestor a is a stored parent of m, or one of
// theirs.
func (m *Model) Descends(a *Model) bool {
	return m.Toward(a) != nil
}

// Toward is the stored parent of m on the way to its ancestor a (a itself
// when it is m's parent), or nil when a is not m's ancestor.
func (m *Model) Toward(a *Model) *Model {
	for _, p := range m.ParentModels() {
		if p == a || p.Toward(a) != nil {
			return p
		}
	}
	return nil
}

// KeyColumnsOf are the key columns of descendant m that hold the ids of
// its ancestor a's key, in a's key order.
func (m *Model) KeyColumnsOf(a *Model) []*Field {
	for _, l := range m.Parents {
		if l.Model == a || l.Model.Descends(a) {
			return l.Columns[:len(a.Name.NameParts)]
		}
	}
	if p := m.Parent; p != nil && p != a && p.Descends(a) {
		// m's key begins with its parent's, in the same order: where
		// its parent's hold a's, so do its own, whichever of several
		// parent types a is.
		var out []*Field
		for _, c := range p.KeyColumnsOf(a) {
			out = append(out, m.Name.NameParts[slices.Index(p.Name.NameParts, c)])
		}
		return out
	}
	return m.Name.NameParts[:len(a.Name.NameParts)]
}

// Identity is the field that identifies a row in requests: the single
// key column, or the name of a resource identified by its name. Nil for
// a composite key of ordinary columns.
func (m *Model) Identity() *Field {
	if m.Name != nil {
		return m.Name
	}
	if len(m.PrimaryKey) == 1 {
		return m.PrimaryKey[0]
	}
	return nil
}

// UnservedKey says why the standard methods cannot serve m's key, whose
// kind the runtime does not read as a key (crudrt.IsKeyKind); "" when
// they can, or when m has no single key.
func (m *Model) UnservedKey() string {
	k := m.Identity()
	if k == nil || crudrt.IsKeyKind(k.Desc.Kind()) {
		return ""
	}
	return fmt.Sprintf("the key %q of %s is %s; standard methods serve keys of string and integer kinds", k.Desc.Name(), m.Desc.FullName(), kindName(k.Desc))
}

// RefRows is the model whose rows the key columns of a reference name:
// RefersTo, or for a singleton (AIP-156) its parent, since a singleton
// exists as long as its parent does, written or not. Their keys are the
// same variables. Nil for a field that is no reference.
func (f *Field) RefRows() *Model {
	if t := f.RefersTo; t != nil && t.Singleton() {
		return t.Parent
	}
	return f.RefersTo
}

// ParentColumns are the columns that hold the parent variables of the
// name, in pattern order; none for a top-level resource.
func (m *Model) ParentColumns() []*Field {
	if m.Name == nil {
		return nil
	}
	if m.Singleton() {
		// Its key is its parent's.
		return m.Name.NameParts
	}
	if m.ParentAbove {
		return m.Name.NameParts[:len(m.Parent.Name.NameParts)]
	}
	return m.Name.NameParts[:len(m.Name.NameParts)-1]
}

// Singleton reports whether m is a singleton resource (AIP-156), whose
// pattern ends with a collection, "users/{user}/config": one per parent,
// stored under its parent's variables, with no id of its own.
func (m *Model) Singleton() bool {
	return m.Name != nil && ormrt.SingletonPattern(m.Name.NamePattern)
}

// ParentPattern is the pattern of the parent of a resource under a
// parent ("shelves/{shelf}"), or "".
func (m *Model) ParentPattern() string {
	if m.Singleton() {
		return ormrt.OwnerPattern(m.Name.NamePattern)
	}
	if m.Name == nil || len(m.Name.NameParts) < 2 {
		return ""
	}
	if m.Name.MultiPattern() {
		return ormrt.ParentPattern(m.Name.NamePattern)
	}
	parts := strings.Split(m.Name.NamePattern, "/")
	return strings.Join(parts[:len(parts)-2], "/")
}

// Index is a secondary index of a table.
type Index struct {
	Name    string
	Columns []*Field
	// Desc marks the descending parts, one per column; nil when all
	// ascend.
	Desc   []bool
	Unique bool
}

// IsDesc reports whether the i-th part of the index descends.
func (ix *Index) IsDesc(i int) bool { return i < len(ix.Desc) && ix.Desc[i] }

// Order is an order List offers ((protoforge.v1.model).order_by): its
// terms, the key's columns ending it as the tie-breaker.
type Order struct {
	// Text is the order_by as List compares it: terms joined by ", ",
	// " desc" after descending ones, the key's columns left out.
	Text    string
	Columns []*Field
	Desc    []bool
}

// Storage tells how a field is kept.
type Storage int

// The ways a field is kept.
const (
	// StorageColumn is a column of the model's table.
	StorageColumn Storage = iota
	// StorageIgnored is not stored (the ignore option).
	StorageIgnored
	// StorageBelongsTo holds another model whose key is in ForeignKey, a
	// column of this table.
	StorageBelongsTo
	// StorageHasMany holds other models whose ForeignKey column points to
	// this table's key.
	StorageHasMany
)

// Presence tells how a column field marks absence.
type Presence int

// The kinds of presence of a column field.
const (
	// PresenceNone is a field without presence: a NOT NULL column.
	PresenceNone Presence = iota
	// PresenceOptional is a proto3 `optional` or proto2 optional scalar:
	// a nullable column, a pointer in Go.
	PresenceOptional
	// PresenceOneof is a member of a oneof: a nullable column.
	PresenceOneof
	// PresenceWrapper is a google.protobuf wrapper type: a nullable column
	// of the wrapped scalar.
	PresenceWrapper
	// PresenceMessage is a message field (Timestamp, Duration, or a message
	// kept as JSON): a nullable column.
	PresenceMessage
)

// Field is a field of a model.
type Field struct {
	*protogen.Field
	// Model is the model that declares the field.
	Model *Model
	// Storage tells whether and how the field is stored.
	Storage Storage

	// The rest applies to StorageColumn fields.

	// Column is the column name.
	Column string
	// Type is the logical column type; ColumnType.SQL spells it per dialect.
	Type ColumnType
	// Presence tells how absence is stored; all but PresenceNone are NULL.
	Presence Presence
	// Oneof is the oneof the field belongs to (PresenceOneof), or nil.
	Oneof *protogen.Oneof
	// PrimaryKey marks a key column.
	PrimaryKey bool
	// Size is the maximum length of a string column, 0 for unlimited.
	Size int
	// References is the model this column points to, or nil.
	References *Model
	// OnDelete and OnUpdate are the foreign key's actions in SQL spelling
	// ("CASCADE", "SET NULL", …), empty for the database default.
	OnDelete, OnUpdate string
	// Default is the column default as written in the option, or empty.
	Default string
	// MySQLCollation is the column's MySQL/MariaDB collation when the
	// option picks one, else empty (the tables' binary collation).
	MySQLCollation string
	// PostgresCollation is the column's PostgreSQL collation when the
	// option picks one, else empty ("C": byte order).
	PostgresCollation string
	// NoCheck turns off derived CHECK constraints.
	NoCheck bool
	// Rules are the field's validation rules that shape the column.
	Rules Rules
	// Role is what the server does with the column (key, etag, …).
	Role Role
	// NamePattern is set on the AIP-122 name of a resource identified by
	// its name: the column holds the id of the pattern's variable
	// ("shelves/{shelf}" → the shelf), and the name is rebuilt on read.
	NamePattern string
	// NameParts are the columns that hold the variables of the name, in
	// pattern order: the parents' (synthetic fields, see NameOf), then the
	// field's own column. Set on the name field only.
	NameParts []*Field
	// NameOf is set on a column that holds a parent variable of a name:
	// a field made for the column (it shares the name field's descriptor),
	// the name field it belongs to.
	NameOf *Field
	// RefersTo is the resource a `google.api.resource_reference` string
	// field names (a model named by its pattern, in the same Go package):
	// the server checks on every write that it exists. Nil otherwise.
	RefersTo *Model
	// ListRefersTo is the resource each name of a repeated
	// `google.api.resource_reference` string field names, stored as a
	// JSON array (a model named by its pattern, in the same Go package,
	// not a singleton): the server checks on every write that each
	// exists, and refuses to delete one a live row's list names.
	ListRefersTo *Model
	// RefParts are the columns that hold the variables of the name a
	// RefersTo field holds, in pattern order (synthetic fields, see
	// RefPartOf): together a foreign key to the referenced resource's key,
	// so that the database, too, refuses a reference to a missing row.
	RefParts []*Field
	// ParentIDOf is set on the column ID of a ParentLink, a field made for
	// the column (it shares the name field's descriptor): the link.
	ParentIDOf *ParentLink
	// RefPartOf is set on a column that holds one variable of the name in
	// a resource_reference field: a field made for the column (it shares
	// the reference field's descriptor), the reference field.
	RefPartOf *Field
	// MaxLen is the longest string, in characters, the runtime accepts
	// (for a column of a name, NamePattern set: the longest id)
	// for the column before writing (its size), 0 for none.
	MaxLen int
	// MinLen is the fewest characters the schema's CHECK asks of a string
	// column (its rules' min_len), 0 for none.
	MinLen int
	// Queryable is set on a column that filters and order_by may name, and
	// QueryKind tells how it compares.
	Queryable bool
	QueryKind query.Kind

	// The rest applies to StorageBelongsTo and StorageHasMany fields.

	// Target is the model the field holds.
	Target *Model
	// ForeignKey is the column holding the key: a field of Model for
	// belongs-to, a field of Target for has-many.
	ForeignKey *Field
}

// Role is what the server does with a column, in the runtime's terms: the
// runtime finds the columns it manages by role, never by name.
type Role = crudrt.Role

// The roles a column may have.
const (
	RoleOrdinary   = crudrt.RoleOrdinary
	RoleID         = crudrt.RoleID
	RoleEtag       = crudrt.RoleEtag
	RoleDeleteTime = crudrt.RoleDeleteTime
	RoleCreateTime = crudrt.RoleCreateTime
	RoleUpdateTime = crudrt.RoleUpdateTime
	RoleTenant     = crudrt.RoleTenant
	RolePurgeTime  = crudrt.RolePurgeTime
	RoleParent     = crudrt.RoleParent
	RoleReference  = crudrt.RoleReference
	RoleUID        = crudrt.RoleUID
	RoleParentID   = crudrt.RoleParentID
)

// Synthetic reports whether f is a column made by the model rather than
// declared by a proto field: a parent variable of a name (NameOf), the id
// of one of several parents (ParentIDOf) or a variable of a reference
// (RefPartOf).
func (f *Field) Synthetic() bool { return f.NameOf != nil || f.RefPartOf != nil || f.ParentIDOf != nil }

// Nullable reports whether the column accepts NULL.
func (f *Field) Nullable() bool { return f.Presence != PresenceNone }

// FullName is the proto full name of the field, as errors name it.
func (f *Field) FullName() protoreflect.FullName { return f.Desc.FullName() }

// GoComment makes a proto comment safe to emit as Go: protoc accepts byte
// order marks, NUL and invalid UTF-8 in comments, gofmt does not. buf's
// lint directives (`buf:lint:ignore …`) speak to buf, not to Go readers,
// and are left out.
func GoComment(c protogen.Comments) protogen.Comments {
	s := strings.ToValidUTF8(string(c), "\uFFFD")
	s = strings.NewReplacer("\uFEFF", "", "\x00", "\uFFFD").Replace(s)
	if strings.Contains(s, "buf:lint:") {
		var kept []string
		for _, line := range strings.Split(strings.TrimSuffix(s, "\n"), "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "buf:lint:") {
				kept = append(kept, line)
			}
		}
		for len(kept) > 0 && strings.TrimSpace(kept[len(kept)-1]) == "" {
			kept = kept[:len(kept)-1]
		}
		if len(kept) == 0 {
			return ""
		}
		s = strings.Join(kept, "\n") + "\n"
	}
	return protogen.Comments(s)
}

// RequestIDTableOf is the table, in the schema of proto package pkg, of
// the AIP-155 request ids its writes have served, with their responses:
// `library_v1_request_ids`. Named after the package, so that the schemas
// of several packages can share one database.
func RequestIDTableOf(pkg protoreflect.FullName) string {
	return identifier(strings.ReplaceAll(string(pkg), ".", "_") + "_request_ids")
}

// MultiPattern reports whether f holds the name of a resource with several
// patterns (AIP-123), NamePattern their set (see ormrt.Patterns).
func (f *Field) MultiPattern() bool { return strings.Contains(f.NamePattern, "|") }

// OptionalNamePart reports whether f holds a variable of a resource name
// that some of the resource's patterns lack (AIP-123): its rows of those
// patterns hold "".
func (f *Field) OptionalNamePart() bool {
	if !f.MultiPattern() {
		return false
	}
	for _, alt := range ormrt.Patterns(f.NamePattern) {
		if !slices.Contains(ormrt.PatternVars(alt), f.Column) {
			return true
		}
	}
	return false
}
