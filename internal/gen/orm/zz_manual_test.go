package orm_test

import (
	"os"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

func TestZZManual(t *testing.T) {
	if os.Getenv("ZZ_MANUAL") == "" {
		t.Skip()
	}
	srcs := map[string]string{}
	for _, name := range []string{"a.proto", "b.proto"} {
		b, err := os.ReadFile("/tmp/fz/manual/" + name)
		if err == nil {
			srcs["fuzz/v1/"+name] = string(b)
		}
	}
	req, err := gentest.RequestFromSources(srcs, "")
	if err != nil {
		t.Fatal(err)
	}
	resp, err := gentest.Run(req, orm.Run)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("error: %s", resp.GetError())
	for _, f := range resp.File {
		if os.Getenv("SHOW") != "" {
			t.Logf("== %s\n%s", f.GetName(), f.GetContent())
		} else {
			t.Logf("== %s", f.GetName())
		}
	}
}
