package orm_test

import (
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

// TestPackageInTwoDirectories: the files of one Go package written into
// two directories (paths=source_relative) are refused, naming both files
// and the ways out; written into one directory, they are generated. A
// file in another directory that holds no model gets no output from the
// plugins, and is not refused: its code is protoc-gen-go's alone.
func TestPackageInTwoDirectories(t *testing.T) {
	const author = `syntax = "proto3";
package lib.v1;
import "protoforge/v1/options.proto";
option go_package = "example.com/lib/v1;libv1";
message Author {
  option (protoforge.v1.model) = {};
  int64 id = 1;
}
`
	srcs := map[string]string{
		"lib/v1/author.proto": author,
		"lib/v1/more/book.proto": `syntax = "proto3";
package lib.v1;
import "protoforge/v1/options.proto";
option go_package = "example.com/lib/v1;libv1";
message Book {
  option (protoforge.v1.model) = {};
  int64 id = 1;
  int64 author_id = 2 [(protoforge.v1.field) = {references: "Author"}];
}
`,
	}
	notes := map[string]string{
		"lib/v1/author.proto": author,
		"lib/v1/more/note.proto": `syntax = "proto3";
package lib.v1;
option go_package = "example.com/lib/v1;libv1";
message Note {
  string text = 1;
}
`,
	}
	for _, c := range []struct {
		srcs        map[string]string
		param, want string
	}{
		{srcs, "paths=source_relative", "lib/v1/more/book.proto:4:1: Go package \"example.com/lib/v1\" is also the package of lib/v1/author.proto, whose code is written into lib/v1/, not lib/v1/more/, and a Go package is one directory: the code of each would miss the other's declarations; move the files into one directory, or generate with paths=import or module=<module path>"},
		{srcs, "paths=import", ""},
		{srcs, "module=example.com", ""},
		{notes, "paths=source_relative", ""},
	} {
		req, err := gentest.RequestFromSources(c.srcs, c.param)
		if err != nil {
			t.Fatal(err)
		}
		res, err := gentest.Run(req, orm.Run)
		if err != nil {
			t.Fatal(err)
		}
		if got := res.GetError(); got != c.want {
			t.Errorf("%s: error\n%s\nwant\n%s", c.param, got, c.want)
		}
	}
}
