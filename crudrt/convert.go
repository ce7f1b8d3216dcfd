package crudrt

import (
	"fmt"
	"reflect"
	"unsafe"

	"google.golang.org/protobuf/proto"
)

// ptrConv is a conversion method as protoc-gen-orm generates it,
// func (*Book) ToModel() (*BookModel, error) or func (*BookModel)
// ToProto() (*Book, error), seen with its pointers untyped: a method
// expression of either has this machine signature, since Go passes and
// returns every pointer type alike.
type ptrConv func(unsafe.Pointer) (unsafe.Pointer, error)

var errorType = reflect.TypeFor[error]()

// methodConv returns method name of pointer type in, which must be
// func(in) (out, error), as a ptrConv.
func methodConv(in reflect.Type, name string, out reflect.Type) (ptrConv, error) {
	m, ok := in.MethodByName(name)
	if !ok {
		return nil, fmt.Errorf("%v has no method %s", in, name)
	}
	ft := m.Type // the method expression's type: the receiver first
	if ft.NumIn() != 1 || ft.In(0) != in || ft.NumOut() != 2 || ft.Out(0) != out || ft.Out(1) != errorType {
		return nil, fmt.Errorf("%v.%s is %v; want func() (%v, error)", in, name, ft, out)
	}
	f := m.Func.Interface()
	// A func value is one pointer, held in the interface's data word.
	fv := (*[2]unsafe.Pointer)(unsafe.Pointer(&f))[1]
	return *(*ptrConv)(unsafe.Pointer(&fv)), nil
}

// dataOf is the data word of an interface holding a pointer.
func dataOf[I any](v *I) *unsafe.Pointer {
	return &(*[2]unsafe.Pointer)(unsafe.Pointer(v))[1]
}

// conversions returns the ToModel and ToProto of a resource from the
// generated methods of its Message and Model types, so that generated code
// gives the runtime its types (Resource.Message and Resource.Model) and
// nothing else: func (*Book) ToModel() (*BookModel, error) and func
// (*BookModel) ToProto() (*Book, error).
func conversions(msg proto.Message, model any) (func(proto.Message) (any, error), func(any) (proto.Message, error), error) {
	mt, dt := reflect.TypeOf(msg), reflect.TypeOf(model)
	if mt == nil || mt.Kind() != reflect.Pointer || dt == nil || dt.Kind() != reflect.Pointer {
		return nil, nil, fmt.Errorf("Message %T and Model %T must be pointers", msg, model)
	}
	toModel, err := methodConv(mt, "ToModel", dt)
	if err != nil {
		return nil, nil, err
	}
	toProto, err := methodConv(dt, "ToProto", mt)
	if err != nil {
		return nil, nil, err
	}
	tm := func(p proto.Message) (any, error) {
		if reflect.TypeOf(p) != mt {
			return nil, fmt.Errorf("crudrt: ToModel of %T; want %v", p, mt)
		}
		out, err := toModel(*dataOf(&p))
		m := model // a nil *BookModel, as the method returns it
		*dataOf(&m) = out
		return m, err
	}
	tp := func(v any) (proto.Message, error) {
		if reflect.TypeOf(v) != dt {
			return nil, fmt.Errorf("crudrt: ToProto of %T; want %v", v, dt)
		}
		out, err := toProto(*dataOf(&v))
		p := msg
		*dataOf(&p) = out
		return p, err
	}
	return tm, tp, nil
}
