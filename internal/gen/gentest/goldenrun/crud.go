package goldenrun

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/protoforge/protoforge/crudrt"
	protoforgev1 "github.com/protoforge/protoforge/options/protoforge/v1"
)

// op is a standard method.
type op int

const (
	opNone op = iota
	opGet
	opList
	opCreate
	opUpdate
	opDelete
	opUndelete
	opBatchGet
	opBatchCreate
	opBatchDelete
	opBatchUpdate
)

// prefixes recognise methods by name, as DESIGN.md §6 does; batch names
// first, since they are not prefixes of the others.
var prefixes = []struct {
	prefix string
	op     op
}{
	{"BatchGet", opBatchGet}, {"BatchCreate", opBatchCreate}, {"BatchUpdate", opBatchUpdate}, {"BatchDelete", opBatchDelete},
	{"Undelete", opUndelete}, {"Get", opGet}, {"List", opList}, {"Create", opCreate},
	{"Update", opUpdate}, {"Delete", opDelete},
}

var explicitOps = map[protoforgev1.Operation]op{
	protoforgev1.Operation_OPERATION_GET: opGet, protoforgev1.Operation_OPERATION_LIST: opList,
	protoforgev1.Operation_OPERATION_CREATE: opCreate, protoforgev1.Operation_OPERATION_UPDATE: opUpdate,
	protoforgev1.Operation_OPERATION_DELETE: opDelete, protoforgev1.Operation_OPERATION_UNDELETE: opUndelete,
	protoforgev1.Operation_OPERATION_BATCH_GET: opBatchGet, protoforgev1.Operation_OPERATION_BATCH_CREATE: opBatchCreate,
	protoforgev1.Operation_OPERATION_BATCH_DELETE: opBatchDelete, protoforgev1.Operation_OPERATION_BATCH_UPDATE: opBatchUpdate,
}

// method is one standard method of a generated service.
type method struct {
	name string
	desc protoreflect.MethodDescriptor
	fn   reflect.Value
	in   reflect.Type
}

// newRequest is an empty request of m.
func (m *method) newRequest() protoreflect.Message {
	return reflect.New(m.in.Elem()).Interface().(proto.Message).ProtoReflect()
}

// field is the request field name of m, or nil.
func (m *method) field(name protoreflect.Name) protoreflect.FieldDescriptor {
	return m.desc.Input().Fields().ByName(name)
}

// service exercises one generated <Service>CRUD.
type service struct {
	x    *exercise
	name string
	mi   *modelInfo
	ops  map[op]*method
	// baseline holds the rows stored before the service's first call (the
	// ORM step's), by key.
	baseline map[string]proto.Message
	// rows are the resources created through the service, as last
	// returned; deleted ones are gone from live.
	rows []proto.Message
	live map[string]proto.Message
}

// crud calls the standard methods of s in AIP order, model by model, and
// checks their results.
func (x *exercise) crud(s Service) {
	step := s.Name
	x.r.guard(step, func() {
		svs, err := x.newServices(s)
		if !x.r.check(step, err) {
			return
		}
		for _, sv := range svs {
			sv.run()
		}
	})
}

