package goldenrun

import (
	"fmt"
	"reflect"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	protoforgev1 "github.com/protoforge/protoforge/options/protoforge/v1"
	"github.com/protoforge/protoforge/ormrt"
)

// modelInfo is what the driver reads of one model from its descriptor
// and its generated Go types: the same facts the product contract
// (DESIGN.md §2, §6) states, read independently of the generator.
type modelInfo struct {
	desc protoreflect.MessageDescriptor
	// msg is a nil *Msg, model the *MsgModel type ToModel returns.
	msg   proto.Message
	model reflect.Type
	table string
	// collection is the first segment of resource names: the
	// google.api.resource pattern's, else the table.
	collection string
	keys       []protoreflect.FieldDescriptor
	// autoKey: the database assigns the (single, integer) key.
	autoKey bool
	// namePrefix is "<collection>/" of a resource identified by its name,
	// whose server assigns names from Create's `<resource>_id`.
	namePrefix string
	// underParent is set on a resource named under a parent
	// ("shelves/{shelf}/books/{book}"): its rows and calls go under one
	// parent, parentName, the stored row of parent when the parent is a
	// model of the case; namePrefix is set once that row is stored.
	underParent bool
	pattern     string
	// singleton is set on a singleton resource (AIP-156, a pattern that
	// ends with a collection): one row per parent, parentName, served by
	// Get and Update only (see service.singleton).
	singleton bool
	// resRefs are the google.api.resource_reference fields naming a
	// model of the case, which are set to a stored row's name.
	resRefs map[protoreflect.FieldDescriptor]*modelInfo
	// selfRefs are those naming a resource of the model's own type, left
	// empty: a row that names another of the run would keep the run's
	// deletes from deleting it.
	selfRefs   map[protoreflect.FieldDescriptor]bool
	parent     *modelInfo
	parentName string
	softDelete bool
	// The server-managed fields of AIP-148/154/164, nil when absent.
	createTime, updateTime, deleteTime, etag protoreflect.FieldDescriptor
	tenant                                   protoreflect.FieldDescriptor
	outputOnly, immutable, inputOnly         map[protoreflect.FieldDescriptor]bool
	// ignored fields are not stored; assoc fields hold other models
	// (belongs-to, has-many) and are left to PreloadAssociations.
	ignored, assoc map[protoreflect.FieldDescriptor]bool
	// refs are foreign keys: the model each field references.
	refs map[protoreflect.FieldDescriptor]*modelInfo
	// columns are the column names of the stored fields.
	columns map[protoreflect.FieldDescriptor]string
}

// registry holds the models of a case by full name.
type registry struct {
	models []*modelInfo
	byName map[protoreflect.FullName]*modelInfo
}

