package crudrt

import (
	"encoding/json"
	"errors"
	"fmt"
	"google.golang.org/genproto/googleapis/api/annotations"
	"reflect"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt/query"
)

// Resource is the one description of a model that crosses from generated
// code to the runtime. protoc-gen-crud emits it as static data, decided
// entirely by the generator's model: the runtime takes the table, every
// column name and what the server does with each column from here, and
// derives no name of its own from proto names.
type Resource struct {
	// Spec, when it is set, is the description as protoc-gen-crud writes
	// it: a JSON object of the fields below from Name to Methods, which
	// NewService and Check read from it (a string costs the compiler next
	// to nothing, a Go literal of the same data costs it much more). Those
	// fields are then left empty here.
	Spec string `json:"-"`
	// Name is the message's full name ("library.v1.Book"), for messages.
	Name string
	// Table is the table the rows live in.
	Table string
	// Collection is the first segment of resource names ("books").
	Collection string `json:",omitempty"`
	// Literals are the names of the resource's patterns without
	// variables (Pub/Sub's Topic `_deleted-topic_`), which name no stored
	// resource: such a name is not found, rather than of another form.
	Literals []string `json:",omitempty"`
	// Field is the request field that holds the resource in Create and
	// Update ("book"), which prefixes field paths in errors.
	Field string `json:",omitempty"`
	// Columns lists every stored field, in the order of the model
	// struct's column fields (ormrt.Columns).
	Columns []Column `json:",omitempty"`
	// Indexes lists the table's indexes.
	Indexes []Index `json:",omitempty"`
	// Orders are the orders List offers; empty when it offers any order
	// of stored fields.
	Orders []Order `json:",omitempty"`
	// Operations are the standard methods the service implements; the
	// others answer Unimplemented.
	Operations Op `json:",omitempty"`
	// Parent is the resource this one is named under, when it is stored
	// in the same database; nil otherwise.
	Parent *ParentTable `json:",omitempty"`
	// Parents are set instead of Parent on a resource whose parent
	// patterns (AIP-123) are those of different resources stored in the
	// same database (GKE Hub's RBACRoleBinding, under a Scope or a
	// Membership): each with the columns that hold its ids here (Of).
	// A row is under the one whose ids it holds, "" in the others'.
	Parents []ParentTable `json:",omitempty"`
	// Children are the resources named under this one, the deepest first
	// (AIP-135: Delete refuses while they exist, unless forced, and a
	// forced Delete deletes them too).
	Children []Child `json:",omitempty"`
	// HeldChildren are the resources that may hold this one's name as
	// their parent in a field (HeldChild): Delete refuses while a live
	// row of them names it, whatever its force, which deletes the
	// resources named under it only (AIP-135).
	HeldChildren []HeldChild `json:",omitempty"`
	// HeldParent is set on a resource named at the top whose field holds
	// its parent's name (Resource Manager's Folder, `parent`:
	// `folders/1`): a write of that field is checked to name a parent
	// that exists.
	HeldParent *HeldParent `json:",omitempty"`
	// Referrers are the google.api.resource_reference columns that name
	// this resource: Delete refuses while a live row refers to it, and
	// detaches soft-deleted rows that do (see Undelete).
	Referrers []Referrer `json:",omitempty"`
	// ListReferrers are the repeated google.api.resource_reference
	// columns (lists of names, stored as JSON arrays) that name this
	// resource: Delete refuses while a live row's list names it.
	ListReferrers []Referrer `json:",omitempty"`
	// IDField is Create's `{resource}_id` request field ("shelf_id") of a
	// resource identified by its name, which names the id in errors.
	IDField string `json:",omitempty"`
	// Methods are the standard methods generated for the resource, which
	// call Call with their place here.
	Methods []Method `json:",omitempty"`
	// RequestIDTable is the table of the schema where the methods with
	// an IdempotencyKey record the AIP-155 request ids they have served,
	// with their responses; set when one of them has one.
	RequestIDTable string `json:",omitempty"`
	// Message is a nil message and Model a nil pointer to the model
	// struct: they give the runtime their types.
	Message proto.Message `json:"-"`
	Model   any           `json:"-"`
	// ToModel and ToProto are the generated conversions, ToModel of a
	// Message and ToProto of a Model. When both are nil, NewService takes
	// the ToModel method of Message's type and the ToProto method of
	// Model's, as protoc-gen-orm generates them.
	ToModel func(proto.Message) (any, error) `json:"-"`
	ToProto func(any) (proto.Message, error) `json:"-"`
}

