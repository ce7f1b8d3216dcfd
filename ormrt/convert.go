package ormrt

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"
)

// The conversions between a message and its generated model are data: each
// model field that stores a proto field carries a struct tag naming it,
//
//	protoforge:"<field's full name>[,<option>]"
//
// and CopyToModel and CopyToProto convert every tagged field by its tag, its
// Go type and the field's descriptor, read once per model type. The options
// are
//   - nanos: an int64 column holding a Timestamp or a Duration in
//     nanoseconds (TimestampToNanos, DurationToNanos);
//   - micros: an int64 column holding a Duration in microseconds
//     (DurationToMicros);
//   - name: a column holding the resource name or a part of it (or of a
//     reference), which the generated ToModel and ToProto convert with
//     ScanName, NameOf and RefIDs; CopyToModel and CopyToProto leave it.
//
// A column of type JSON stores any field through FieldToJSON and
// JSONToField. A Timestamp is a *time.Time (TimestampToTime), or a
// gorm.DeletedAt for the soft-delete column. Every other field is stored
// in a column of the same representation: a pointer where the field has
// presence (optional fields, wrapper types and oneof members), nil being
// absent; an enum by its number in an int32, or by its name in a string
// (EnumToName). Bytes without presence are never nil in the model (their
// columns are NOT NULL).
//
// Fields of the message's own Go struct (wrapper types included) are read
// and written in place, as protobuf-go's generated code does, after their
// Go types have been checked against the tag once; oneof members, JSON
// columns and messages of other implementations (dynamicpb) go through
// protoreflect.

// CopyToModel sets every tagged field of model m, a pointer to a generated
// model struct, from message x, whose type the tags name. It fails, naming
// the field, on a value the column cannot hold (see TimestampToTime,
// FieldToJSON); and on a model whose tags do not describe x, naming the
// model's field. Fields without a tag (associations) or with the option
// name are left as they are.
func CopyToModel(x proto.Message, m any) error { return copyFields(x, m, true) }

// CopyToProto sets every tagged field of message x from model m, the
// inverse of CopyToModel. x is expected to be new: a oneof member set in x
// when another one is set in m is an error, as two members set in m are.
func CopyToProto(m any, x proto.Message) error { return copyFields(x, m, false) }

