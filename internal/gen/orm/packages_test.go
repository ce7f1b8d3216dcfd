package orm_test

import (
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

// TestAssociationAcrossPackages: a belongs-to or has-many field holding a
// model of another Go package is an error on that field, which says why
// and what to do, not one on a references option the user did not write.
func TestAssociationAcrossPackages(t *testing.T) {
	srcs := map[string]string{
		"a/v1/a.proto": `syntax = "proto3";
package a.v1;
import "protoforge/v1/options.proto";
option go_package = "example.com/a/v1;av1";
message Author {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}
`,
		"b/v1/b.proto": `syntax = "proto3";
package b.v1;
import "protoforge/v1/options.proto";
import "a/v1/a.proto";
option go_package = "example.com/b/v1;bv1";
message Book {
  option (protoforge.v1.model) = {};
  int64 id = 1;
  int64 author_id = 2;
  a.v1.Author author = 3;
  repeated a.v1.Author coauthors = 4;
}
`,
	}
	req, err := gentest.RequestFromSources(srcs, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := gentest.Run(req, orm.Run)
	if err != nil {
		t.Fatal(err)
	}
	want := `b/v1/b.proto:10:3: field b.v1.Book.author: holds model a.v1.Author, whose table is in another Go package ("example.com/a/v1"); each package's schema is written on its own, so an association must stay in the package: keep its key as a plain column and drop this field, or declare Book in the package of Author
b/v1/b.proto:11:3: field b.v1.Book.coauthors: holds model a.v1.Author, whose table is in another Go package ("example.com/a/v1"); each package's schema is written on its own, so an association must stay in the package: keep its key as a plain column and drop this field, or declare Book in the package of Author`
	if got := res.GetError(); got != want {
		t.Errorf("error:\n%s\nwant:\n%s", got, want)
	}
}
