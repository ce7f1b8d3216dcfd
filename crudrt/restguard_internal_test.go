package crudrt

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestDecodeFault: every error of protojson's decoding of a body is the
// request's fault, whichever space protobuf-go put after "proto:", and an
// error of encoding is not.
func TestDecodeFault(t *testing.T) {
	for _, tc := range []struct {
		body string
		into proto.Message
	}{
		{`{"paths":"*"}`, &fieldmaskpb.FieldMask{}},
		{`"*"`, &fieldmaskpb.FieldMask{}},
		{`"yesterday"`, &timestamppb.Timestamp{}},
		{`{"seconds":"x"}`, &timestamppb.Timestamp{}},
	} {
		err := protojson.Unmarshal([]byte(tc.body), tc.into)
		if assert.Error(t, err, tc.body) {
			assert.True(t, decodeFault(err.Error()), "%q", err)
		}
	}
	_, err := protojson.Marshal(&fieldmaskpb.FieldMask{Paths: []string{"*"}})
	if assert.Error(t, err) {
		assert.False(t, decodeFault(err.Error()), "%q", err)
	}
	assert.True(t, decodeFault("proto:\u00a0(line 1:15): invalid value"))
	assert.True(t, decodeFault("proto: (line 1:15): invalid value"))
	assert.False(t, decodeFault("proto: not found"))
	assert.False(t, decodeFault("database says (line 1)"))
}

// TestSplitMask: commas and dots inside a map key quoted in backticks
// (a doubled backtick is one backtick of the key) split nothing.
func TestSplitMask(t *testing.T) {
	assert.Equal(t, []string{"title", "metadata.`a,b`", "metadata.`x``,y`"}, splitMask("title,metadata.`a,b`,metadata.`x``,y`"))
	assert.Equal(t, []string{"title", " ", "isbn"}, splitMask(" title, ,isbn "), "spaces inside the text and empty paths are kept, to be refused")
	assert.Equal(t, []string{"", ""}, splitMask(","))
	assert.Equal(t, []string{"metadata", "`x.y`"}, splitPath("metadata.`x.y`"))
	assert.Equal(t, []string{"a", "b", "`c``.d`"}, splitPath("a.b.`c``.d`"))
	assert.Empty(t, splitMask(""))
}

// TestBlankBodyBound: white space past maxBlankProbe is not held to tell
// a blank body; the body passes on whole, and a short one is blank, as is
// a JSON null; anything else passes on whole.
func TestBlankBodyBound(t *testing.T) {
	long := strings.Repeat(" \n", maxBlankProbe)
	r := httptest.NewRequest(http.MethodPost, "/v1/books", strings.NewReader(long))
	blank, body := blankBody(r, true)
	if blank {
		t.Fatal("a body of more white space than the probe is blank")
	}
	got, err := io.ReadAll(body)
	if err != nil || string(got) != long {
		t.Fatalf("read back %d bytes, %v; want %d", len(got), err, len(long))
	}
	for body, want := range map[string]bool{" \t\r\n ": true, "null": true, "\n null \r\n": true, "": true,
		"nul": false, "null x": false, "nullnull": false, "nu ll": false, "{}": false, "[]": false, "n": false} {
		r = httptest.NewRequest(http.MethodPost, "/v1/books", strings.NewReader(body))
		blank, rest := blankBody(r, true)
		if blank != want {
			t.Errorf("body %q: blank %v, want %v", body, blank, want)
		}
		if got, err := io.ReadAll(rest); !blank && (err != nil || string(got) != body) {
			t.Errorf("body %q read back as %q, %v", body, got, err)
		}
	}
	// Not JSON (a Connect GET's body): any byte is a body.
	if blank, _ := blankBody(httptest.NewRequest(http.MethodPost, "/", strings.NewReader("null")), false); blank {
		t.Error("null is blank where the body is not JSON")
	}
}