// described is r with the fields of its Spec read, or r itself when it
// has none.
func (r *Resource) described() (*Resource, error) {
	if r.Spec == "" {
		return r, nil
	}
	out := *r
	out.Spec = ""
	dec := json.NewDecoder(strings.NewReader(r.Spec))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&out); err != nil {
		var named struct{ Name string }
		_ = json.Unmarshal([]byte(r.Spec), &named)
		return nil, fmt.Errorf("crudrt: resource %q: Spec: %w", named.Name, err)
	}
	if r.Name != "" || r.Table != "" || len(r.Columns) > 0 || len(r.Methods) > 0 || r.Operations != 0 {
		return nil, fmt.Errorf("crudrt: resource %s: both Spec and the fields it holds are set", out.Name)
	}
	return &out, nil
}

// Column is a stored field and its column.
type Column struct {
	// Path is the proto field name ("author_id").
	Path string
	// Name is the SQL column name, quoted for the dialect in every query.
	Name string
	// GoField is the model struct's field.
	GoField string
	// Type is the column's logical type ("int64", "string",
	// "google.protobuf.Timestamp", …), which the schema spells per dialect.
	Type string
	// Role is what the server does with the column.
	Role Role `json:",omitempty"`
	// Queryable is set when filters and order_by may name the column, and
	// Kind tells how it compares.
	Queryable bool       `json:",omitempty"`
	Kind      query.Kind `json:",omitempty"`
	// Nullable is set when the column may be NULL (the field has presence).
	Nullable bool `json:",omitempty"`
	// MaxLen is the longest string, in characters, the column holds (0: no
	// limit); longer values are refused before any write.
	MaxLen int `json:",omitempty"`
	// MinLen is the fewest characters the schema's CHECK asks of the
	// string (0: none). SQLite's length() counts the characters of invalid
	// UTF-8 otherwise than the rules do, so that on SQLite such a string
	// is refused before any write, naming the field, rather than by the
	// CHECK.
	MinLen int `json:",omitempty"`
	// AutoIncrement is set on a key the database assigns.
	AutoIncrement bool `json:",omitempty"`
	// NamePattern is set on the AIP-122 name of a resource identified by
	// its name ("shelves/{shelf}"): the column holds the id, the server
	// assigns the name on Create.
	NamePattern string `json:",omitempty"`
	// RefersTo is set on a google.api.resource_reference field: the
	// resource whose name it holds must exist when it is written.
	RefersTo *Reference `json:",omitempty"`
	// ListRefersTo is set on a repeated google.api.resource_reference
	// string field stored as a JSON array: the resource each of its names
	// names, which must exist when the list is written.
	ListRefersTo *Reference `json:",omitempty"`
	// KeyFormat is set on a string column that holds another model's
	// key with an AIP-202 format ("UUID4", "IPV4", …) when the field has
	// none of its own: its values are stored and compared in the key's
	// canonical form, as the key's are.
	KeyFormat string `json:",omitempty"`
	// ForeignKey is set on a field with (protoforge.v1.field).references:
	// the model its values are the key of, and where those are stored.
	// A write that the foreign key refuses is InvalidArgument naming the
	// field whose value names no row.
	ForeignKey *ForeignKey `json:",omitempty"`
	// MySQLCollation is set on a string column with a MySQL/MariaDB
	// collation other than the schema's binary one
	// ((protoforge.v1.field).mysql_collation, or that of the key it
	// holds): its strings do not order by code point there.
	MySQLCollation string `json:",omitempty"`
}