func newRegistry(c Case) (*registry, error) {
	reg := &registry{byName: map[protoreflect.FullName]*modelInfo{}}
	for _, v := range c.Models {
		msg, ok := v.(proto.Message)
		if !ok {
			return nil, fmt.Errorf("%T is not a proto message", v)
		}
		toModel, ok := reflect.TypeOf(msg).MethodByName("ToModel")
		if !ok || toModel.Type.NumOut() != 2 {
			return nil, fmt.Errorf("%T has no ToModel() (*Model, error)", v)
		}
		mi := &modelInfo{desc: msg.ProtoReflect().Descriptor(), msg: msg, model: toModel.Type.Out(0)}
		reg.models = append(reg.models, mi)
		reg.byName[mi.desc.FullName()] = mi
	}
	for _, mi := range reg.models {
		if err := reg.read(mi); err != nil {
			return nil, err
		}
	}
	// A has-many association naming its foreign key makes that field of
	// the held model a reference to the holder.
	for _, mi := range reg.models {
		for i := 0; i < mi.desc.Fields().Len(); i++ {
			fd := mi.desc.Fields().Get(i)
			fo, _ := proto.GetExtension(fd.Options(), protoforgev1.E_Field).(*protoforgev1.FieldOptions)
			t := reg.byName[""]
			if fd.Message() != nil {
				t = reg.byName[fd.Message().FullName()]
			}
			if t == nil || t == mi || !fd.IsList() || fo.GetForeignKey() == "" {
				continue
			}
			if fk := t.desc.Fields().ByName(protoreflect.Name(fo.GetForeignKey())); fk != nil && t.refs[fk] == nil {
				t.refs[fk] = mi
			}
		}
	}
	byType := map[string]*modelInfo{}
	for _, mi := range reg.models {
		if r, ok := proto.GetExtension(mi.desc.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor); ok && mi.pattern != "" {
			byType[r.GetType()] = mi
		}
	}
	for _, mi := range reg.models {
		mi.resRefs = map[protoreflect.FieldDescriptor]*modelInfo{}
		mi.selfRefs = map[protoreflect.FieldDescriptor]bool{}
		for i := 0; i < mi.desc.Fields().Len(); i++ {
			fd := mi.desc.Fields().Get(i)
			if ref, ok := proto.GetExtension(fd.Options(), annotations.E_ResourceReference).(*annotations.ResourceReference); ok && ref != nil {
				switch t := byType[ref.GetType()]; {
				case t == mi:
					mi.selfRefs[fd] = true
				case t != nil:
					mi.resRefs[fd] = t
				}
			}
		}
	}
	for _, mi := range reg.models {
		if !mi.underParent && !mi.singleton {
			continue
		}
		want := glob(mi.parentPattern())
		for _, p := range reg.models {
			if p.pattern != "" && glob(p.pattern) == want {
				mi.parent = p
			}
		}
	}
	return reg, nil
}

