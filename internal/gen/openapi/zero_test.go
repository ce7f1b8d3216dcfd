package openapi_test

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/protoforge/protoforge/internal/gen/crud"
	"github.com/protoforge/protoforge/internal/gen/gentest"
)

// zeroProto has a field for each way the validators ignore the zero value
// of a field without presence, a field whose rules never apply, one with
// presence and one whose rules always hold.
const zeroProto = `syntax = "proto3";
package zero.v1;

option go_package = "example.com/zero/v1;zerov1";

import "buf/validate/validate.proto";
import "protoforge/v1/options.proto";
import "validate/validate.proto";

message Thing {
  option (protoforge.v1.model) = {};
  option (buf.validate.message).oneof = {fields: ["a", "b"]};

  int64 id = 1;
  string opt = 2 [(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE, (buf.validate.field).string.min_len = 3];
  string legacy = 3 [(validate.rules).string = {min_len: 2, ignore_empty: true}];
  string a = 4 [(buf.validate.field).string.pattern = "^x+$"];
  int32 b = 5 [(buf.validate.field).int32.gte = 5];
  string loose = 6 [(buf.validate.field).ignore = IGNORE_ALWAYS, (buf.validate.field).string.min_len = 3];
  optional string maybe = 7 [(buf.validate.field).string.min_len = 3];
  string plain = 8 [(buf.validate.field).string.min_len = 3];
  int32 rank = 9 [(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE, (buf.validate.field).int32.gte = 10];
  float ratio = 10 [(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE, (buf.validate.field).float = {gte: 1, lte: -1}];
  uint32 count = 11 [(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE, (buf.validate.field).uint32 = {gt: 2, lt: 9}];
  string short = 12 [(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE, (buf.validate.field).string.max_len = 3];
  // One library ignores the zero value; the other's pattern refuses it.
  string both = 13 [(buf.validate.field).ignore = IGNORE_IF_ZERO_VALUE, (buf.validate.field).string.min_len = 3, (validate.rules).string.pattern = "^x+$"];
}

service ThingService {
  rpc GetThing(GetThingRequest) returns (Thing);
  rpc CreateThing(CreateThingRequest) returns (Thing);
}

message GetThingRequest {
  int64 id = 1;
}

message CreateThingRequest {
  Thing thing = 1;
}
`

// TestZeroValueIgnored: where the validators accept a field's zero value
// whatever its rules, the document accepts it too, and still refuses the
// other values the rules refuse; rules that never apply constrain
// nothing.
func TestZeroValueIgnored(t *testing.T) {
	doc, _ := document(t, "zero/v1/zero.proto", zeroProto)
	thing := doc.Components.Schemas["zero.v1.Thing"].Value
	for _, c := range []struct {
		field string
		value any
		ok    bool
	}{
		{"opt", "", true}, {"opt", "ab", false}, {"opt", "abc", true},
		{"legacy", "", true}, {"legacy", "a", false}, {"legacy", "ab", true},
		{"a", "", true}, {"a", "y", false}, {"a", "xx", true},
		{"b", 0.0, true}, {"b", 4.0, false}, {"b", 5.0, true},
		{"loose", "", true}, {"loose", "a", true},
		{"maybe", nil, true}, {"maybe", "ab", false}, {"maybe", "abc", true},
		{"plain", "", false}, {"plain", "abc", true},
		{"rank", 0.0, true}, {"rank", 9.0, false}, {"rank", 10.0, true},
		{"ratio", 0.0, true}, {"ratio", 0.5, false}, {"ratio", -1.0, true}, {"ratio", 1.0, true},
		{"count", 0.0, true}, {"count", 2.0, false}, {"count", 9.0, false}, {"count", 3.0, true},
		{"short", "", true}, {"short", "abcd", false}, {"short", "abc", true},
		{"both", "", false}, {"both", "xx", false}, {"both", "xxx", true},
	} {
		prop := thing.Properties[c.field]
		if prop == nil {
			t.Fatalf("no property %s", c.field)
		}
		err := prop.Value.VisitJSON(c.value, openapi3.EnableJSONSchema2020())
		if c.ok && err != nil {
			t.Errorf("%s = %#v: refused (%v); the server accepts it", c.field, c.value, err)
		} else if !c.ok && err == nil {
			t.Errorf("%s = %#v: accepted; the server refuses it", c.field, c.value)
		}
	}
	if s := thing.Properties["short"].Value; len(s.AnyOf) != 0 || s.MaxLength == nil {
		t.Errorf("short: the empty string fits max_len by itself, want a plain maxLength, got anyOf %d", len(s.AnyOf))
	}
	if s := thing.Properties["loose"].Value; len(s.AnyOf) != 0 || s.MinLength != 0 {
		t.Errorf("loose: IGNORE_ALWAYS constrains nothing")
	}
}

