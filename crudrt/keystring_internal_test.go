package crudrt

import (
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/protoforge/protoforge/ormrt"
)

// TestKeyString: one key has one spelling whatever Go type holds it
// (request fields, parsed names and protoreflect values differ for enums),
// and a string key never collides with a number of the same digits.
func TestKeyString(t *testing.T) {
	null := structpb.NullValue_NULL_VALUE // an enum, as generated code holds it
	same := [][]any{
		{int64(7), int32(7), uint64(7), uint32(7), protoreflect.EnumNumber(7)},
		{protoreflect.EnumNumber(0), null},
		{"7", "7"},
	}
	for _, group := range same {
		want := keyString(group[0])
		for _, k := range group[1:] {
			if got := keyString(k); got != want {
				t.Errorf("keyString(%#v) = %q, want %q as for %#v", k, got, want, group[0])
			}
		}
	}
	if keyString("7") == keyString(int64(7)) {
		t.Errorf(`keyString("7") == keyString(7): %q`, keyString("7"))
	}
	if keyString("") == keyString(int64(0)) || keyString("s7") == keyString("7") {
		t.Errorf("keyString collides")
	}
	// uint64 keys beyond int64 keep every digit.
	if got := keyString(uint64(1 << 63)); got != "9223372036854775808" {
		t.Errorf("keyString(1<<63) = %q", got)
	}
	if keyArg(uint64(5)) != ormrt.Uint64(5) || keyArg(int64(5)) != int64(5) || keyArg("x") != "x" {
		t.Errorf("keyArg does not convert uint64 keys, and only them")
	}
}
