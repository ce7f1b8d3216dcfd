package model

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt/query"
)

// queryKinds maps column types to the crudrt/query kinds that filters and
// order_by understand; other columns (bytes, JSON, nanosecond times) are
// not queryable.
var queryKinds = map[ColumnType]query.Kind{
	TypeBool: query.KindBool, TypeInt32: query.KindInt, TypeInt64: query.KindInt, TypeUint32: query.KindInt,
	TypeUint64: query.KindUint64, TypeFloat32: query.KindFloat, TypeFloat64: query.KindFloat,
	TypeString: query.KindString, TypeEnumNumber: query.KindEnum, TypeEnumName: query.KindEnumName,
	TypeTimestamp: query.KindTimestamp, TypeDuration: query.KindDuration, TypeDurationNanos: query.KindDurationNanos,
}

// roles decides the role and the query kind of every column: the key, the
// server-managed fields of AIP-148 (the times, and an output-only uid),
// AIP-154 and AIP-164, and the tenant.
// Server-managed fields are recognised by their proto name and type, so
// that renaming their columns changes nothing for the runtime.
func roles(m *Model) {
	for _, f := range m.Columns {
		f.QueryKind, f.Queryable = queryKinds[f.Type]
		if k, ok := collectionKind(f); ok {
			// Filters test elements and keys (AIP-160's has operator);
			// order_by does not name it (see orderable).
			f.QueryKind, f.Queryable = k, true
		}
		if f.Type == TypeString && f.Size > 0 && f.Presence != PresenceWrapper && f.Oneof == nil && f.RefPartOf == nil && f.ParentIDOf == nil {
			// For a column of a name, the longest id it holds: the
			// runtime checks the ids of the names requests hold.
			f.MaxLen = f.Size
		}
		if r := f.Rules; f.Type == TypeString && !f.NoCheck && !(f.PrimaryKey && m.AutoIncrement) && r.MinLen != nil {
			// As the schema's CHECK (see sqlschema's checksOf).
			f.MinLen = int(*r.MinLen)
		}
		timestamp := f.Type == TypeTimestamp || f.Type == TypeTimestampNanos
		if m.Name != nil && (len(m.Name.NameParts) > 1 || m.Singleton()) && (f == m.Name || f.NameOf != nil) {
			// A name under a parent spans columns, which no one column
			// can be compared with: the runtime orders and filters by it
			// through all of them. A singleton's ends with its
			// collection, and its List takes no filter or order.
			f.Queryable = false
		}
		if hasBehavior(f, annotations.FieldBehavior_INPUT_ONLY) {
			// AIP-203: never in a response, so never read back through
			// a filter or an order either.
			f.Queryable = false
		}
		if f.RefPartOf != nil || f.ParentIDOf != nil {
			// A variable of a reference: the runtime writes it with the
			// reference, and filters name the reference itself; so the
			// id of a parent with the name.
			f.Queryable = false
		}
		switch name := string(f.Desc.Name()); {
		case f.ParentIDOf != nil:
			f.Role = RoleParentID
		case f.RefPartOf != nil:
			f.Role = RoleReference
		case f.NameOf != nil:
			f.Role = RoleParent
		case f.PrimaryKey:
			f.Role = RoleID
		case f == m.SoftDelete:
			f.Role = RoleDeleteTime
		case f == m.Tenant:
			f.Role = RoleTenant
		case name == "etag" && f.Type == TypeString && f.Presence == PresenceNone:
			f.Role = RoleEtag
		case name == "create_time" && timestamp && f.Presence == PresenceMessage:
			f.Role = RoleCreateTime
		case name == "update_time" && timestamp && f.Presence == PresenceMessage:
			f.Role = RoleUpdateTime
		case name == "purge_time" && m.SoftDelete != nil && timestamp && f.Presence == PresenceMessage:
			f.Role = RolePurgeTime
		case name == "uid" && f.Type == TypeString && f.Presence == PresenceNone && f.Oneof == nil && outputOnly(f):
			f.Role = RoleUID
		}
	}
}

// collectionKind is the query kind of a repeated string field or a
// map<string, string> field stored as a JSON column.
func collectionKind(f *Field) (query.Kind, bool) {
	if f.Type != TypeJSON || f.Oneof != nil {
		return 0, false
	}
	d := f.Desc
	switch {
	case d.IsList() && d.Kind() == protoreflect.StringKind:
		return query.KindStringList, true
	case d.IsMap() && d.MapKey().Kind() == protoreflect.StringKind && d.MapValue().Kind() == protoreflect.StringKind:
		return query.KindStringMap, true
	}
	return 0, false
}

// outputOnly reports whether f is marked OUTPUT_ONLY (AIP-203).
func outputOnly(f *Field) bool { return hasBehavior(f, annotations.FieldBehavior_OUTPUT_ONLY) }