// newServices builds the generated service s on the database and finds
// its standard methods, grouped by the model each manages: one service
// may serve several models.
func (x *exercise) newServices(s Service) ([]*service, error) {
	sd, err := findService(s.Name)
	if err != nil {
		return nil, err
	}
	newFn := reflect.ValueOf(s.New)
	implemented := map[string]bool{}
	for _, m := range s.Methods {
		implemented[m] = true
	}
	type found struct {
		o  op
		m  *method
		mi *modelInfo
	}
	var standard []found
	var custom []*method
	byModel := map[*modelInfo]*service{}
	var svs []*service
	methods := sd.Methods()
	for i := 0; i < methods.Len(); i++ {
		md := methods.Get(i)
		goName := goCamel(string(md.Name()))
		if !implemented[goName] {
			continue
		}
		o := recognise(md, goName)
		if o == opNone {
			// A method left to the user: the generated type answers a
			// unary one Unimplemented.
			if !md.IsStreamingClient() && !md.IsStreamingServer() {
				custom = append(custom, &method{name: goName, desc: md})
			}
			continue
		}
		mi := x.modelOf(md)
		if mi == nil {
			// Named only in its name (BatchDeleteBooks,
			// DeleteShelfConfig): the longest model name it holds.
			for _, c := range x.reg.models {
				if n := string(c.desc.Name()); strings.Contains(goName, n) && (mi == nil || len(n) > len(mi.desc.Name())) {
					mi = c
				}
			}
			if mi != nil && !mi.singleton {
				mi = nil // as before: the services' models decide
			}
		}
		if mi != nil && mi.singleton && o != opGet && o != opUpdate && (o != opList || mi.parent == nil) {
			// AIP-156: the generated type leaves it to the user (a List
			// lists the parents, which must be models of the case).
			custom = append(custom, &method{name: goName, desc: md})
			continue
		}
		standard = append(standard, found{o, &method{name: goName, desc: md}, mi})
		if mi != nil && byModel[mi] == nil {
			byModel[mi] = &service{x: x, name: s.Name, mi: mi, ops: map[op]*method{}, live: map[string]proto.Message{}}
			svs = append(svs, byModel[mi])
		}
	}
	if len(svs) == 0 {
		return nil, fmt.Errorf("no standard method of %s names a model of the case", sd.FullName())
	}
	for _, f := range standard {
		sv := byModel[f.mi]
		if sv == nil {
			// BatchDeleteBooks names its model only in its name, by the
			// model's name or by its table's (BatchDeleteShelves).
			sv = svs[0]
			best := 0
			for _, c := range svs {
				for _, noun := range []string{string(c.mi.desc.Name()), goCamel(c.mi.table)} {
					if n := len(noun); strings.Contains(f.m.name, noun) && n > best {
						sv, best = c, n
					}
				}
			}
		}
		sv.ops[f.o] = f.m
	}
	var opts []reflect.Value
	for _, sv := range svs {
		if sv.mi.tenant != nil {
			v := tenantValue(sv.mi.tenant).Interface()
			if i, ok := v.(int32); ok {
				v = int64(i)
			}
			opts = append(opts, reflect.ValueOf(crudrt.WithTenant(func(context.Context) (any, error) { return v, nil })))
			break
		}
	}
	if newFn.Kind() != reflect.Func {
		return nil, fmt.Errorf("New%sCRUD is %T, not a function", s.Name, s.New)
	}
	impl := newFn.Call(append([]reflect.Value{reflect.ValueOf(x.db)}, opts...))[0]
	for _, m := range custom {
		step := s.Name + "." + m.name + ": left to the user"
		fn := impl.MethodByName(m.name)
		if !fn.IsValid() {
			x.r.fail(step, "%s has no method %s", impl.Type(), m.name)
			continue
		}
		req := reflect.New(fn.Type().In(1).Elem()).Interface().(proto.Message)
		if _, err := callMethod(fn, req); codeOf(err) != codes.Unimplemented {
			x.r.fail(step, "got %v (code %v); want Unimplemented", err, codeOf(err))
		} else {
			x.r.ok(step)
		}
	}
	for _, sv := range svs {
		for o, m := range sv.ops {
			m.fn = impl.MethodByName(m.name)
			if !m.fn.IsValid() {
				return nil, fmt.Errorf("%s has no method %s", impl.Type(), m.name)
			}
			m.in = m.fn.Type().In(1)
			sv.ops[o] = m
		}
	}
	return svs, nil
}

// findService finds the service with Go name goName among the registered
// files.
func findService(goName string) (protoreflect.ServiceDescriptor, error) {
	var found []protoreflect.ServiceDescriptor
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		for i := 0; i < fd.Services().Len(); i++ {
			if sd := fd.Services().Get(i); goCamel(string(sd.Name())) == goName {
				found = append(found, sd)
			}
		}
		return true
	})
	if len(found) != 1 {
		return nil, fmt.Errorf("%d registered services named %s; want 1", len(found), goName)
	}
	return found[0], nil
}