// copyFields converts the tagged fields of m from x, or of x from m.
func copyFields(x proto.Message, m any, toModel bool) error {
	p, xp, mp, err := convPlanFor(x, m)
	if err != nil {
		return err
	}
	var pr protoreflect.Message
	for i := range p.fields {
		f := &p.fields[i]
		mf := unsafe.Add(mp, f.mOff)
		if f.direct {
			xf := unsafe.Add(xp, f.pOff)
			if toModel {
				err = f.toModelDirect(mf, xf)
			} else {
				err = f.toProtoDirect(xf, mf)
			}
		}
		if !f.direct || err == errReflect {
			if pr == nil {
				pr = x.ProtoReflect()
			}
			if toModel {
				err = f.toModelReflect(mf, pr)
			} else {
				err = f.toProtoReflect(pr, mf)
			}
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// convOp is how one field converts.
type convOp uint8

const (
	convScalar           convOp = iota // the same representation on both sides (kind)
	convOptional                       // pointers to the same representation; nil is absent
	convBytes                          // bytes without presence; nil is stored as empty
	convBytesOptional                  // bytes with presence; nil is absent
	convEnumName                       // an enum number ↔ its name (EnumToName)
	convEnumNameOptional               // the same with presence: *string
	convTime                           // Timestamp ↔ *time.Time
	convDeletedAt                      // Timestamp ↔ gorm.DeletedAt
	convTimeNanos                      // Timestamp ↔ *int64 nanoseconds
	convDurationMicros                 // Duration ↔ *int64 microseconds
	convDurationNanos                  // Duration ↔ *int64 nanoseconds
	convJSON                           // any field ↔ JSON
	convJSONStrings                    // a []string ↔ JSON, in place
	convJSONStringMap                  // a map[string]string ↔ JSON, in place
)

// errReflect is what a conversion in place answers when a value needs
// protoreflect (to report an error as protojson does).
var errReflect = errors.New("ormrt: through protoreflect")

// convField is the conversion of one tagged model field.
type convField struct {
	op   convOp
	kind reflect.Kind // of the value, for convScalar and convOptional
	name string       // the proto field's full name, which errors name
	fd   protoreflect.FieldDescriptor
	// oneof is the (non-synthetic) oneof fd belongs to, or nil.
	oneof protoreflect.OneofDescriptor
	// wrapper is the value field of fd's wrapper message, or nil.
	wrapper protoreflect.FieldDescriptor
	mOff    uintptr      // offset of the model field
	mType   reflect.Type // type of the model field
	// direct reports that the message's Go struct holds the field at
	// pOff with the Go type op expects; otherwise protoreflect is used.
	direct bool
	pOff   uintptr
}

type convPlan struct {
	// md is the message's descriptor, which a message whose Go type is
	// not a generated one (dynamicpb) is checked against on each call.
	md      protoreflect.MessageDescriptor
	checkMD bool
	fields  []convField
	err     error
}

// convKey is what a plan is made for: the model's and the message's Go
// types (pointers).
// convKey is a model type and a message type, by the type words of the
// interfaces that hold them: comparing and hashing two pointers costs a
// fraction of two reflect.Types in an interface each, on every call.
type convKey struct{ model, msg unsafe.Pointer }

// typeWord is the type word of the interface that holds v: one pointer per
// dynamic type.
func typeWord(v any) unsafe.Pointer {
	return (*[2]unsafe.Pointer)(unsafe.Pointer(&v))[0]
}

var convPlans sync.Map // convKey → *convPlan

// convPlanFor returns the plan of m's type and the addresses of the
// structs x and m point to.
func convPlanFor(x proto.Message, m any) (*convPlan, unsafe.Pointer, unsafe.Pointer, error) {
	mv := reflect.ValueOf(m)
	if mv.Kind() != reflect.Pointer || mv.Type().Elem().Kind() != reflect.Struct || mv.IsNil() {
		return nil, nil, nil, fieldErrorf(fmt.Sprintf("%T", m), "not a non-nil pointer to a model struct")
	}
	xv := reflect.ValueOf(x)
	if xv.Kind() != reflect.Pointer || xv.Type().Elem().Kind() != reflect.Struct || xv.IsNil() {
		return nil, nil, nil, fieldErrorf(fmt.Sprintf("%T", m), "converting %T, not a non-nil pointer to a message", x)
	}
	key := convKey{typeWord(m), typeWord(x)}
	var p *convPlan
	if got, ok := convPlans.Load(key); ok {
		p = got.(*convPlan)
	} else {
		got, _ := convPlans.LoadOrStore(key, newConvPlan(mv.Type().Elem(), x))
		p = got.(*convPlan)
	}
	if p.err != nil {
		return nil, nil, nil, p.err
	}
	if p.checkMD {
		if md := x.ProtoReflect().Descriptor(); md != p.md {
			// Another message of the same implementation: its own plan.
			np := newConvPlan(mv.Type().Elem(), x)
			if np.err != nil {
				return nil, nil, nil, np.err
			}
			p = np
		}
	}
	return p, xv.UnsafePointer(), mv.UnsafePointer(), nil
}

var (
	typeTime      = reflect.TypeFor[*time.Time]()
	typeDeletedAt = reflect.TypeFor[gorm.DeletedAt]()
	typeInt64Ptr  = reflect.TypeFor[*int64]()
	typeJSON      = reflect.TypeFor[JSON]()
	typeBytes     = reflect.TypeFor[[]byte]()
	typeTimestamp = reflect.TypeFor[*timestamppb.Timestamp]()
	typeDuration  = reflect.TypeFor[*durationpb.Duration]()
)

// newConvPlan reads the protoforge tags of model struct t, whose message
// is x's.
func newConvPlan(t reflect.Type, x proto.Message) *convPlan {
	md := x.ProtoReflect().Descriptor()
	goFields := protoGoFields(reflect.TypeOf(x).Elem())
	p := &convPlan{md: md, checkMD: len(goFields) == 0}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		tag, ok := sf.Tag.Lookup("protoforge")
		if !ok {
			continue
		}
		f, err := newConvField(sf, tag, md, goFields)
		if err != nil {
			p.err = &FieldError{Field: t.String() + "." + sf.Name, Err: err}
			return p
		}
		if f != nil {
			p.fields = append(p.fields, *f)
		}
	}
	return p
}

// protoGoFields maps the field numbers of a generated message struct to
// its Go fields, from their protobuf struct tags ("varint,1,opt,name=id").
// Oneof members live in wrapper types and are not listed.
func protoGoFields(t reflect.Type) map[protoreflect.FieldNumber]reflect.StructField {
	out := map[protoreflect.FieldNumber]reflect.StructField{}
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		parts := strings.Split(sf.Tag.Get("protobuf"), ",")
		if len(parts) < 2 {
			continue
		}
		if n, err := strconv.ParseInt(parts[1], 10, 32); err == nil {
			out[protoreflect.FieldNumber(n)] = sf
		}
	}
	return out
}

// tagField parses a protoforge tag: the field's full name and the option.
func tagField(tag string) (name, option string) {
	name, option, _ = strings.Cut(tag, ",")
	return name, option
}

func newConvField(sf reflect.StructField, tag string, md protoreflect.MessageDescriptor, goFields map[protoreflect.FieldNumber]reflect.StructField) (*convField, error) {
	name, option := tagField(tag)
	switch option {
	case "", "nanos", "micros":
	case "name":
		return nil, nil // the generated code converts names
	default:
		return nil, fmt.Errorf("protoforge tag %q: unknown option %q (want nanos, micros or name)", tag, option)
	}
	short, ok := strings.CutPrefix(name, string(md.FullName())+".")
	if !ok {
		return nil, fmt.Errorf("protoforge tag %q names no field of %s", tag, md.FullName())
	}
	fd := md.Fields().ByName(protoreflect.Name(short))
	if fd == nil {
		return nil, fmt.Errorf("protoforge tag %q names no field of %s", tag, md.FullName())
	}
	f := &convField{name: name, fd: fd, mOff: sf.Offset, mType: sf.Type}
	if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
		f.oneof = od
	}
	mt := sf.Type
	cannot := func() (*convField, error) {
		what := fd.Kind().String()
		if fd.Message() != nil {
			what = string(fd.Message().FullName())
		}
		if fd.IsList() || fd.IsMap() {
			what = "repeated " + what
		}
		opt := ""
		if option != "" {
			opt = " with option " + option
		}
		return nil, fmt.Errorf("a %s cannot store %s (%s)%s", mt, name, what, opt)
	}
	if mt == typeJSON {
		if option != "" {
			return cannot()
		}
		f.op = convJSON
		gf, ok := goFields[fd.Number()]
		switch {
		case !ok || f.oneof != nil:
		case fd.IsList() && fd.Kind() == protoreflect.StringKind && gf.Type == reflect.TypeFor[[]string]():
			f.op, f.direct, f.pOff = convJSONStrings, true, gf.Offset
		case fd.IsMap() && fd.MapKey().Kind() == protoreflect.StringKind && fd.MapValue().Kind() == protoreflect.StringKind &&
			gf.Type == reflect.TypeFor[map[string]string]():
			f.op, f.direct, f.pOff = convJSONStringMap, true, gf.Offset
		}
		return f, nil
	}
	if fd.IsList() || fd.IsMap() {
		return cannot()
	}
	var want reflect.Type // the message's Go field type of a direct op
	if msg := fd.Message(); msg != nil {
		switch msg.FullName() {
		case "google.protobuf.Timestamp":
			want = typeTimestamp
			switch {
			case mt == typeTime && option == "":
				f.op = convTime
			case mt == typeDeletedAt && option == "":
				f.op = convDeletedAt
			case mt == typeInt64Ptr && option == "nanos":
				f.op = convTimeNanos
			default:
				return cannot()
			}
		case "google.protobuf.Duration":
			want = typeDuration
			switch {
			case mt == typeInt64Ptr && option == "micros":
				f.op = convDurationMicros
			case mt == typeInt64Ptr && option == "nanos":
				f.op = convDurationNanos
			default:
				return cannot()
			}
		default:
			if !isWrapper(msg) || option != "" {
				return cannot()
			}
			f.wrapper = msg.Fields().ByName("value")
			if !f.valueOp(f.wrapper, true) {
				return cannot()
			}
			want = wrapperTypes[msg.Name()]
		}
	} else {
		if option != "" || !f.valueOp(fd, fd.HasPresence()) {
			return cannot()
		}
		want = f.protoGoType()
	}
	if gf, ok := goFields[fd.Number()]; ok && f.oneof == nil && want != nil && sameRepr(gf.Type, want) {
		f.direct, f.pOff = true, gf.Offset
	}
	return f, nil
}

