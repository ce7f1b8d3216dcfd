package orm_test

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

func TestZZCompileAll(t *testing.T) {
	out := os.Getenv("ZZ_OUT")
	if out == "" {
		t.Skip()
	}
	n, _ := strconv.Atoi(os.Getenv("ZZ_N"))
	base, _ := strconv.Atoi(os.Getenv("ZZ_BASE"))
	written := 0
	for i := base; i < base+n; i++ {
		d := splitmix(uint64(i)*31337+7, 200+i%400)
		if os.Getenv("ZZ_CHAOS0") != "" {
			d[0] = 0
		}
		srcs := generateProtos(uint8(i%8), d)
		for k, v := range srcs {
			v = strings.ReplaceAll(v, "example.com/fuzz/v1;fuzzv1", fmt.Sprintf("scratch/p%d/v1;fuzzv1", i))
			v = strings.ReplaceAll(v, "example.com/fuzz/other;otherpb", fmt.Sprintf("scratch/p%d/other;otherpb", i))
			srcs[k] = v
		}
		req, err := gentest.RequestFromSources(srcs, "module=scratch")
		if err != nil {
			continue
		}
		resp, err := gentest.Run(req, orm.Run)
		if err != nil || resp.Error != nil || len(resp.File) == 0 {
			continue
		}
		pb, err := gentest.RunBinary(req, gentest.RepoRoot(), "go", "tool", "protoc-gen-go")
		if err != nil {
			t.Logf("p%d: protoc-gen-go: %v", i, err)
			continue
		}
		if pb.Error != nil {
			t.Logf("p%d: protoc-gen-go: %s", i, pb.GetError())
			continue
		}
		if err := gentest.Write(pb, out); err != nil {
			t.Fatal(err)
		}
		if err := gentest.Write(resp, out); err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(fmt.Sprintf("%s/p%d", out, i), 0o755)
		os.WriteFile(fmt.Sprintf("%s/p%d/src.txt", out, i), []byte(dumpSources(srcs)), 0o644)
		written++
	}
	t.Logf("wrote %d packages", written)
}