// hasBehavior reports whether f is marked b (AIP-203).
func hasBehavior(f *Field, b annotations.FieldBehavior) bool { return descHasBehavior(f.Desc, b) }

// descHasBehavior reports whether the field fd is marked b (AIP-203).
func descHasBehavior(fd protoreflect.FieldDescriptor, b annotations.FieldBehavior) bool {
	fb, _ := proto.GetExtension(fd.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
	return slices.Contains(fb, b)
}

// ColumnByRole returns the model's column with role r, or nil; for RoleID,
// the first key column.
func (m *Model) ColumnByRole(r Role) *Field {
	for _, f := range m.Columns {
		if f.Role == r {
			return f
		}
	}
	return nil
}

// GormTag is the struct tag of a column field: its column, key, nullness,
// size, precision and indexes, as GORM reads them.
func (f *Field) GormTag() string {
	tags := []string{"column:" + f.Column}
	if f.PrimaryKey {
		tags = append(tags, "primaryKey")
		// GORM numbers any integer key it finds zero unless told not to:
		// uint32 keys too, which never auto-increment here.
		if (f.Type.Integer() || f.Type == TypeUint32) && len(f.Model.PrimaryKey) == 1 {
			if f.Model.AutoIncrement {
				tags = append(tags, "autoIncrement")
			} else {
				tags = append(tags, "autoIncrement:false")
			}
		}
	}
	if !f.Nullable() {
		tags = append(tags, "not null")
	}
	switch f.Type {
	case TypeString:
		if f.Size > 0 {
			tags = append(tags, "size:"+strconv.Itoa(f.Size))
		}
	case TypeEnumName:
		tags = append(tags, "size:255")
	case TypeFloat32:
		tags = append(tags, "type:real")
	case TypeFloat64:
		tags = append(tags, "type:double precision")
	case TypeTimestamp:
		tags = append(tags, "precision:6")
	}
	for _, ix := range f.Model.Indexes {
		for i, c := range ix.Columns {
			if c != f {
				continue
			}
			t := "index:" + ix.Name
			if ix.Unique {
				t += ",unique"
			}
			if len(ix.Columns) > 1 {
				t += ",priority:" + strconv.Itoa(i+1)
			}
			if ix.IsDesc(i) {
				t += ",sort:desc"
			}
			tags = append(tags, t)
		}
	}
	return "`gorm:\"" + strings.Join(tags, ";") + "\"`"
}

// inputOnly refuses INPUT_ONLY (AIP-203) where the server cannot keep it
// out of every response, or where it would tell the stored value: on a
// field the server manages or that identifies the resource, with
// OUTPUT_ONLY or IDENTIFIER, and in a unique index (AlreadyExists would)
// or any index or declared order, which List never reads it by. With
// IMMUTABLE it is allowed: an update that names it is refused whatever it
// holds (crudrt), which tells nothing of the stored value.
func (b *builder) inputOnly(m *Model) {
	for _, f := range m.Columns {
		if f.Synthetic() || !hasBehavior(f, annotations.FieldBehavior_INPUT_ONLY) {
			continue
		}
		switch {
		case f.Role != RoleOrdinary:
			b.errorf(m.File, f.Desc, "is INPUT_ONLY, and the server manages it or names the resource by it (%s): no response could hold it; remove INPUT_ONLY", f.Role)
		case hasBehavior(f, annotations.FieldBehavior_OUTPUT_ONLY), hasBehavior(f, annotations.FieldBehavior_IDENTIFIER):
			b.errorf(m.File, f.Desc, "is INPUT_ONLY and OUTPUT_ONLY or IDENTIFIER: it could be neither written nor read; keep one behavior")
		}
		for _, ix := range m.Indexes {
			if slices.Contains(ix.Columns, f) {
				b.errorf(m.File, f.Desc, "is INPUT_ONLY and in index %s: a unique one would answer whether a value is taken, and List never reads it; remove it from the index", ix.Name)
				break
			}
		}
		for _, o := range m.Orders {
			if slices.Contains(o.Columns, f) {
				b.errorf(m.File, f.Desc, "is INPUT_ONLY and in (protoforge.v1.model).order_by %q: an order would tell the stored values; remove it from order_by", o.Text)
				break
			}
		}
	}
}

// managedPresence refuses an `etag` string field with presence, which
// roles leaves ordinary: the server would keep a client's etag as sent
// and check none (AIP-154), though the field says it is the resource's.
// Presence is the default of editions and of proto2.
func (b *builder) managedPresence(m *Model) {
	for _, f := range m.Columns {
		if f.Synthetic() || f.Type != TypeString || f.Presence == PresenceNone || f.Role != RoleOrdinary || f.Desc.Name() != "etag" {
			continue
		}
		b.errorf(m.File, f.Desc, "has presence, and the server keeps the etag (AIP-154) only in a field without presence: as it is, it would be stored as sent, and no write would check it; %s", presenceFix(f.Desc))
	}
}

// presenceFix says how to declare fd, a singular field with presence,
// without it.
func presenceFix(fd protoreflect.FieldDescriptor) string {
	decl := fmt.Sprintf("%s %s = %d", fd.Kind(), fd.Name(), fd.Number())
	switch {
	case fd.ContainingOneof() != nil && !fd.ContainingOneof().IsSynthetic():
		return fmt.Sprintf("move it out of oneof %s", fd.ContainingOneof().Name())
	case fd.Syntax() == protoreflect.Proto2:
		return fmt.Sprintf("every singular field of proto2 has presence: declare the message in proto3 (`%s;`) or in an edition (`%s [features.field_presence = IMPLICIT];`)", decl, decl)
	case fd.Syntax() == protoreflect.Editions && !fd.HasOptionalKeyword():
		return fmt.Sprintf("explicit presence is the default of editions: declare it `%s [features.field_presence = IMPLICIT];`", decl)
	}
	return fmt.Sprintf("remove `optional`: `%s;`", decl)
}

// required refuses a required field (proto2's `required`, editions'
// LEGACY_REQUIRED) that a message read back or created could lack: a
// message without it does not marshal, so that every response holding it
// would fail, and a write that clears it would be refused whatever the
// client sent.
func (b *builder) required(m *Model) {
	for _, f := range m.Fields {
		if f.Synthetic() || f.Desc.Cardinality() != protoreflect.Required {
			continue
		}
		const fix = "give it explicit presence: [features.field_presence = EXPLICIT]"
		switch {
		case f.Storage == StorageIgnored:
			b.errorf(m.File, f.Desc, "is required, and (protoforge.v1.field).ignore keeps it out of the table: no message read back would hold it, and a message without it does not marshal; %s, or store it", fix)
		case f.Storage == StorageBelongsTo:
			b.errorf(m.File, f.Desc, "is required, and holds model %s, which a read loads only when preloaded (the generated services never do): a message read without it does not marshal; %s", f.Target.Desc.FullName(), fix)
		case f.Role == RoleDeleteTime || f.Role == RolePurgeTime:
			b.errorf(m.File, f.Desc, "is required, and the server sets it only when the resource is deleted (%s): a Create, which clears it, would always be refused, and no live resource would marshal; %s", f.Role, fix)
		case hasBehavior(f, annotations.FieldBehavior_OUTPUT_ONLY) && f.Role != RoleCreateTime && f.Role != RoleUpdateTime:
			b.errorf(m.File, f.Desc, "is required and OUTPUT_ONLY: a Create clears what the client sent and the server sets nothing in its place, so that every Create would be refused; %s, or remove OUTPUT_ONLY", fix)
		case hasBehavior(f, annotations.FieldBehavior_INPUT_ONLY):
			b.errorf(m.File, f.Desc, "is required and INPUT_ONLY: responses leave it out, and a message without it does not marshal; %s, or remove INPUT_ONLY", fix)
		}
	}
	// The messages stored as JSON: the server clears their OUTPUT_ONLY
	// fields on writes and their INPUT_ONLY ones in responses too.
	for _, f := range m.Fields {
		if f.Storage != StorageColumn || f.Type != TypeJSON {
			continue
		}
		md := f.Desc.Message()
		if f.Desc.IsMap() {
			md = f.Desc.MapValue().Message()
		}
		seen := map[protoreflect.FullName]bool{}
		var walk func(md protoreflect.MessageDescriptor, path string)
		walk = func(md protoreflect.MessageDescriptor, path string) {
			if md == nil || seen[md.FullName()] || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
				return
			}
			seen[md.FullName()] = true
			fields := md.Fields()
			for i := 0; i < fields.Len(); i++ {
				nd := fields.Get(i)
				p := path + "." + string(nd.Name())
				switch {
				case nd.Cardinality() != protoreflect.Required:
				case descHasBehavior(nd, annotations.FieldBehavior_OUTPUT_ONLY):
					b.errorf(m.File, f.Desc, "holds %s, whose field %s (%s) is required and OUTPUT_ONLY: a write clears what the client sent, so that every write holding the message would be refused; give %s explicit presence, or remove OUTPUT_ONLY", md.FullName(), nd.Name(), p, nd.Name())
				case descHasBehavior(nd, annotations.FieldBehavior_INPUT_ONLY):
					b.errorf(m.File, f.Desc, "holds %s, whose field %s (%s) is required and INPUT_ONLY: responses leave it out, and a message without it does not marshal; give %s explicit presence, or remove INPUT_ONLY", md.FullName(), nd.Name(), p, nd.Name())
				}
				if nd.IsMap() {
					walk(nd.MapValue().Message(), p)
				} else {
					walk(nd.Message(), p)
				}
			}
		}
		walk(md, string(f.Desc.Name()))
	}
}
