package ormrt

import (
	"fmt"
	"reflect"
	"sync"

	"gorm.io/gorm/schema"
)

// Layout is where the columns of a generated model live in its struct:
// the fields whose gorm tag names a column, in the order of the struct.
type Layout struct {
	// Columns are the columns, in the order of the struct's fields.
	Columns []string
	// Fields are the struct fields of Columns, in the same order.
	Fields []reflect.StructField
}

var layouts sync.Map // reflect.Type (the struct) → *Layout

// LayoutOf returns the layout of a model struct type (or a pointer to
// one). It is read from the gorm tags once per type: every field with a
// `column:` setting is a column; associations have none.
func LayoutOf(t reflect.Type) (*Layout, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("ormrt: %v is not a model struct", t)
	}
	if l, ok := layouts.Load(t); ok {
		return l.(*Layout), nil
	}
	l := &Layout{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("gorm")
		if !ok || !f.IsExported() {
			continue
		}
		if col := schema.ParseTagSetting(tag, ";")["COLUMN"]; col != "" {
			l.Columns = append(l.Columns, col)
			l.Fields = append(l.Fields, f)
		}
	}
	got, _ := layouts.LoadOrStore(t, l)
	return got.(*Layout), nil
}

// Columns lists the columns of a generated model (a pointer to its struct),
// in the order of ScanDest; nil for a value that is not a model.
func Columns(model any) []string {
	l, err := LayoutOf(reflect.TypeOf(model))
	if err != nil {
		return nil
	}
	return l.Columns
}

// ScanDest returns the destinations of a row of Columns in model, a
// non-nil pointer to a generated model struct, for sql.Rows.Scan: a
// pointer to each column's field. It panics on anything else, as a call
// with a wrong type is a programming error.
func ScanDest(model any) []any {
	v := reflect.ValueOf(model)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		panic(fmt.Sprintf("ormrt: ScanDest of %T; want a non-nil pointer to a model struct", model))
	}
	l, err := LayoutOf(v.Type())
	if err != nil {
		panic(err.Error())
	}
	v = v.Elem()
	out := make([]any, len(l.Fields))
	for i, f := range l.Fields {
		out[i] = v.FieldByIndex(f.Index).Addr().Interface()
	}
	return out
}