// read fills in mi from its options; models must all be registered.
func (reg *registry) read(mi *modelInfo) error {
	md := mi.desc
	mi.outputOnly = map[protoreflect.FieldDescriptor]bool{}
	mi.inputOnly = map[protoreflect.FieldDescriptor]bool{}
	mi.immutable = map[protoreflect.FieldDescriptor]bool{}
	mi.ignored = map[protoreflect.FieldDescriptor]bool{}
	mi.assoc = map[protoreflect.FieldDescriptor]bool{}
	mi.refs = map[protoreflect.FieldDescriptor]*modelInfo{}
	mi.columns = map[protoreflect.FieldDescriptor]string{}

	tn, ok := reflect.New(mi.model.Elem()).Interface().(interface{ TableName() string })
	if !ok {
		return fmt.Errorf("%v has no TableName()", mi.model)
	}
	mi.table = tn.TableName()
	mi.collection = mi.table
	if r, ok := proto.GetExtension(md.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor); ok && len(r.GetPattern()) > 0 {
		mi.collection, _, _ = strings.Cut(r.GetPattern()[0], "/")
	}
	mopts, _ := proto.GetExtension(md.Options(), protoforgev1.E_Model).(*protoforgev1.ModelOptions)
	mi.softDelete = mopts.GetSoftDelete()
	if dt := md.Fields().ByName("delete_time"); dt != nil && dt.Message() != nil && dt.Message().FullName() == "google.protobuf.Timestamp" && !dt.IsList() {
		// AIP-164: a delete_time makes the model soft-deleted without the
		// option (unless it keeps nanoseconds or is not stored).
		fo, _ := proto.GetExtension(dt.Options(), protoforgev1.E_Field).(*protoforgev1.FieldOptions)
		mi.softDelete = mi.softDelete || (!fo.GetKeepNanos() && !fo.GetIgnore())
	}

	fields := md.Fields()
	for _, name := range mopts.GetPrimaryKey() {
		fd := fields.ByName(protoreflect.Name(name))
		if fd == nil {
			return fmt.Errorf("%s: primary_key names unknown field %q", md.FullName(), name)
		}
		mi.keys = append(mi.keys, fd)
	}
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		fo, _ := proto.GetExtension(fd.Options(), protoforgev1.E_Field).(*protoforgev1.FieldOptions)
		if len(mopts.GetPrimaryKey()) == 0 && fo.GetPrimaryKey() {
			mi.keys = append(mi.keys, fd)
		}
		if fo.GetIgnore() {
			mi.ignored[fd] = true
			continue
		}
		if fo.GetTenant() {
			mi.tenant = fd
		}
		if fd.Message() != nil && reg.byName[fd.Message().FullName()] != nil {
			mi.assoc[fd] = true
			continue
		}
		mi.columns[fd] = string(fd.Name())
		if c := fo.GetColumn(); c != "" {
			mi.columns[fd] = c
		}
		if ref := fo.GetReferences(); ref != "" {
			ref = strings.TrimPrefix(ref, ".")
			target := reg.byName[protoreflect.FullName(ref)]
			if target == nil {
				target = reg.byName[md.ParentFile().Package().Append(protoreflect.Name(ref))]
			}
			if target == nil {
				return fmt.Errorf("%s: references unknown model %q", fd.FullName(), ref)
			}
			mi.refs[fd] = target
		}
		behaviors, _ := proto.GetExtension(fd.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
		for _, b := range behaviors {
			switch b {
			case annotations.FieldBehavior_OUTPUT_ONLY:
				mi.outputOnly[fd] = true
			case annotations.FieldBehavior_IMMUTABLE:
				mi.immutable[fd] = true
			case annotations.FieldBehavior_INPUT_ONLY:
				mi.inputOnly[fd] = true
			}
		}
		timestamp := fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Timestamp" && !fd.IsList()
		switch {
		case fd.Name() == "create_time" && timestamp:
			mi.createTime = fd
		case fd.Name() == "update_time" && timestamp:
			mi.updateTime = fd
		case fd.Name() == "delete_time" && timestamp && mi.softDelete:
			mi.deleteTime = fd
		case fd.Name() == "etag" && fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.HasPresence():
			mi.etag = fd
		}
	}
	if len(mi.keys) == 0 {
		if fd := fields.ByName("id"); fd != nil && (mopts != nil || !namedUnderParent(md)) {
			mi.keys = append(mi.keys, fd)
		}
	}
	if len(mi.keys) == 0 && mopts == nil {
		// A google.api.resource identified by its name (AIP-122): the name
		// is the key, of the form "<collection>/<id>". Rows are named
		// under the first of several patterns (AIP-123).
		if r, ok := proto.GetExtension(md.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor); ok && len(r.GetPattern()) >= 1 {
			nameField := r.GetNameField()
			if nameField == "" {
				nameField = "name"
			}
			if fd := fields.ByName(protoreflect.Name(nameField)); fd != nil && fd.Kind() == protoreflect.StringKind {
				mi.keys = append(mi.keys, fd)
				mi.namePrefix, _, _ = strings.Cut(r.GetPattern()[0], "{")
				mi.pattern = r.GetPattern()[0]
				mi.underParent = strings.Count(mi.pattern, "{") > 1
				mi.singleton = ormrt.SingletonPattern(mi.pattern)
			}
		}
	}
	if len(mi.keys) == 0 {
		return fmt.Errorf("%s: no key", md.FullName())
	}
	if len(mi.keys) == 1 {
		// A key of a signed 32- or 64-bit kind (an int32 or int64 column)
		// auto-increments unless auto_increment: false.
		switch k := mi.keys[0]; k.Kind() {
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
			protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			fo, _ := proto.GetExtension(k.Options(), protoforgev1.E_Field).(*protoforgev1.FieldOptions)
			mi.autoKey = fo == nil || fo.AutoIncrement == nil || fo.GetAutoIncrement()
		}
	}
	return nil
}

// namedUnderParent reports whether md, a google.api.resource without
// protoforge's option, is identified by its string name under a parent
// even if it has an `id` field, as protoc-gen-orm reads it.
func namedUnderParent(md protoreflect.MessageDescriptor) bool {
	r, ok := proto.GetExtension(md.Options(), annotations.E_Resource).(*annotations.ResourceDescriptor)
	if !ok || len(r.GetPattern()) != 1 || strings.Count(r.GetPattern()[0], "{") < 2 {
		return false
	}
	nameField := r.GetNameField()
	if nameField == "" {
		nameField = "name"
	}
	fd := md.Fields().ByName(protoreflect.Name(nameField))
	return fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.HasPresence()
}