// wrapperTypes are the Go types of the wrapper messages, by name.
var wrapperTypes = map[protoreflect.Name]reflect.Type{
	"BoolValue":   reflect.TypeFor[*wrapperspb.BoolValue](),
	"Int32Value":  reflect.TypeFor[*wrapperspb.Int32Value](),
	"Int64Value":  reflect.TypeFor[*wrapperspb.Int64Value](),
	"UInt32Value": reflect.TypeFor[*wrapperspb.UInt32Value](),
	"UInt64Value": reflect.TypeFor[*wrapperspb.UInt64Value](),
	"FloatValue":  reflect.TypeFor[*wrapperspb.FloatValue](),
	"DoubleValue": reflect.TypeFor[*wrapperspb.DoubleValue](),
	"StringValue": reflect.TypeFor[*wrapperspb.StringValue](),
	"BytesValue":  reflect.TypeFor[*wrapperspb.BytesValue](),
}

// isWrapper reports whether md is one of the google.protobuf wrapper types.
func isWrapper(md protoreflect.MessageDescriptor) bool {
	return md.ParentFile().Package() == "google.protobuf" && wrapperTypes[md.Name()] != nil
}

// valueOp sets the op of a scalar or enum value vfd, with or without
// presence, for the model field's type, and reports whether they fit.
func (f *convField) valueOp(vfd protoreflect.FieldDescriptor, presence bool) bool {
	mt := f.mType
	if presence {
		if vfd.Kind() == protoreflect.BytesKind {
			f.op = convBytesOptional
			return mt.Kind() == reflect.Slice && mt.Elem().Kind() == reflect.Uint8
		}
		if mt.Kind() != reflect.Pointer {
			return false
		}
		mt = mt.Elem()
	}
	switch {
	case vfd.Kind() == protoreflect.BytesKind:
		f.op = convBytes
		return mt.Kind() == reflect.Slice && mt.Elem().Kind() == reflect.Uint8
	case vfd.Kind() == protoreflect.EnumKind && mt.Kind() == reflect.String:
		f.op = convEnumName
		if presence {
			f.op = convEnumNameOptional
		}
		return true
	}
	f.kind = goKind(vfd.Kind())
	f.op = convScalar
	if presence {
		f.op = convOptional
	}
	return f.kind != reflect.Invalid && mt.Kind() == f.kind
}

