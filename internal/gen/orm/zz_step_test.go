package orm_test

import (
	"fmt"
	"os"
	"testing"
)

func TestZZStep(t *testing.T) {
	if os.Getenv("ZZ_STEP") == "" {
		t.Skip()
	}
	d := []byte{0, 6, 0, 7, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0}
	stepProtos(t, 0, d)
}

func stepProtos(t *testing.T, syntax uint8, data []byte) map[string]string {
	g := &protoGen{r: &fuzzReader{data: data}}
	g.chaos = g.r.intn(4)
	nfiles := 1
	if g.r.intn(10) >= 6 {
		nfiles = 2
	}
	for i := 0; i < nfiles; i++ {
		s := int(syntax) % 8
		switch {
		case s < 5:
			s = syntaxProto3
		case s == 5:
			s = syntaxProto2
		default:
			s = syntaxEditions
		}
		if i == 1 && g.r.chance(20) {
			s = g.r.intn(3) // mixing syntaxes across files
			if s == syntaxProto3 && g.files[0].syntax == syntaxProto2 {
				s = syntaxEditions // proto3 cannot use the closed enum Status
			}
		}
		pf := &protoFile{path: fmt.Sprintf("fuzz/v1/f%d.proto", i), pkg: fuzzPackage, goPkg: "example.com/fuzz/v1;fuzzv1", syntax: s}
		if i == 1 {
			// Another proto package, in its own Go package or sharing one.
			switch g.r.intn(10) {
			case 4, 5, 6:
				pf.pkg, pf.goPkg = "fuzz.other", "example.com/fuzz/other;otherpb"
			case 7, 8, 9:
				pf.pkg = "fuzz.other"
			}
		}
		g.files = append(g.files, pf)
	}
	if g.files[0].syntax == syntaxEditions && g.r.chance(25) {
		g.implicit = true
	}
	g.rules = g.r.chance(15)
	t.Logf("before msgs %d", g.r.pos)
	g.planMessages()
	t.Logf("after msgs %d", g.r.pos)
	for _, m := range g.msgs {
		if m.model {
			g.planKey(m)
		}
	}
	t.Logf("after keys %d", g.r.pos)
	for _, m := range g.msgs {
		n := g.r.intn(13)
		for i := 0; i < n; i++ {
			g.addField(m)
		}
	}
	t.Logf("after fields %d", g.r.pos)
	for _, m := range g.msgs {
		g.planFieldOptions(m)
		t.Logf("fieldopts %s %d", m.name, g.r.pos)
	}
	for _, m := range g.msgs {
		if m.model {
			g.planModelOptions(m)
		}
	}
	out := map[string]string{}
	for i, f := range g.files {
		out[f.path] = g.render(i)
	}
	return out
}
