package crudrt

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMalformedJSONMessage reads back the field of connect-go's message
// for every path a pathError can hold, map keys quoted in backticks with
// ": ", backticks and new lines in them included; messages at no field
// keep their words.
func TestMalformedJSONMessage(t *testing.T) {
	for _, path := range []string{
		"book.title", "book.tags[1]", "requests[12].book.metadata.k", "book.metadata.`a: b`",
		"book.metadata.`x``y`.z", "book.metadata.`line\nbreak`", "book.metadata.`(line 1:2)`", "m[0][1]",
	} {
		pe := &pathError{Path: path, Msg: `invalid value for string field x: "a: b" (line 3:14)`}
		e, ok := malformedJSONMessage(unmarshalPrefix + pe.Error())
		require.True(t, ok, path)
		assert.Equal(t, "invalid request: "+pe.Error(), e.ce.Message(), path)
		assert.Equal(t, "MALFORMED_JSON", e.Reason())
		assert.Equal(t, path, e.info.GetMetadata()["fields"])
	}
	for _, msg := range []string{
		"proto: unexpected EOF",
		"proto: (line 1:5): unexpected token }",
		"proto: syntax error (line 1:2): invalid value x",
	} {
		e, ok := malformedJSONMessage(unmarshalPrefix + msg)
		require.True(t, ok, msg)
		assert.Equal(t, unmarshalPrefix+msg, e.ce.Message())
		assert.Empty(t, e.info.GetMetadata()["fields"], msg)
		assert.Equal(t, "MALFORMED_JSON", e.Reason())
	}
	_, ok := malformedJSONMessage("book.title: too long (line 1:2)")
	assert.False(t, ok, "not connect-go's message")
}

// TestFieldListWhole: the fields of an ErrorInfo's metadata are listed
// whole, as many as fit, then how many more there are.
func TestFieldListWhole(t *testing.T) {
	var vs []FieldViolation
	for i := range 100 {
		vs = append(vs, FieldViolation{Field: "requests[" + strconv.Itoa(i) + "].book.title", Description: "is required"})
	}
	e := InvalidArgument("", vs...)
	got := e.info.GetMetadata()["fields"]
	require.LessOrEqual(t, len(got), maxErrorText)
	head, more, ok := strings.Cut(got, ",… (")
	require.True(t, ok, got)
	paths := strings.Split(head, ",")
	for i, p := range paths {
		assert.Equal(t, vs[i].Field, p)
	}
	assert.Equal(t, strconv.Itoa(100-len(paths))+" more)", more)
}

// TestFieldListOnce: a field with several violations (immutable and
// required, say) is named once in the ErrorInfo's metadata, in the order
// of its first violation; the BadRequest keeps every violation.
func TestFieldListOnce(t *testing.T) {
	e := InvalidArgument("",
		FieldViolation{Field: "gadget.owner", Description: "is immutable"},
		FieldViolation{Field: "gadget.name", Description: "is required"},
		FieldViolation{Field: "gadget.owner", Description: "is required"},
	)
	assert.Equal(t, "gadget.owner,gadget.name", e.info.GetMetadata()["fields"])
	assert.Contains(t, e.Error(), "gadget.owner: is immutable; gadget.name: is required; gadget.owner: is required")
}