// goKind is the Go kind protobuf-go gives a scalar kind (enums: int32).
func goKind(k protoreflect.Kind) reflect.Kind {
	switch k {
	case protoreflect.BoolKind:
		return reflect.Bool
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind, protoreflect.EnumKind:
		return reflect.Int32
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return reflect.Uint32
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return reflect.Int64
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return reflect.Uint64
	case protoreflect.FloatKind:
		return reflect.Float32
	case protoreflect.DoubleKind:
		return reflect.Float64
	case protoreflect.StringKind:
		return reflect.String
	}
	return reflect.Invalid
}

// protoGoType is the Go type (up to names) the message's struct gives a
// field converted by f.op: a sample of the representation sameRepr checks.
func (f *convField) protoGoType() reflect.Type {
	switch f.op {
	case convScalar, convEnumName:
		k := f.kind
		if f.op == convEnumName {
			k = reflect.Int32
		}
		return kindType(k)
	case convOptional, convEnumNameOptional:
		k := f.kind
		if f.op == convEnumNameOptional {
			k = reflect.Int32
		}
		if t := kindType(k); t != nil {
			return reflect.PointerTo(t)
		}
	case convBytes, convBytesOptional:
		return typeBytes
	}
	return nil
}

func kindType(k reflect.Kind) reflect.Type {
	switch k {
	case reflect.Bool:
		return reflect.TypeFor[bool]()
	case reflect.Int32:
		return reflect.TypeFor[int32]()
	case reflect.Uint32:
		return reflect.TypeFor[uint32]()
	case reflect.Int64:
		return reflect.TypeFor[int64]()
	case reflect.Uint64:
		return reflect.TypeFor[uint64]()
	case reflect.Float32:
		return reflect.TypeFor[float32]()
	case reflect.Float64:
		return reflect.TypeFor[float64]()
	case reflect.String:
		return reflect.TypeFor[string]()
	}
	return nil
}

