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

// TestCheckModel: CheckModel checks the fields of a model that carry a
// protoforge tag, as CheckFields does, naming them by their tags, in field
// order; untagged fields and fields of types every database stores
// unchanged are not checked, and a value that is not a pointer to a struct
// is an error.
func TestCheckModel(t *testing.T) {
	pg := &gorm.DB{Config: &gorm.Config{Dialector: namedDialector{name: "postgres"}}}
	sqlite := &gorm.DB{Config: &gorm.Config{Dialector: namedDialector{name: "sqlite"}}}
	type model struct {
		S      string     `gorm:"column:s" protoforge:"m.s"`
		PS     *string    `protoforge:"m.ps"`
		NilS   *string    `protoforge:"m.nils"`
		F64    float64    `protoforge:"m.f64"`
		PF64   *float64   `protoforge:"m.pf64"`
		F32    float32    `protoforge:"m.f32"`
		PF32   *float32   `protoforge:"m.pf32"`
		J      ormrt.JSON `protoforge:"m.j"`
		Free   string     // not checked
		Number int64
	}
	nul, nan, f32 := "a\x00b", math.NaN(), float32(math.Copysign(0, -1))
	m := &model{S: nul, PS: &nul, F64: nan, PF64: &nan, F32: f32, PF32: &f32, J: ormrt.JSON(`{"a":"\u0000"}`), Free: nul}
	assertFields(t, ormrt.CheckModel(pg, m), "m.s", "m.ps", "m.j")
	assertFields(t, ormrt.CheckModel(sqlite, m), "m.f64", "m.pf64", "m.f32", "m.pf32")
	if err := ormrt.CheckModel(pg, &model{S: "ok", Free: nul}); err != nil {
		t.Errorf("storable values refused (the untagged field is not checked): %v", err)
	}
	// Tags also describe the conversions (CopyToModel): a field of a type
	// every database stores unchanged is not checked, and the tag's option
	// is not part of the name.
	type other struct {
		N    int64  `protoforge:"m.n"`
		Part string `protoforge:"m.name,name"`
	}
	if err := ormrt.CheckModel(pg, &other{N: -1, Part: "ok"}); err != nil {
		t.Errorf("an int64 and a storable name part: %v", err)
	}
	assertFields(t, ormrt.CheckModel(pg, &other{Part: nul}), "m.name")
	for _, v := range []any{model{}, (*model)(nil), new(int)} {
		if err := ormrt.CheckModel(pg, v); err == nil {
			t.Errorf("CheckModel(%T) is no error", v)
		}
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

// TestCheckModelSortedNUL: on MySQL and MariaDB, a string that ends in NUL
// is refused in a column an index may sort by (their sorts of a page pad
// strings with NUL); elsewhere in the string, in a column of no index, and
// on SQLite it is stored.
func TestCheckModelSortedNUL(t *testing.T) {
	mysql := &gorm.DB{Config: &gorm.Config{Dialector: namedDialector{name: "mysql"}}}
	sqlite := &gorm.DB{Config: &gorm.Config{Dialector: namedDialector{name: "sqlite"}}}
	type model struct {
		Title  string  `gorm:"column:title;index:idx_title_id,priority:1" protoforge:"m.title"`
		Isbn   string  `gorm:"column:isbn;index:uniq_isbn,unique" protoforge:"m.isbn"`
		Key    string  `gorm:"column:key;primaryKey" protoforge:"m.key"`
		Opt    *string `gorm:"column:opt;uniqueIndex" protoforge:"m.opt"`
		Free   string  `gorm:"column:free" protoforge:"m.free"`
		Inside string  `gorm:"column:inside;index" protoforge:"m.inside"`
	}
	trailing, inside := "f\x00", "f\x00g"
	m := &model{Title: trailing, Isbn: trailing, Key: trailing, Opt: &trailing, Free: trailing, Inside: inside}
	err := ormrt.CheckModel(mysql, m)
	assertFields(t, err, "m.title", "m.isbn", "m.key", "m.opt")
	if !strings.Contains(err.Error(), "skip or repeat rows") {
		t.Errorf("the reason is not given: %v", err)
	}
	if err := ormrt.CheckModel(sqlite, m); err != nil {
		t.Errorf("SQLite: %v", err)
	}
	if err := ormrt.CheckModel(mysql, &model{Title: "f", Free: trailing, Inside: inside}); err != nil {
		t.Errorf("MySQL, no trailing NUL in an indexed column: %v", err)
	}
}
