package crudrt

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
)

// TestUnmarshalProtoNamesTheField: the field a binary message is refused
// at, through maps (a key to quote), lists and nested messages, and
// protobuf's own error where the fault is at no field.
func TestUnmarshalProtoNamesTheField(t *testing.T) {
	str := func(num protowire.Number, s string) []byte {
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), []byte(s))
	}
	msg := func(num protowire.Number, b ...[]byte) []byte {
		var all []byte
		for _, x := range b {
			all = append(all, x...)
		}
		return protowire.AppendBytes(protowire.AppendTag(nil, num, protowire.BytesType), all)
	}
	// Struct{fields: {key: Value{string_value (3) | list_value (6) | struct_value (5)}}}
	entry := func(key string, value []byte) []byte { return msg(1, str(1, key), msg(2, value)) }
	for _, tc := range []struct {
		name string
		data []byte
		path string // "" for protobuf's error
		msg  string
	}{
		{"map value", entry("k", str(3, "\xff")), "fields.k.string_value", faultUTF8},
		{"key to quote", entry("a b", str(3, "\xff")), "fields.`a b`.string_value", faultUTF8},
		{"map key", entry("\xff", str(3, "ok")), "fields", faultMapKey},
		{"list", entry("k", msg(6, msg(1, str(3, "ok")), msg(1, str(3, "\xc3")))), "fields.k.list_value.values[1].string_value", faultUTF8},
		{"nested", entry("k", msg(5, entry("j", str(3, "\xed\xa0\x80")))), "fields.k.struct_value.fields.j.string_value", faultUTF8},
		{"cut short", append(protowire.AppendTag(nil, 1, protowire.BytesType), 9, 1), "fields", faultWire},
		{"no field", []byte{0xff}, "", ""},
	} {
		err := unmarshalProto(tc.data, &structpb.Struct{})
		require.Error(t, err, tc.name)
		pe, ok := asPathError(err)
		if tc.path == "" {
			assert.False(t, ok, "%s: %v", tc.name, err)
			e, ok := malformedProtoMessage(unmarshalPrefix + err.Error())
			require.True(t, ok)
			assert.Equal(t, unmarshalPrefix+err.Error(), e.ce.Message())
			continue
		}
		require.True(t, ok, "%s: %v", tc.name, err)
		assert.Equal(t, tc.path, pe.Path, tc.name)
		assert.Equal(t, tc.msg, pe.Msg, tc.name)
		// connect-go's message of it reads back as the same status.
		e, ok := malformedProtoMessage(unmarshalPrefix + err.Error())
		require.True(t, ok, tc.name)
		assert.True(t, proto.Equal(malformedProto(err).statusProto(), e.statusProto()), tc.name)
	}
	// A readable message is read.
	s := &structpb.Struct{}
	require.NoError(t, unmarshalProto(entry("k", str(3, "é")), s))
	assert.Equal(t, "é", s.GetFields()["k"].GetStringValue())
}

// TestCodecsMarshalAppend: Proto and JSON append to the buffer connect-go
// gives them what Marshal writes, keeping what it held.
func TestCodecsMarshalAppend(t *testing.T) {
	// One entry: a map of more is written in no fixed order.
	msg, err := structpb.NewStruct(map[string]any{"a": []any{"b", 2.5}})
	require.NoError(t, err)
	for _, c := range []interface {
		Marshal(any) ([]byte, error)
		MarshalAppend([]byte, any) ([]byte, error)
	}{Proto{}, JSON{}} {
		want, err := c.Marshal(msg)
		require.NoError(t, err)
		got, err := c.MarshalAppend([]byte("prefix"), msg)
		require.NoError(t, err)
		assert.Equal(t, "prefix"+string(want), string(got))
		_, err = c.MarshalAppend(nil, "not a message")
		assert.ErrorIs(t, err, errNotProto)
	}
}