// ForeignKey is the key column of the model a column's values name.
type ForeignKey struct {
	// Name is the referenced message, for errors.
	Name          string
	Table, Column string
	// Tenant is set when the referenced model has a tenant field: a
	// write names only a row of the caller's tenant, which the server
	// checks before it writes (the foreign key holds any tenant's).
	Tenant *TenantColumn `json:",omitempty"`
}

// TenantColumn is the tenant column of another model's table: its name
// and its field's type ("string", "int32" or "int64").
type TenantColumn struct {
	Column, Type string
}

// Reference is the resource a field names: where it is stored and how
// its names decompose into its key columns.
type Reference struct {
	// Name is the referenced message, for errors.
	Name string
	// Table and Columns are where the resources are, Columns holding the
	// variables of Pattern, in order: for a singleton (AIP-156), which
	// exists as long as its parent does, the parent's.
	Table   string
	Pattern string
	Columns []string
	// DeleteTime is its delete_time column when it is soft deleted: a
	// deleted resource is not referred to.
	DeleteTime string `json:",omitempty"`
	// Literals are the names of patterns without variables that the
	// resource declares beside Pattern (Pub/Sub's `_deleted-topic_`): a
	// reference may hold one, which names no stored resource.
	Literals []string `json:",omitempty"`
	// Tenant is set when the referenced rows have a tenant field: a
	// reference names only a resource of the caller's tenant; another
	// tenant's does not exist.
	Tenant *TenantColumn `json:",omitempty"`
}

// HeldParent is the field of a resource named at the top that holds its
// parent's name, and the resources of the package that name may name.
type HeldParent struct {
	// Field is the string field ("parent").
	Field string
	// Parents are the resources a parent may be, by pattern: a name of
	// one of their patterns names a resource that must exist (live, of
	// the caller's tenant); a name of none names a resource of another
	// API, which is stored as sent.
	Parents []Reference
}

// ParentTable is where the parent of a resource named under a parent is
// stored: its table and key columns, in pattern order.
type ParentTable struct {
	// Name is the parent's message, for errors.
	Name    string
	Table   string
	Columns []string
	// Tenant is the parent table's tenant column, if it has one: a
	// resource of a tenant is created and listed only under a parent of
	// the same tenant.
	Tenant string `json:",omitempty"`
	// DeleteTime is the parent table's delete_time column, if it has one:
	// a List of singletons across parents lists those of soft-deleted
	// parents with show_deleted only.
	DeleteTime string `json:",omitempty"`
	// Ancestors are the parent's own parent, its parent, and so on, each
	// with the columns of its key (the first ids of the parent's): a List
	// under "publishers/nobody/shelves/-" is NotFound when publishers/nobody
	// does not exist (AIP-132).
	Ancestors []ParentTable `json:",omitempty"`
	// Above is set when no message stores the resource's parent (one
	// declared by google.api.resource_definition alone, Firestore's
	// collectionGroups/{collection} of indexes): this is the table of the
	// nearest stored ancestor, whose key is the first of the parent's
	// ids, and whose row must exist for a child to be created or listed.
	Above bool `json:",omitempty"`
	// Of are, in Resource.Parents, the resource's RoleParent columns
	// that hold the parent's ids, in Columns' order.
	Of []string `json:",omitempty"`
}

// Referrer is a column that holds the names of another resource.
type Referrer struct {
	// Name is the field's full name, for errors.
	Name   string
	Table  string
	Column string
	// Keys are the referring table's RoleReference columns: the variables
	// of the name, a foreign key to this resource's key columns. A list
	// of names (ListReferrers) has none: Column holds the names.
	Keys []string `json:",omitempty"`
	// DeleteTime is the referring table's delete_time column, if any:
	// soft-deleted rows do not hold the resource.
	DeleteTime string `json:",omitempty"`
}

