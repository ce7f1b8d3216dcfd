package main

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/pluginpb"

	"github.com/protoforge/protoforge/internal/gen/gentest"
)

const paramProto = `syntax = "proto3";
package param.v1;
import "protoforge/v1/options.proto";
option go_package = "example.com/param/v1;paramv1";
message Book {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}
message GetBookRequest { int64 id = 1; }
service BookService {
  rpc GetBook(GetBookRequest) returns (Book);
}
`

// TestStoresParameter runs the plugin as protoc does with each stores
// value: all gives BookService, which leaves no method to the user, its
// accessor, auto and none do not, and any other value fails naming the
// parameter.
func TestStoresParameter(t *testing.T) {
	for _, c := range []struct {
		param  string
		store  bool
		stderr string
	}{
		{"stores=all", true, ""},
		{"stores=auto", false, ""},
		{"stores=none", false, ""},
		{"", false, ""},
		{"stores=every", false, "protoc-gen-crud: parameter stores=every: want stores=auto (accessors on the services with methods left to the user), stores=all or stores=none\n"},
	} {
		req, err := gentest.RequestFromSources(map[string]string{"param/v1/param.proto": paramProto}, c.param)
		if err != nil {
			t.Fatal(err)
		}
		in, err := proto.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		var stdout, stderr bytes.Buffer
		code := newPlugin(&bytes.Buffer{}).Run(nil, bytes.NewReader(in), &stdout, &stderr)
		if c.stderr != "" {
			if code != 1 || stderr.String() != c.stderr {
				t.Errorf("%s: exit %d, stderr %q; want 1, %q", c.param, code, stderr.String(), c.stderr)
			}
			continue
		}
		res := &pluginpb.CodeGeneratorResponse{}
		if code != 0 || proto.Unmarshal(stdout.Bytes(), res) != nil || res.GetError() != "" {
			t.Fatalf("%s: exit %d, %s %s", c.param, code, stderr.String(), res.GetError())
		}
		var crud string
		for _, f := range res.GetFile() {
			if strings.HasSuffix(f.GetName(), ".crud.go") {
				crud = f.GetContent()
			}
		}
		if got := strings.Contains(crud, ") BookStore() *crudrt.Store[*Book]"); got != c.store {
			t.Errorf("%q: BookStore generated: %v, want %v", c.param, got, c.store)
		}
		if !strings.Contains(crud, ") CRUDServices() []*crudrt.Service") {
			t.Errorf("%q: no CRUDServices", c.param)
		}
	}
}
