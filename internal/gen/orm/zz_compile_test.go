package orm_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

// TestZZCompile writes protoc-gen-go and protoc-gen-orm output for the
// sources in $ZZ_SRC (a.proto, b.proto) under $ZZ_OUT.
func TestZZCompile(t *testing.T) {
	dir, out := os.Getenv("ZZ_SRC"), os.Getenv("ZZ_OUT")
	if dir == "" {
		t.Skip()
	}
	srcs := map[string]string{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		srcs["fuzz/v1/"+e.Name()] = string(b)
	}
	req, err := gentest.RequestFromSources(srcs, "module=scratch")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := gentest.Run(req, orm.Run)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Error != nil {
		t.Fatal(resp.GetError())
	}
	pb, err := gentest.RunBinary(req, gentest.RepoRoot(), "go", "tool", "protoc-gen-go")
	if err != nil {
		t.Fatal(err)
	}
	if err := gentest.Write(pb, out); err != nil {
		t.Fatal(err)
	}
	if err := gentest.Write(resp, out); err != nil {
		t.Fatal(err)
	}
}