// HeldChild is a resource named at the top whose field holds its parent's
// name (Resource Manager's Folder and Project, `parent`: `folders/1`):
// rows of it may name a resource as their parent.
type HeldChild struct {
	// Name is its message, for errors.
	Name string
	// Table and Column are where the parent's names are; DeleteTime is
	// its delete_time column when it is soft deleted, whose deleted rows
	// do not count.
	Table, Column string
	DeleteTime    string `json:",omitempty"`
}

// Child is a resource named under another: its table and the columns
// that hold its ancestor's name, in the ancestor's pattern order.
type Child struct {
	// Name is the child's message ("library.v1.Book"), for errors.
	Name  string
	Table string
	// Columns hold the variables of the ancestor's name.
	Columns []string
	// DeleteTime is the child's delete_time column when a forced soft
	// delete of the ancestor soft deletes it too (the child and every
	// resource between are soft deleted), else empty: the child is
	// removed.
	DeleteTime string `json:",omitempty"`
	// Key is the child's key columns (the variables of its name), and
	// Referrers the google.api.resource_reference fields that name a
	// child: a forced delete of the ancestor is refused while a live row
	// names a child it deletes, and clears the keys of soft-deleted rows
	// that name a child it removes.
	Key       []string   `json:",omitempty"`
	Referrers []Referrer `json:",omitempty"`
	// ListReferrers are the lists of names (Resource.ListReferrers) that
	// may name a child, and Pattern the child's name pattern, which
	// spells the names of the children a forced delete deletes: a live
	// row whose list names one refuses it.
	ListReferrers []Referrer `json:",omitempty"`
	Pattern       string     `json:",omitempty"`
	// Singleton is set on a singleton child (AIP-156), which exists with
	// its parent: it never refuses a Delete, and goes with the row
	// whether or not the Delete forces, unless Stays is also set and the
	// row is soft deleted: its parent is then soft deleted too (the
	// ancestor itself, or a descendant of it soft deleted with it), and
	// it stays to come back with it.
	Singleton bool `json:",omitempty"`
	Stays     bool `json:",omitempty"`
	// Tenant is set when the ancestor has no tenant field but the
	// child's rows belong to tenants: a Delete sees, and a forced one
	// deletes, only the caller's, and the ancestor is deleted only when
	// no other tenant's remain.
	Tenant *ChildTenant `json:",omitempty"`
}

// ChildTenant tells whose a child's row is: the tenant column of the
// nearest resource, the child itself or one between it and the ancestor,
// that has one (a resource under one of a tenant is of that tenant).
type ChildTenant struct {
	// Table is the table of that resource, Column its tenant column and
	// Type the column's field type ("string", "int32" or "int64").
	Table, Column, Type string
	// Key is the resource's key columns, and Columns the child's columns
	// that hold the same ids; both empty when the resource is the child.
	Key     []string `json:",omitempty"`
	Columns []string `json:",omitempty"`
}

// Index is an index of the table, by column names.
type Index struct {
	Name    string
	Columns []string
	// Desc marks the descending parts, one per column; nil when all
	// ascend.
	Desc   []bool `json:",omitempty"`
	Unique bool   `json:",omitempty"`
}

// Order is an order List offers ((protoforge.v1.model).order_by), backed
// by an index.
type Order struct {
	// OrderBy is the order as a client writes it ("author_id, title desc").
	OrderBy string
	// Columns and Desc are the ordered columns and their directions, the
	// key's columns ending them.
	Columns []string
	Desc    []bool
}

// Role is what the server does with a column.
type Role int