// isKey reports whether fd is part of the primary key.
func (mi *modelInfo) isKey(fd protoreflect.FieldDescriptor) bool {
	for _, k := range mi.keys {
		if k == fd {
			return true
		}
	}
	return false
}

// serverManaged reports the fields a client does not set: an
// auto-increment key, create/update/delete time, etag, output-only ones.
func (mi *modelInfo) serverManaged(fd protoreflect.FieldDescriptor) bool {
	return (mi.autoKey && mi.isKey(fd)) || fd == mi.createTime || fd == mi.updateTime ||
		fd == mi.deleteTime || fd == mi.etag || mi.outputOnly[fd]
}

// toModel calls the generated ToModel of msg.
func toModel(msg proto.Message) (any, error) {
	out := reflect.ValueOf(msg).MethodByName("ToModel").Call(nil)
	if e := out[1].Interface(); e != nil {
		return nil, e.(error)
	}
	return out[0].Interface(), nil
}

// toProto calls the generated ToProto of a model.
func toProto(model any) (proto.Message, error) {
	out := reflect.ValueOf(model).MethodByName("ToProto").Call(nil)
	if e := out[1].Interface(); e != nil {
		return nil, e.(error)
	}
	return out[0].Interface().(proto.Message), nil
}

// order lists the models so that every model comes after the ones its
// foreign keys reference (self-references aside).
func (reg *registry) order() []*modelInfo {
	var out []*modelInfo
	state := map[*modelInfo]int{}
	var visit func(mi *modelInfo)
	visit = func(mi *modelInfo) {
		if state[mi] != 0 {
			return
		}
		state[mi] = 1
		if mi.parent != nil {
			visit(mi.parent)
		}
		for i := 0; i < mi.desc.Fields().Len(); i++ {
			if t := mi.resRefs[mi.desc.Fields().Get(i)]; t != nil {
				visit(t)
			}
		}
		for i := 0; i < mi.desc.Fields().Len(); i++ {
			if t := mi.refs[mi.desc.Fields().Get(i)]; t != nil && t != mi {
				visit(t)
			}
		}
		state[mi] = 2
		out = append(out, mi)
	}
	for _, mi := range reg.models {
		visit(mi)
	}
	return out
}

// parentPattern is the pattern of the parent of mi's name: without the
// last collection and id, or a singleton's collection.
func (mi *modelInfo) parentPattern() string {
	parts := strings.Split(mi.pattern, "/")
	cut := 2
	if mi.singleton {
		cut = 1
	}
	return strings.Join(parts[:len(parts)-cut], "/")
}

// glob is a name pattern with its variables as "*".
func glob(pattern string) string {
	parts := strings.Split(pattern, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") {
			parts[i] = "*"
		}
	}
	return strings.Join(parts, "/")
}

// placeParent chooses the parent the rows of mi go under: the stored row
// of its parent model, or a name of the parent pattern when the parent is
// no model of the case.
func (mi *modelInfo) placeParent(stored map[*modelInfo]protoreflect.Value) error {
	parts := strings.Split(mi.pattern, "/")
	if mi.parent != nil {
		v, ok := stored[mi.parent]
		if !ok {
			return fmt.Errorf("%s is named under %s, which has no stored row", mi.desc.FullName(), mi.parent.desc.FullName())
		}
		mi.parentName = v.String()
	} else {
		pp := strings.Split(mi.parentPattern(), "/")
		for i, p := range pp {
			if strings.HasPrefix(p, "{") {
				pp[i] = "p1"
			}
		}
		mi.parentName = strings.Join(pp, "/")
	}
	if mi.singleton {
		// Its name is its parent's and its collection.
		mi.namePrefix = ""
		return nil
	}
	mi.namePrefix = mi.parentName + "/" + parts[len(parts)-2] + "/"
	return nil
}

// singletonName is the name of the singleton under parentName.
func (mi *modelInfo) singletonName() string {
	parts := strings.Split(mi.pattern, "/")
	return mi.parentName + "/" + parts[len(parts)-1]
}
