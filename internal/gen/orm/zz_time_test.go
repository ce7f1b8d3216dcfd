package orm_test

import (
	"os"
	"testing"
	"time"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

func TestZZTime(t *testing.T) {
	if os.Getenv("ZZ_TIME") == "" {
		t.Skip()
	}
	for i, s := range fuzzSeeds() {
		t0 := time.Now()
		srcs := generateProtos(s.syntax, s.data)
		req, err := gentest.RequestFromSources(srcs, "")
		t1 := time.Now()
		if err != nil {
			t.Logf("seed %d compile err %v", i, t1.Sub(t0))
			continue
		}
		resp, _ := gentest.Run(req, orm.Run)
		t2 := time.Now()
		t.Logf("seed %d compile %v run %v err=%v files=%d", i, t1.Sub(t0), t2.Sub(t1), resp.Error != nil, len(resp.File))
	}
}