// sameRepr reports whether a value of type got can be read and written as
// one of type want: the same type, or the same kind (through a pointer,
// or a slice of bytes) under another name, as an enum is an int32.
func sameRepr(got, want reflect.Type) bool {
	if got == want {
		return true
	}
	if got.Kind() != want.Kind() {
		return false
	}
	switch got.Kind() {
	case reflect.Pointer:
		if want.Elem().Kind() == reflect.Struct {
			return false // a message: only the very type
		}
		return sameRepr(got.Elem(), want.Elem())
	case reflect.Slice:
		return got.Elem().Kind() == reflect.Uint8 && want.Elem().Kind() == reflect.Uint8
	case reflect.Bool, reflect.Int32, reflect.Uint32, reflect.Int64, reflect.Uint64, reflect.Float32, reflect.Float64, reflect.String:
		return true
	}
	return false
}

// copyScalar copies a value of kind k from src to dst, bit for bit.
func copyScalar(k reflect.Kind, dst, src unsafe.Pointer) {
	switch k {
	case reflect.Bool:
		*(*bool)(dst) = *(*bool)(src)
	case reflect.Int32, reflect.Uint32, reflect.Float32:
		*(*uint32)(dst) = *(*uint32)(src)
	case reflect.Int64, reflect.Uint64, reflect.Float64:
		*(*uint64)(dst) = *(*uint64)(src)
	case reflect.String:
		*(*string)(dst) = *(*string)(src)
	}
}

// copyOptional copies a pointer to a value of kind k from src to dst, to
// a copy of the value; nil stays nil.
func copyOptional(k reflect.Kind, dst, src unsafe.Pointer) {
	switch k {
	case reflect.Bool:
		*(**bool)(dst) = clonePtr(*(**bool)(src))
	case reflect.Int32, reflect.Uint32, reflect.Float32:
		*(**uint32)(dst) = clonePtr(*(**uint32)(src))
	case reflect.Int64, reflect.Uint64, reflect.Float64:
		*(**uint64)(dst) = clonePtr(*(**uint64)(src))
	case reflect.String:
		*(**string)(dst) = clonePtr(*(**string)(src))
	}
}

func clonePtr[T any](p *T) *T {
	if p == nil {
		return nil
	}
	v := *p
	return &v
}

// toModelDirect converts the message's Go field at src into the model's
// field at dst.
func (f *convField) toModelDirect(dst, src unsafe.Pointer) error {
	if f.wrapper != nil {
		wrapperToModel(f.wrapper.Kind(), dst, *(*unsafe.Pointer)(src))
		return nil
	}
	switch f.op {
	case convScalar:
		copyScalar(f.kind, dst, src)
	case convOptional:
		copyOptional(f.kind, dst, src)
	case convBytes:
		*(*[]byte)(dst) = NonNilBytes(*(*[]byte)(src))
	case convBytesOptional:
		*(*[]byte)(dst) = *(*[]byte)(src)
	case convEnumName:
		*(*string)(dst) = EnumToName(protoreflect.EnumNumber(*(*int32)(src)), f.fd.Enum())
	case convEnumNameOptional:
		*(**string)(dst) = nil
		if n := *(**int32)(src); n != nil {
			s := EnumToName(protoreflect.EnumNumber(*n), f.fd.Enum())
			*(**string)(dst) = &s
		}
	case convTime, convDeletedAt, convTimeNanos:
		return f.timestampToModel(dst, *(**timestamppb.Timestamp)(src))
	case convDurationMicros, convDurationNanos:
		return f.durationToModel(dst, *(**durationpb.Duration)(src))
	case convJSONStrings, convJSONStringMap:
		var j JSON
		var ok bool
		if f.op == convJSONStrings {
			j, ok = encodeStrings(*(*[]string)(src))
		} else {
			j, ok = encodeStringMap(*(*map[string]string)(src))
		}
		if !ok {
			return errReflect
		}
		*(*JSON)(dst) = j
	}
	return nil
}

