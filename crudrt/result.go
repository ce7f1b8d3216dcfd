package crudrt

import (
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
)

// One returns the message of a Service call as its generated type T, for
// generated methods. It never returns a nil message without an error: a
// call that gave neither is an Internal error, so no handler answers
// (nil, nil).
func One[T proto.Message](m proto.Message, err error) (T, error) {
	var zero T
	if err != nil {
		return zero, err
	}
	t, ok := m.(T)
	if !ok || !t.ProtoReflect().IsValid() {
		return zero, Errorf(connect.CodeInternal, "internal error: the service returned %T where %T was expected", m, zero)
	}
	return t, nil
}

// All is One for the messages of a List or batch call.
func All[T proto.Message](ms []proto.Message, err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	out := make([]T, len(ms))
	for i, m := range ms {
		if out[i], err = One[T](m, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Unimplemented is the error of a method the generated code leaves to the
// user (a custom method, or one that is not mapped): Unimplemented on
// every protocol, HTTP 501 over REST.
func Unimplemented(method string) error {
	return Errorf(connect.CodeUnimplemented, "%s is not implemented", method).WithReason("METHOD_NOT_IMPLEMENTED", "method", method)
}
