package orm_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/orm"
)

func TestZZDiag(t *testing.T) {
	if os.Getenv("ZZ_DIAG") == "" {
		t.Skip()
	}
	stats := map[string]int{}
	compileErrs := map[string]int{}
	pluginErrs := map[string]int{}
	var seeds []fuzzSeed
	if os.Getenv("DIAG_SEEDS") != "" {
		seeds = fuzzSeeds()
	} else {
		for i := 0; i < 2000; i++ {
			d := splitmix(uint64(i)*7919+3, 300+i%300)
			if os.Getenv("DIAG_CHAOS0") != "" {
				d[0] = 0
			}
			seeds = append(seeds, fuzzSeed{uint8(i % 8), d})
		}
	}
	shown := 0
	for i, s := range seeds {
		srcs := generateProtos(s.syntax, s.data)
		chaos := 0
		if len(s.data) > 0 {
			chaos = int(s.data[0]) % 4
		}
		key := fmt.Sprintf("syn%d/chaos%d", int(s.syntax)%8, chaos)
		req, err := gentest.RequestFromSources(srcs, "")
		if err != nil {
			stats[key+" compile-err"]++
			msg := err.Error()
			if j := strings.Index(msg, ": "); j > 0 {
				msg = msg[j+2:]
			}
			if len(msg) > 70 {
				msg = msg[:70]
			}
			compileErrs[msg]++
			if os.Getenv("DIAG_SHOW") != "" && shown < 3 && strings.Contains(err.Error(), os.Getenv("DIAG_SHOW")) {
				shown++
				t.Logf("compile err %v\n%s", err, dumpSources(srcs))
			}
			continue
		}
		resp, err := gentest.Run(req, orm.Run)
		if err != nil {
			t.Log("protogen", err)
			continue
		}
		if resp.Error != nil {
			stats[key+" plugin-err"]++
			if ps := os.Getenv("DIAG_PSHOW"); ps != "" && shown < 2 && strings.Contains(resp.GetError(), ps) && int(s.syntax)%8 < 5 {
				shown++
				t.Logf("plugin err %v\n%s", resp.GetError(), dumpSources(srcs))
			}
			for _, l := range strings.Split(resp.GetError(), "\n") {
				if !locatedProblem.MatchString(l) {
					t.Logf("UNLOCATED: %s", l)
				}
				parts := strings.SplitN(l, ": ", 3)
				m := quotedRE.ReplaceAllString(parts[len(parts)-1], "Q")
				m = nameRE.ReplaceAllString(m, "N")
				if len(m) > 60 {
					m = m[:60]
				}
				pluginErrs[m]++
			}
			if os.Getenv("DIAG_SEEDS") != "" {
				t.Logf("seed %d: %s", i, resp.GetError())
			}
		} else {
			stats[key+" ok"]++
			if os.Getenv("DIAG_SEEDS") != "" {
				t.Logf("seed %d ok, %d files", i, len(resp.File))
			}
		}
	}
	for k, v := range stats {
		t.Logf("%-30s %d", k, v)
	}
	for k, v := range compileErrs {
		t.Logf("C %4d %s", v, k)
	}
	for k, v := range pluginErrs {
		t.Logf("P %4d %s", v, k)
	}
}

var quotedRE = regexp.MustCompile(`"(\\.|[^"\\])*"`)
var nameRE = regexp.MustCompile(`\b(fuzz\.v1\.[\w.]+|[A-Z]\w*)`)