// goCamel is protoc-gen-go's Go name of a proto identifier.
func goCamel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_' && i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z':
		case i == 0 || s[i-1] == '_' || s[i-1] >= '0' && s[i-1] <= '9':
			// As protoc-gen-go: a letter after a digit starts a word.
			if c >= 'a' && c <= 'z' {
				c -= 'a' - 'A'
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// recognise tells which standard method md is: its
// (protoforge.v1.method).operation, else its name's verb.
func recognise(md protoreflect.MethodDescriptor, goName string) op {
	mopts, _ := proto.GetExtension(md.Options(), protoforgev1.E_Method).(*protoforgev1.MethodOptions)
	switch o := mopts.GetOperation(); o {
	case protoforgev1.Operation_OPERATION_NONE:
		return opNone
	case protoforgev1.Operation_OPERATION_UNSPECIFIED:
	default:
		return explicitOps[o]
	}
	for _, p := range prefixes {
		if strings.HasPrefix(goName, p.prefix) {
			return p.op
		}
	}
	return opNone
}

// modelOf is the model a method returns, lists or takes.
func (x *exercise) modelOf(md protoreflect.MethodDescriptor) *modelInfo {
	if mi := x.reg.byName[outputOf(md).FullName()]; mi != nil {
		return mi
	}
	for _, msg := range []protoreflect.MessageDescriptor{outputOf(md), md.Input()} {
		fields := msg.Fields()
		for i := 0; i < fields.Len(); i++ {
			if fd := fields.Get(i); fd.Message() != nil {
				if mi := x.reg.byName[fd.Message().FullName()]; mi != nil {
					return mi
				}
			}
		}
	}
	return nil
}

// step names a check of method o: "ShelfService.GetShelf: after Create".
func (s *service) step(o op, what string) string {
	name := "?"
	if m := s.ops[o]; m != nil {
		name = m.name
	}
	if what == "" {
		return s.name + "." + name
	}
	return s.name + "." + name + ": " + what
}

// call calls o with req.
func (s *service) call(o op, req protoreflect.Message) (proto.Message, error) {
	if fd := req.Descriptor().Fields().ByName("parent"); s.mi.underParent && fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() && !req.Has(fd) {
		// Calls of a resource under a parent go under its parent.
		req.Set(fd, protoreflect.ValueOfString(s.mi.parentName))
	}
	out, err := callMethod(s.ops[o].fn, req.Interface())
	if err != nil {
		return out, err
	}
	return unwrapOperation(s.ops[o].desc, out)
}

// codeOf is the gRPC code of err, as grpc-go and connect-go clients see it.
func codeOf(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	if st, ok := status.FromError(err); ok {
		return st.Code()
	}
	var ce *connect.Error
	if errors.As(err, &ce) {
		return codes.Code(ce.Code())
	}
	return codes.Unknown
}

// keyOf is the key of a resource.
func (s *service) keyOf(m proto.Message) protoreflect.Value {
	return m.ProtoReflect().Get(s.mi.keys[0])
}

// keyString is a key as resource names and maps spell it.
func keyString(v protoreflect.Value) string {
	switch x := v.Interface().(type) {
	case string:
		return x
	case protoreflect.EnumNumber:
		return strconv.Itoa(int(x))
	default:
		return fmt.Sprint(x)
	}
}

// setKey names the resource with key in req: its key field, or its
// AIP-122 name "<collection>/<key>".
func (s *service) setKey(o op, req protoreflect.Message, key protoreflect.Value) error {
	k := s.mi.keys[0]
	m := s.ops[o]
	if fd := m.field(k.Name()); fd != nil && !fd.IsList() {
		req.Set(fd, key)
		return nil
	}
	if fd := m.field("name"); fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() {
		req.Set(fd, protoreflect.ValueOfString(s.mi.collection+"/"+keyString(key)))
		return nil
	}
	return fmt.Errorf("request %s has neither %q nor name", m.desc.Input().FullName(), k.Name())
}

// setKeys names resources in a batch request: its repeated `<key>s` or
// `names`.
func (s *service) setKeys(o op, req protoreflect.Message, keys []protoreflect.Value) error {
	k := s.mi.keys[0]
	m := s.ops[o]
	if fd := m.field(k.Name() + "s"); fd != nil && fd.IsList() {
		l := req.Mutable(fd).List()
		for _, v := range keys {
			l.Append(v)
		}
		return nil
	}
	if fd := m.field("names"); fd != nil && fd.IsList() {
		l := req.Mutable(fd).List()
		for _, v := range keys {
			l.Append(protoreflect.ValueOfString(s.mi.collection + "/" + keyString(v)))
		}
		return nil
	}
	return fmt.Errorf("request %s has neither %ss nor names", m.desc.Input().FullName(), k.Name())
}

// resourceField is the field of msg holding the model (Create's `book`).
func (s *service) resourceField(msg protoreflect.MessageDescriptor) protoreflect.FieldDescriptor {
	fields := msg.Fields()
	for i := 0; i < fields.Len(); i++ {
		if fd := fields.Get(i); !fd.IsList() && fd.Message() != nil && fd.Message().FullName() == s.mi.desc.FullName() {
			return fd
		}
	}
	return nil
}

// itemsField is the repeated field of the model in a response.
func (s *service) itemsField(msg protoreflect.MessageDescriptor) protoreflect.FieldDescriptor {
	fields := msg.Fields()
	for i := 0; i < fields.Len(); i++ {
		if fd := fields.Get(i); fd.IsList() && fd.Message() != nil && fd.Message().FullName() == s.mi.desc.FullName() {
			return fd
		}
	}
	return nil
}

func items(resp proto.Message, fd protoreflect.FieldDescriptor) []proto.Message {
	l := resp.ProtoReflect().Get(fd).List()
	out := make([]proto.Message, l.Len())
	for i := range out {
		out[i] = l.Get(i).Message().Interface()
	}
	return out
}

// rowCount is how many resources the service creates one by one; List
// pages hold pageSize, fewer, so that List takes several pages.
const (
	rowCount = 3
	pageSize = 2
)

// run is the sequence of calls: Create, Get, List, Update, Delete,
// Undelete, Batch*, and List again.
func (s *service) run() {
	if s.mi.singleton {
		s.singleton()
		return
	}
	s.baseline = s.storedRows()
	if !s.create() {
		return
	}
	s.get()
	s.list("after Create")
	s.update()
	s.delete()
	s.undelete()
	s.batch()
	s.list("at the end")
}

// storedRows lists the rows of the model the ORM step stored, read with
// GORM, as the rows List must show besides the created ones.
func (s *service) storedRows() map[string]proto.Message {
	out := map[string]proto.Message{}
	slice := reflect.New(reflect.SliceOf(s.mi.model))
	if err := s.x.db.Find(slice.Interface()).Error; err != nil {
		s.x.r.fail(s.name+": rows before the first call", "%v", err)
		return out
	}
	for i := 0; i < slice.Elem().Len(); i++ {
		p, err := toProto(slice.Elem().Index(i).Interface())
		if err != nil {
			s.x.r.fail(s.name+": rows before the first call", "%v", err)
			continue
		}
		out[keyString(s.keyOf(p))] = p
	}
	return out
}
