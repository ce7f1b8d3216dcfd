package ormrt_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/ormrt"
)

// namedDialector is a dialector that only tells its name.
type namedDialector struct {
	gorm.Dialector
	name string
}

func (d namedDialector) Name() string { return d.name }

func TestCheckFields(t *testing.T) {
	pg := &gorm.DB{Config: &gorm.Config{Dialector: namedDialector{name: "postgres"}}}
	sqlite := &gorm.DB{Config: &gorm.Config{Dialector: namedDialector{name: "sqlite"}}}
	nul, ok, nan := "a\x00b", "ok", math.NaN()
	f32 := float32(math.Copysign(0, -1))
	var nilString *string
	fields := []string{"m.s", "m.ps", "m.nils", "m.f64", "m.pf64", "m.f32", "m.pf32", "m.j"}
	values := func() []any {
		pnan := &nan
		pf32 := &f32
		j := ormrt.JSON(`{"a":"\u0000"}`)
		ps := &nul
		return []any{&nul, &ps, &nilString, &nan, &pnan, &f32, &pf32, &j}
	}

	// PostgreSQL refuses NUL in text and in jsonb, and keeps every float.
	err := ormrt.CheckFields(pg, fields, values()...)
	assertFields(t, err, "m.s", "m.ps", "m.j")
	// SQLite keeps any text and JSON, but refuses NaN and negative zero.
	err = ormrt.CheckFields(sqlite, fields, values()...)
	assertFields(t, err, "m.f64", "m.pf64", "m.f32", "m.pf32")

	if err := ormrt.CheckFields(pg, []string{"m.s", "m.ps"}, &ok, &nilString); err != nil {
		t.Errorf("storable values refused: %v", err)
	}
	if err := ormrt.CheckFields(pg, []string{"m.i"}, new(int)); err == nil || !strings.Contains(err.Error(), "m.i") {
		t.Errorf("a value of an unchecked type: %v", err)
	}
	if err := ormrt.CheckFields(pg, []string{"m.s"}); err == nil {
		t.Error("fewer values than fields is no error")
	}
}

// assertFields checks that err joins one *FieldError per name, in order.
func assertFields(t *testing.T, err error, names ...string) {
	t.Helper()
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		t.Fatalf("not a joined error: %v", err)
	}
	errs := joined.Unwrap()
	if len(errs) != len(names) {
		t.Fatalf("got %d errors (%v), want %d naming %v", len(errs), err, len(names), names)
	}
	for i, e := range errs {
		var fe *ormrt.FieldError
		if !errors.As(e, &fe) || fe.Field != names[i] {
			t.Errorf("error %d: %v, want one naming %s", i, e, names[i])
		}
	}
}
