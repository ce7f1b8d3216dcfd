package ormrt_test

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/typepb"

	"github.com/protoforge/protoforge/ormrt"
)

// FuzzJSONColumn decodes arbitrary column contents into fields of every
// JSON shape (repeated strings, repeated messages, a message, a map-like
// repeated option list): never a panic, and what decodes re-encodes to
// JSON that decodes to the same value.
func FuzzJSONColumn(f *testing.F) {
	for _, seed := range []string{`[]`, `{}`, `null`, `["a","b"]`, `[{"name":"x","number":3}]`, `{"sourceContext":{"fileName":"f"}}`,
		`{"fileName":"a.proto"}`, `[{"name":"opt","value":{"@type":"type.googleapis.com/google.protobuf.Int64Value","value":"9"}}]`,
		`"\u0000"`, `[1,2`, `["\ud800"]`, `[{"kind":"TYPE_INT64","cardinality":99}]`} {
		f.Add(seed, uint8(0))
		f.Add(seed, uint8(1))
		f.Add(seed, uint8(2))
	}
	// google.protobuf.Type: oneofs (repeated string, 3), fields (repeated
	// message, 2), source_context (message, 5), options (repeated message
	// holding Any, 4).
	nums := []protoreflect.FieldNumber{3, 2, 5, 4}
	f.Fuzz(func(t *testing.T, data string, which uint8) {
		num := nums[int(which)%len(nums)]
		m := &typepb.Type{}
		if err := ormrt.JSONToField(m.ProtoReflect(), num, ormrt.JSON(data)); err != nil {
			var fe *ormrt.FieldError
			if !asFieldError(err, &fe) {
				t.Fatalf("error is not a FieldError: %v", err)
			}
			return
		}
		enc, err := ormrt.FieldToJSON(m.ProtoReflect(), num)
		if err != nil {
			return // e.g. an Any of a type this binary does not link
		}
		back := &typepb.Type{}
		if err := ormrt.JSONToField(back.ProtoReflect(), num, enc); err != nil {
			t.Fatalf("re-decoding %s: %v", enc, err)
		}
		if !proto.Equal(m, back) {
			t.Fatalf("round trip changed the value:\n%v\n%v", m, back)
		}
	})
}

func asFieldError(err error, fe **ormrt.FieldError) bool {
	for err != nil {
		if e, ok := err.(*ormrt.FieldError); ok {
			*fe = e
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}
