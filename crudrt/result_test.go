package crudrt_test

import (
	"errors"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
)

// TestOne: a message of the expected type passes; no message without an
// error, a nil or a wrong type is Internal; an error passes through as is.
func TestOne(t *testing.T) {
	b := &libraryv1.Book{Id: 1}
	got, err := crudrt.One[*libraryv1.Book](b, nil)
	if err != nil || got != b {
		t.Fatalf("One(book) = %v, %v", got, err)
	}
	for name, m := range map[string]proto.Message{
		"nil":        nil,
		"typed nil":  (*libraryv1.Book)(nil),
		"wrong type": &libraryv1.Author{Id: 1},
	} {
		got, err := crudrt.One[*libraryv1.Book](m, nil)
		if got != nil {
			t.Errorf("%s: One returned %v", name, got)
		}
		wantCode(t, err, connect.CodeInternal)
		if err.Error() == "" {
			t.Errorf("%s: no message", name)
		}
	}
	cause := crudrt.Errorf(connect.CodeNotFound, "gone")
	got, err = crudrt.One[*libraryv1.Book](b, cause)
	if got != nil || err != cause {
		t.Errorf("One(book, err) = %v, %v; want nil, the error itself", got, err)
	}
	plain := errors.New("plain")
	if _, err := crudrt.One[*libraryv1.Book](nil, plain); err != plain {
		t.Errorf("One(nil, err) = %v; want the error itself", err)
	}
}

func TestAll(t *testing.T) {
	a, b := &libraryv1.Book{Id: 1}, &libraryv1.Book{Id: 2}
	got, err := crudrt.All[*libraryv1.Book]([]proto.Message{a, b}, nil)
	if err != nil || len(got) != 2 || got[0] != a || got[1] != b {
		t.Fatalf("All = %v, %v", got, err)
	}
	got, err = crudrt.All[*libraryv1.Book](nil, nil)
	if err != nil || got == nil || len(got) != 0 {
		t.Errorf("All(nil) = %#v, %v; want an empty slice", got, err)
	}
	for name, ms := range map[string][]proto.Message{
		"nil element":        {a, nil},
		"wrong type element": {&libraryv1.Author{}, b},
		"typed nil element":  {a, (*libraryv1.Book)(nil)},
	} {
		got, err := crudrt.All[*libraryv1.Book](ms, nil)
		if got != nil {
			t.Errorf("%s: All returned %v", name, got)
		}
		wantCode(t, err, connect.CodeInternal)
	}
	cause := crudrt.Errorf(connect.CodeAborted, "retry")
	if got, err := crudrt.All[*libraryv1.Book]([]proto.Message{a}, cause); got != nil || err != cause {
		t.Errorf("All(ms, err) = %v, %v; want nil, the error itself", got, err)
	}
}