// The roles of a column.
const (
	// RoleOrdinary is a column the client writes.
	RoleOrdinary Role = iota
	// RoleID is the primary key.
	RoleID
	// RoleEtag is the AIP-154 etag, maintained by the server.
	RoleEtag
	// RoleDeleteTime is the AIP-164 delete_time of a soft-deleted model.
	RoleDeleteTime
	// RoleCreateTime and RoleUpdateTime are the AIP-148 times, set by the
	// server.
	RoleCreateTime
	RoleUpdateTime
	// RoleTenant holds the row's tenant (see WithTenant).
	RoleTenant
	// RolePurgeTime is the AIP-164 purge_time of a soft-deleted model:
	// the server's, cleared by Undelete.
	RolePurgeTime
	// RoleParent holds one parent variable of the name of a resource
	// under a parent ("shelves/{shelf}/books/{book}": the shelf); with the
	// RoleID column (the book) it is the key. Its Path is the name's.
	RoleParent
	// RoleReference holds one variable of the name a
	// google.api.resource_reference column holds (NULL when it is empty);
	// with the other variables it is a foreign key to the referenced
	// resource's key. Its Path is the reference's; the server writes it
	// whenever it writes the reference.
	RoleReference
	// RoleUID is the AIP-148 uid, an output-only string: a UUID4 the
	// server assigns on Create, which never changes.
	RoleUID
	// RoleParentID holds, in a resource whose parents are of several
	// types (Resource.Parents), the id of one parent type's resource in
	// the rows under it, NULL in the others: the foreign key to that
	// parent. ToModel sets it from the name, which is its Path.
	RoleParentID
)

var roleNames = [...]string{"ordinary", "id", "etag", "delete_time", "create_time", "update_time", "tenant", "purge_time", "parent", "reference", "uid", "parent_id"}

// MarshalText and UnmarshalText spell a role by its name in Spec.
func (r Role) MarshalText() ([]byte, error) {
	if r < 0 || int(r) >= len(roleNames) {
		return nil, fmt.Errorf("no role %d", int(r))
	}
	return []byte(roleNames[r]), nil
}

func (r *Role) UnmarshalText(b []byte) error {
	for i, n := range roleNames {
		if n == string(b) {
			*r = Role(i)
			return nil
		}
	}
	return fmt.Errorf("no role %q (want one of %s)", b, strings.Join(roleNames[:], ", "))
}