// TestLegacyRequired: a required field (editions' LEGACY_REQUIRED, proto2's
// required), without which a message neither parses nor marshals, is
// required and not nullable in the document; one with explicit presence
// is neither.
func TestLegacyRequired(t *testing.T) {
	src := `edition = "2023";
package req.v1;
option go_package = "example.com/req/v1;reqv1";
import "protoforge/v1/options.proto";
message Cup {
  option (protoforge.v1.model) = {};
  int64 id = 1 [features.field_presence = IMPLICIT];
  string title = 2 [features.field_presence = LEGACY_REQUIRED];
  Lid lid = 3 [features.field_presence = LEGACY_REQUIRED];
  string note = 4;
}
message Lid {
  int32 size = 1 [features.field_presence = LEGACY_REQUIRED];
}
service CupService {
  rpc GetCup(GetCupRequest) returns (Cup);
}
message GetCupRequest {
  int64 id = 1 [features.field_presence = IMPLICIT];
}
`
	doc, _ := document(t, "req/v1/req.proto", src)
	for _, c := range []struct {
		schema   string
		required []string
		value    map[string]any
		ok       bool
	}{
		{"req.v1.Cup", []string{"lid", "title"}, map[string]any{"title": "t", "lid": map[string]any{"size": 1.0}}, true},
		{"req.v1.Cup", nil, map[string]any{"title": "t"}, false},
		{"req.v1.Cup", nil, map[string]any{"title": nil, "lid": map[string]any{"size": 1.0}}, false},
		{"req.v1.Cup", nil, map[string]any{"title": "t", "lid": map[string]any{"size": 1.0}, "note": nil}, true},
		{"req.v1.Lid", []string{"size"}, map[string]any{}, false},
	} {
		s := doc.Components.Schemas[c.schema].Value
		if c.required != nil && strings.Join(s.Required, ",") != strings.Join(c.required, ",") {
			t.Errorf("%s: required %v; want %v", c.schema, s.Required, c.required)
		}
		err := s.VisitJSON(c.value, openapi3.EnableJSONSchema2020())
		if c.ok && err != nil {
			t.Errorf("%s %v: refused (%v); the server accepts it", c.schema, c.value, err)
		} else if !c.ok && err == nil {
			t.Errorf("%s %v: accepted; the server refuses it", c.schema, c.value)
		}
	}
}

// document is the OpenAPI document protoc-gen-crud writes for the proto
// file name holding src, and the request it was generated from.
func document(t *testing.T, name, src string) (*openapi3.T, *pluginpb.CodeGeneratorRequest) {
	t.Helper()
	req, err := gentest.RequestFromSources(map[string]string{name: src}, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := gentest.Run(req, crud.Run(crud.Params{GRPC: true}))
	if err != nil {
		t.Fatal(err)
	}
	if res.GetError() != "" {
		t.Fatal(res.GetError())
	}
	var body string
	for name, content := range gentest.Files(res) {
		if strings.HasSuffix(name, ".openapi.json") {
			body = content
		}
	}
	doc, err := openapi3.NewLoader().LoadFromData([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return doc, req
}
