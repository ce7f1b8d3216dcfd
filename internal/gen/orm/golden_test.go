package orm_test

import (
	"flag"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func golden() gentest.Golden {
	return gentest.Golden{
		Dir:        "testdata",
		Module:     "github.com/protoforge/protoforge/internal/gen/orm/testdata",
		Run:        orm.Run,
		Suffix:     ".orm.go",
		Companions: [][]string{{"go", "tool", "protoc-gen-go"}},
		Update:     *update,
	}
}

// TestGolden runs protoc-gen-orm on every case under testdata/. With
// -update it rewrites want/ (with protoc-gen-go's output, so that the case
// compiles) or error.txt.
func TestGolden(t *testing.T) { golden().Test(t) }

// TestGoldenCompiles vets the golden output packages.
func TestGoldenCompiles(t *testing.T) { golden().Compiles(t) }