// toProtoDirect converts the model's field at src into the message's Go
// field at dst.
func (f *convField) toProtoDirect(dst, src unsafe.Pointer) error {
	if f.wrapper != nil {
		*(*unsafe.Pointer)(dst) = modelToWrapper(f.wrapper.Kind(), src)
		return nil
	}
	switch f.op {
	case convScalar:
		copyScalar(f.kind, dst, src)
	case convOptional:
		copyOptional(f.kind, dst, src)
	case convBytes, convBytesOptional:
		*(*[]byte)(dst) = *(*[]byte)(src)
	case convEnumName:
		n, err := EnumFromName(*(*string)(src), f.fd.Enum(), f.name)
		if err != nil {
			return err
		}
		*(*int32)(dst) = int32(n)
	case convEnumNameOptional:
		*(**int32)(dst) = nil
		if s := *(**string)(src); s != nil {
			n, err := EnumFromName(*s, f.fd.Enum(), f.name)
			if err != nil {
				return err
			}
			v := int32(n)
			*(**int32)(dst) = &v
		}
	case convTime, convDeletedAt, convTimeNanos:
		*(**timestamppb.Timestamp)(dst) = f.modelToTimestamp(src)
	case convDurationMicros, convDurationNanos:
		*(**durationpb.Duration)(dst) = f.modelToDuration(src)
	case convJSONStrings:
		*(*[]string)(dst) = nil
		if j := *(*JSON)(src); j != nil && string(j) != "[]" {
			v, err := decodeStringList(j)
			if err != nil {
				return &FieldError{Field: f.name, Err: err}
			}
			*(*[]string)(dst) = v
		}
	case convJSONStringMap:
		*(*map[string]string)(dst) = nil
		if j := *(*JSON)(src); j != nil && string(j) != "{}" {
			v, err := decodeStringMap(j)
			if err != nil {
				return &FieldError{Field: f.name, Err: err}
			}
			*(*map[string]string)(dst) = v
		}
	}
	return nil
}

// wrapperToModel converts the wrapper message w of kind k (nil: absent)
// into the model's field at dst: a pointer, or bytes.
func wrapperToModel(k protoreflect.Kind, dst, w unsafe.Pointer) {
	if w == nil {
		if k == protoreflect.BytesKind {
			*(*[]byte)(dst) = nil
		} else {
			*(*unsafe.Pointer)(dst) = nil
		}
		return
	}
	switch k {
	case protoreflect.BoolKind:
		*(**bool)(dst) = clonePtr(&(*wrapperspb.BoolValue)(w).Value)
	case protoreflect.Int32Kind:
		*(**int32)(dst) = clonePtr(&(*wrapperspb.Int32Value)(w).Value)
	case protoreflect.Int64Kind:
		*(**int64)(dst) = clonePtr(&(*wrapperspb.Int64Value)(w).Value)
	case protoreflect.Uint32Kind:
		*(**uint32)(dst) = clonePtr(&(*wrapperspb.UInt32Value)(w).Value)
	case protoreflect.Uint64Kind:
		*(**uint64)(dst) = clonePtr(&(*wrapperspb.UInt64Value)(w).Value)
	case protoreflect.FloatKind:
		*(**float32)(dst) = clonePtr(&(*wrapperspb.FloatValue)(w).Value)
	case protoreflect.DoubleKind:
		*(**float64)(dst) = clonePtr(&(*wrapperspb.DoubleValue)(w).Value)
	case protoreflect.StringKind:
		*(**string)(dst) = clonePtr(&(*wrapperspb.StringValue)(w).Value)
	case protoreflect.BytesKind:
		*(*[]byte)(dst) = NonNilBytes((*wrapperspb.BytesValue)(w).Value)
	}
}

