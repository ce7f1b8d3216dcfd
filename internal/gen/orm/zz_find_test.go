package orm_test

import (
	"os"
	"strconv"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

func TestZZFind(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("ZZ_N"))
	if n == 0 {
		t.Skip()
	}
	base, _ := strconv.Atoi(os.Getenv("ZZ_BASE"))
	found := 0
	for i := base; i < base+n && found < 3; i++ {
		d := splitmix(uint64(i)*31337+7, 200+i%400)
		if os.Getenv("ZZ_CHAOS0") != "" {
			d[0] = 0
		}
		srcs := generateProtos(uint8(i%8), d)
		req, err := gentest.RequestFromSources(srcs, "")
		if err != nil {
			continue
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					found++
					t.Logf("i=%d syntax=%d len=%d panic %v\n%s", i, i%8, len(d), p, dumpSources(srcs))
				}
			}()
			gentest.Run(req, orm.Run)
		}()
	}
}
