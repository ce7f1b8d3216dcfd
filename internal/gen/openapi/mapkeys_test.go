package openapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
)

const mapKeysProto = `syntax = "proto3";
package mapkeys.v1;

option go_package = "example.com/mapkeys/v1;mapkeysv1";

import "protoforge/v1/options.proto";

message Thing {
  option (protoforge.v1.model) = {};

  int64 id = 1;
  map<int32, string> by_int32 = 2;
  map<sint64, string> by_sint64 = 3;
  map<uint32, string> by_uint32 = 4;
  map<fixed64, string> by_fixed64 = 5;
  map<bool, string> by_bool = 6;
  map<string, string> by_string = 7;
}

service ThingService {
  rpc GetThing(GetThingRequest) returns (Thing);
}

message GetThingRequest {
  int64 id = 1;
}
`

// TestMapKeys: the document takes the map keys protojson reads, for every
// kind of key, and refuses those it refuses but for integers out of the
// key type's range, which a pattern does not bound.
func TestMapKeys(t *testing.T) {
	doc, req := document(t, "mapkeys/v1/mapkeys.proto", mapKeysProto)
	thing := doc.Components.Schemas["mapkeys.v1.Thing"].Value
	files, err := protodesc.NewFiles(&descriptorpb.FileDescriptorSet{File: req.GetProtoFile()})
	if err != nil {
		t.Fatal(err)
	}
	d, err := files.FindDescriptorByName("mapkeys.v1.Thing")
	if err != nil {
		t.Fatal(err)
	}
	md := d.(protoreflect.MessageDescriptor)
	for _, field := range []string{"by_int32", "by_sint64", "by_uint32", "by_fixed64", "by_bool", "by_string"} {
		fd := md.Fields().ByName(protoreflect.Name(field))
		for _, key := range []string{"0", "7", "-7", "+7", "007", "-0", "4294967296", "18446744073709551616", "true", "false", "TRUE", "x", "", "1.5", " 7", "7 ", "0x10", "1e3", "١"} {
			obj := map[string]any{key: "v"}
			docErr := thing.Properties[fd.JSONName()].Value.VisitJSON(obj, openapi3.EnableJSONSchema2020())
			raw, err := json.Marshal(map[string]any{fd.JSONName(): obj})
			if err != nil {
				t.Fatal(err)
			}
			pjErr := protojson.Unmarshal(raw, dynamicpb.NewMessage(md))
			if pjErr == nil && docErr != nil {
				t.Errorf("%s key %q: protojson takes it, the document refuses it (%v)", field, key, docErr)
			}
			if pjErr != nil && docErr == nil && !strings.Contains(pjErr.Error(), "invalid value for") {
				t.Errorf("%s key %q: the document takes it, protojson refuses it (%v)", field, key, pjErr)
			}
			if pjErr != nil && docErr == nil && !allDigits(strings.TrimLeft(key, "+-")) {
				t.Errorf("%s key %q: the document takes it, protojson refuses it (%v); only a range may be looser", field, key, pjErr)
			}
		}
	}
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}