// modelToWrapper is the wrapper message of kind k that the model's field
// at src holds, or nil.
func modelToWrapper(k protoreflect.Kind, src unsafe.Pointer) unsafe.Pointer {
	if k == protoreflect.BytesKind {
		if b := *(*[]byte)(src); b != nil {
			return unsafe.Pointer(wrapperspb.Bytes(b))
		}
		return nil
	}
	p := *(*unsafe.Pointer)(src)
	if p == nil {
		return nil
	}
	switch k {
	case protoreflect.BoolKind:
		return unsafe.Pointer(wrapperspb.Bool(*(*bool)(p)))
	case protoreflect.Int32Kind:
		return unsafe.Pointer(wrapperspb.Int32(*(*int32)(p)))
	case protoreflect.Int64Kind:
		return unsafe.Pointer(wrapperspb.Int64(*(*int64)(p)))
	case protoreflect.Uint32Kind:
		return unsafe.Pointer(wrapperspb.UInt32(*(*uint32)(p)))
	case protoreflect.Uint64Kind:
		return unsafe.Pointer(wrapperspb.UInt64(*(*uint64)(p)))
	case protoreflect.FloatKind:
		return unsafe.Pointer(wrapperspb.Float(*(*float32)(p)))
	case protoreflect.DoubleKind:
		return unsafe.Pointer(wrapperspb.Double(*(*float64)(p)))
	case protoreflect.StringKind:
		return unsafe.Pointer(wrapperspb.String(*(*string)(p)))
	}
	return nil
}

func (f *convField) timestampToModel(dst unsafe.Pointer, ts *timestamppb.Timestamp) error {
	var err error
	switch f.op {
	case convTime:
		*(**time.Time)(dst), err = TimestampToTime(ts, f.name)
	case convDeletedAt:
		*(*gorm.DeletedAt)(dst), err = TimestampToDeletedAt(ts, f.name)
	case convTimeNanos:
		*(**int64)(dst), err = TimestampToNanos(ts, f.name)
	}
	return err
}

func (f *convField) durationToModel(dst unsafe.Pointer, d *durationpb.Duration) error {
	var err error
	switch f.op {
	case convDurationMicros:
		*(**int64)(dst), err = DurationToMicros(d, f.name)
	case convDurationNanos:
		*(**int64)(dst), err = DurationToNanos(d, f.name)
	}
	return err
}

func (f *convField) modelToTimestamp(src unsafe.Pointer) *timestamppb.Timestamp {
	switch f.op {
	case convTime:
		return TimeToTimestamp(*(**time.Time)(src))
	case convDeletedAt:
		return DeletedAtToTimestamp(*(*gorm.DeletedAt)(src))
	case convTimeNanos:
		return NanosToTimestamp(*(**int64)(src))
	}
	return nil
}

func (f *convField) modelToDuration(src unsafe.Pointer) *durationpb.Duration {
	switch f.op {
	case convDurationMicros:
		return MicrosToDuration(*(**int64)(src))
	case convDurationNanos:
		return NanosToDuration(*(**int64)(src))
	}
	return nil
}

// toModelReflect converts field f of pr into the model's field at dst, for
// oneof members, wrapper types, JSON columns and fields whose Go type in
// the message is not the expected one.
func (f *convField) toModelReflect(dst unsafe.Pointer, pr protoreflect.Message) error {
	if f.op == convJSON || f.op == convJSONStrings || f.op == convJSONStringMap {
		j, err := FieldToJSON(pr, f.fd.Number())
		*(*JSON)(dst) = j
		return err
	}
	mv := reflect.NewAt(f.mType, dst).Elem()
	mv.SetZero()
	if f.fd.HasPresence() && !pr.Has(f.fd) {
		return nil
	}
	v := pr.Get(f.fd)
	switch f.op {
	case convTime, convDeletedAt, convTimeNanos:
		ts, ok := v.Message().Interface().(*timestamppb.Timestamp)
		if !ok { // another implementation, such as dynamicpb
			ts = &timestamppb.Timestamp{}
			proto.Merge(ts, v.Message().Interface())
		}
		return f.timestampToModel(dst, ts)
	case convDurationMicros, convDurationNanos:
		d, ok := v.Message().Interface().(*durationpb.Duration)
		if !ok {
			d = &durationpb.Duration{}
			proto.Merge(d, v.Message().Interface())
		}
		return f.durationToModel(dst, d)
	}
	vfd := f.fd
	if f.wrapper != nil {
		vfd, v = f.wrapper, v.Message().Get(f.wrapper)
	}
	switch f.op {
	case convBytes, convBytesOptional:
		mv.SetBytes(NonNilBytes(v.Bytes()))
		return nil
	case convEnumName, convEnumNameOptional:
		s := EnumToName(v.Enum(), vfd.Enum())
		if f.op == convEnumNameOptional {
			*(**string)(dst) = &s
		} else {
			*(*string)(dst) = s
		}
		return nil
	}
	if f.op == convOptional {
		p := reflect.New(f.mType.Elem())
		mv.Set(p)
		mv = p.Elem()
	}
	switch vfd.Kind() {
	case protoreflect.BoolKind:
		mv.SetBool(v.Bool())
	case protoreflect.EnumKind:
		mv.SetInt(int64(v.Enum()))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		mv.SetInt(v.Int())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		mv.SetUint(v.Uint())
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		mv.SetFloat(v.Float())
	case protoreflect.StringKind:
		mv.SetString(v.String())
	}
	return nil
}