func (r Role) String() string {
	if r >= 0 && int(r) < len(roleNames) {
		return roleNames[r]
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

// Op is a set of standard methods.
type Op uint16

// The standard methods.
const (
	OpGet Op = 1 << iota
	OpList
	OpCreate
	OpUpdate
	OpDelete
	OpUndelete
	OpBatchGet
	OpBatchCreate
	OpBatchDelete
	OpBatchUpdate
)

var opNames = [...]string{"Get", "List", "Create", "Update", "Delete", "Undelete", "BatchGet", "BatchCreate", "BatchDelete", "BatchUpdate"}

// MarshalText and UnmarshalText spell a set of methods as String does
// ("Get|List"), in Spec.
func (o Op) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

func (o *Op) UnmarshalText(b []byte) error {
	*o = 0
	if string(b) == "none" {
		return nil
	}
next:
	for _, name := range strings.Split(string(b), "|") {
		for i, n := range opNames {
			if n == name {
				*o |= 1 << i
				continue next
			}
		}
		return fmt.Errorf("no method %q (want some of %s, joined by |)", name, strings.Join(opNames[:], ", "))
	}
	return nil
}

func (o Op) String() string {
	var names []string
	for i, n := range opNames {
		if o&(1<<i) != 0 {
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "|")
}

// Check reports every inconsistency of the description with its message
// and model: columns that name no field, roles held twice or by a field of
// the wrong type, a scan order that differs from the model's, operations
// the columns cannot serve. Generated descriptions pass; NewService panics
// on one that does not, since that is an error of the program.
func (r *Resource) Check() error {
	_, err := r.check()
	return err
}

// checked is a description that passed Check, with what checking it
// found: its fields read from its Spec, its methods' fields and its
// columns' places in the model struct, which NewService keeps.
type checked struct {
	res     *Resource
	methods []method
	dests   []fieldDest
}

func (r *Resource) check() (*checked, error) {
	r, err := r.described()
	if err != nil {
		return nil, err
	}
	out := &checked{res: r, methods: make([]method, len(r.Methods))}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if r.Message == nil || r.Model == nil || r.ToModel == nil || r.ToProto == nil {
		return nil, fmt.Errorf("crudrt: resource %q: Message, Model, ToModel and ToProto are required", r.Name)
	}
	desc := r.Message.ProtoReflect().Descriptor()
	if string(desc.FullName()) != r.Name {
		bad("Name is %q but Message is %s", r.Name, desc.FullName())
	}
	if r.Table == "" {
		bad("Table is empty")
	}
	held := map[Role]string{}
	paths := map[string]bool{}
	refs := map[string]bool{}
	for _, c := range r.Columns {
		fd := desc.Fields().ByName(protoreflect.Name(c.Path))
		switch {
		case fd == nil:
			bad("column %q: %s has no field %q", c.Name, r.Name, c.Path)
			continue
		case c.Name == "":
			bad("field %q has no column name", c.Path)
		case paths[c.Path] && c.Role != RoleParent && c.Role != RoleReference && c.Role != RoleParentID:
			bad("field %q is described twice", c.Path)
		}
		if c.Role == RoleReference {
			if !refs[c.Path] || !c.Nullable || c.Queryable {
				bad("column %q has role reference, which needs a nullable column after the described resource_reference field %q", c.Name, c.Path)
			}
			continue
		}
		if c.RefersTo != nil {
			refs[c.Path] = true
		}
		if c.ListRefersTo != nil && !(fd.IsList() && fd.Kind() == protoreflect.StringKind && c.Type == "JSON") {
			bad("column %q: ListRefersTo needs a repeated string field stored as JSON", c.Name)
		}
		if c.KeyFormat != "" && (annotations.FieldInfo_Format_value[c.KeyFormat] == 0 || fd.Kind() != protoreflect.StringKind || fd.IsList() || fd.IsMap()) {
			bad("column %q: KeyFormat %q needs a singular string field and an AIP-202 format (UUID4, IPV4, IPV6, IPV4_OR_IPV6)", c.Name, c.KeyFormat)
		}
		if c.Role == RoleParent {
			if c.NamePattern == "" || fd.Kind() != protoreflect.StringKind {
				bad("column %q has role parent, which needs the string name field and its pattern", c.Name)
			}
			continue
		}
		if c.Role == RoleParentID {
			if !c.Nullable || c.Queryable || fd.Kind() != protoreflect.StringKind {
				bad("column %q has role parent_id, which needs a nullable column of the string name field", c.Name)
			}
			continue
		}
		paths[c.Path] = true
		if c.Role != RoleOrdinary {
			if prev, ok := held[c.Role]; ok {
				bad("columns %q and %q both have role %v", prev, c.Name, c.Role)
			}
			held[c.Role] = c.Name
		}
		if want := roleType(c.Role); want != "" && typeOf(fd) != want {
			bad("column %q has role %v, which needs a %s field, not %s", c.Name, c.Role, want, typeOf(fd))
		}
		if c.Role == RoleTenant && (fd.IsList() || !tenantKinds[fd.Kind()]) {
			bad("column %q has role tenant, which needs a string, int32 or int64 field, not %s", c.Name, typeOf(fd))
		}
		if (c.MaxLen > 0 || c.MinLen > 0) && fd.Kind() != protoreflect.StringKind {
			bad("column %q has a length limit but field %q is not a string", c.Name, c.Path)
		}
		isString := func(fd protoreflect.FieldDescriptor) bool { return fd.Kind() == protoreflect.StringKind }
		switch {
		case !c.Queryable:
		case c.Kind == query.KindStringList && !(fd.IsList() && isString(fd)):
			bad("column %q is queried as a list of strings, but field %q is %s", c.Name, c.Path, typeOf(fd))
		case c.Kind == query.KindStringMap && !(fd.IsMap() && isString(fd.MapKey()) && isString(fd.MapValue())):
			bad("column %q is queried as a map of strings, but field %q is %s", c.Name, c.Path, typeOf(fd))
		}
	}
	if _, ok := held[RoleID]; !ok {
		bad("no column has role id")
	}
	if len(r.Parents) > 0 {
		parentCols := map[string]bool{}
		for _, c := range r.Columns {
			if c.Role == RoleParent {
				parentCols[c.Name] = true
			}
		}
		if r.Parent != nil {
			bad("both Parent and Parents are set")
		}
		for _, p := range r.Parents {
			if len(p.Of) != len(p.Columns) {
				bad("Parents: %s has %d columns and %d Of", p.Name, len(p.Columns), len(p.Of))
			}
			for _, c := range p.Of {
				if !parentCols[c] {
					bad("Parents: %s: %q is no column of role parent", p.Name, c)
				}
			}
		}
	}
	if hp := r.HeldParent; hp != nil {
		if fd := desc.Fields().ByName(protoreflect.Name(hp.Field)); fd == nil || !paths[hp.Field] || typeOf(fd) != "string" {
			bad("HeldParent.Field %q is not a stored string field", hp.Field)
		}
	}
	if r.Operations&OpUndelete != 0 {
		if _, ok := held[RoleDeleteTime]; !ok {
			bad("Undelete needs a column with role delete_time")
		}
	}
	if rt := reflect.TypeOf(r.Model); rt.Kind() != reflect.Pointer || rt.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("crudrt: resource %s: Model is %T; want a nil pointer to the model struct", r.Name, r.Model)
	}
	if tn, ok := reflect.New(reflect.TypeOf(r.Model).Elem()).Interface().(interface{ TableName() string }); ok && tn.TableName() != r.Table {
		bad("Table is %q but the model's TableName is %q", r.Table, tn.TableName())
	}
	if out.dests, err = modelDests(r); err != nil {
		bad("%v", err)
	}
	for i := range r.Methods {
		m := &r.Methods[i]
		if out.methods[i], err = m.resolve(desc); err != nil {
			errs = append(errs, err)
		} else if r.Operations&m.Op == 0 {
			bad("method %s: Operations do not include %v", m.Name, m.Op)
		}
	}
	for _, m := range r.Methods {
		if m.IdempotencyKey != "" && r.RequestIDTable == "" {
			bad("method %s has an IdempotencyKey, and RequestIDTable is empty", m.Name)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("crudrt: resource %s: %w", r.Name, errors.Join(errs...))
	}
	return out, nil
}

// tenantKinds are the kinds of tenant fields.
var tenantKinds = map[protoreflect.Kind]bool{
	protoreflect.StringKind: true, protoreflect.Int32Kind: true, protoreflect.Sint32Kind: true, protoreflect.Sfixed32Kind: true,
	protoreflect.Int64Kind: true, protoreflect.Sint64Kind: true, protoreflect.Sfixed64Kind: true,
}

// roleType is the field type a role needs, or "" for any.
func roleType(r Role) string {
	switch r {
	case RoleEtag, RoleUID:
		return "string"
	case RoleDeleteTime, RoleCreateTime, RoleUpdateTime, RolePurgeTime:
		return "google.protobuf.Timestamp"
	}
	return ""
}

func typeOf(fd protoreflect.FieldDescriptor) string {
	switch {
	case fd.IsList() || fd.IsMap():
		return "repeated field"
	case fd.Message() != nil:
		return string(fd.Message().FullName())
	}
	return fd.Kind().String()
}