// toProtoReflect converts the model's field at src into field f of pr (see
// toModelReflect). Nothing is set for an absent value.
func (f *convField) toProtoReflect(pr protoreflect.Message, src unsafe.Pointer) error {
	var v protoreflect.Value
	switch f.op {
	case convJSON, convJSONStrings, convJSONStringMap:
		j := *(*JSON)(src)
		if j == nil {
			return nil
		}
		if err := f.oneofFree(pr); err != nil {
			return err
		}
		return JSONToField(pr, f.fd.Number(), j)
	case convTime, convDeletedAt, convTimeNanos, convDurationMicros, convDurationNanos:
		var t proto.Message
		if ts := f.modelToTimestamp(src); ts != nil {
			t = ts
		} else if d := f.modelToDuration(src); d != nil {
			t = d
		} else {
			return nil
		}
		w := pr.NewField(f.fd).Message() // of pr's implementation of the type
		proto.Merge(w.Interface(), t)
		v = protoreflect.ValueOfMessage(w)
	default:
		mv := reflect.NewAt(f.mType, src).Elem()
		switch f.op {
		case convOptional, convEnumNameOptional:
			if mv.IsNil() {
				return nil
			}
			mv = mv.Elem()
		case convBytesOptional:
			if mv.IsNil() {
				return nil
			}
		}
		vfd := f.fd
		if f.wrapper != nil {
			vfd = f.wrapper
		}
		var err error
		if v, err = f.protoValue(vfd, mv); err != nil {
			return err
		}
		if f.wrapper != nil {
			w := pr.NewField(f.fd).Message()
			w.Set(f.wrapper, v)
			v = protoreflect.ValueOfMessage(w)
		}
	}
	if err := f.oneofFree(pr); err != nil {
		return err
	}
	pr.Set(f.fd, v)
	return nil
}

// protoValue is the value of kind vfd that model value mv holds.
func (f *convField) protoValue(vfd protoreflect.FieldDescriptor, mv reflect.Value) (protoreflect.Value, error) {
	switch vfd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(mv.Bool()), nil
	case protoreflect.EnumKind:
		if mv.Kind() == reflect.String {
			n, err := EnumFromName(mv.String(), vfd.Enum(), f.name)
			return protoreflect.ValueOfEnum(n), err
		}
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(mv.Int())), nil
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(mv.Int())), nil
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(mv.Int()), nil
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(mv.Uint())), nil
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(mv.Uint()), nil
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(mv.Float())), nil
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(mv.Float()), nil
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(mv.String()), nil
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes(mv.Bytes()), nil
	}
	return protoreflect.Value{}, fieldErrorf(f.name, "cannot convert a %s", vfd.Kind())
}

// oneofFree refuses to set a oneof member when another one is set.
func (f *convField) oneofFree(pr protoreflect.Message) error {
	if f.oneof == nil {
		return nil
	}
	if set := pr.WhichOneof(f.oneof); set != nil && set != f.fd {
		return fieldErrorf(f.name, "another member of oneof %s is also set", f.oneof.Name())
	}
	return nil
}
