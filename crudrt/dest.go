package crudrt

import (
	"fmt"
	"reflect"
	"time"
	"unsafe"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/ormrt"
)

// fieldDest is where a column lives in the model struct: its field's
// offset and type, and for the common types a kind that makes the
// destination without reflection.
type fieldDest struct {
	off  uintptr
	typ  reflect.Type
	kind destKind
}

type destKind uint8

const (
	destOther destKind = iota
	destString
	destInt64
	destInt32
	destBool
	destFloat64
	destBytes
	destTimePtr
	destStringPtr
	destInt64Ptr
	destInt32Ptr
	destUint64
	destJSON
	destDeletedAt
)

var destKinds = map[reflect.Type]destKind{
	reflect.TypeFor[string]():       destString,
	reflect.TypeFor[int64]():        destInt64,
	reflect.TypeFor[int32]():        destInt32,
	reflect.TypeFor[bool]():         destBool,
	reflect.TypeFor[float64]():      destFloat64,
	reflect.TypeFor[[]byte]():       destBytes,
	reflect.TypeFor[*time.Time]():   destTimePtr,
	reflect.TypeFor[*string]():      destStringPtr,
	reflect.TypeFor[*int64]():       destInt64Ptr,
	reflect.TypeFor[*int32]():       destInt32Ptr,
	reflect.TypeFor[ormrt.Uint64](): destUint64,
	reflect.TypeFor[ormrt.JSON]():   destJSON,
	// The soft-delete column of a model (AIP-164).
	reflect.TypeFor[gorm.DeletedAt](): destDeletedAt,
}

// modelDests locates each column of res in its model struct, by the
// column's GoField, and checks that the field's gorm tag names that
// column: the model and the resource describe the same table.
func modelDests(res *Resource) ([]fieldDest, error) {
	t := reflect.TypeOf(res.Model).Elem()
	l, err := ormrt.LayoutOf(t)
	if err != nil {
		return nil, err
	}
	same := len(l.Columns) == len(res.Columns)
	for i := 0; same && i < len(l.Columns); i++ {
		same = l.Columns[i] == res.Columns[i].Name
	}
	if !same {
		names := make([]string, len(res.Columns))
		for i, c := range res.Columns {
			names[i] = c.Name
		}
		return nil, fmt.Errorf("columns %q differ from the model's %q", names, l.Columns)
	}
	out := make([]fieldDest, len(res.Columns))
	for i, c := range res.Columns {
		f := l.Fields[i]
		if f.Name != c.GoField {
			return nil, fmt.Errorf("column %s is the model's field %s, not %s", c.Name, f.Name, c.GoField)
		}
		out[i] = fieldDest{off: f.Offset, typ: f.Type, kind: destKinds[f.Type]}
	}
	return out, nil
}

// dest returns the destinations of a row of the resource's columns in m,
// a pointer to a model struct: a typed pointer to each column's field.
func (s *Service) dest(m any) []any {
	base := modelBase(m)
	out := make([]any, len(s.dests))
	for i, f := range s.dests {
		out[i] = f.at(unsafe.Add(base, f.off))
	}
	return out
}

// at is the destination of the field at p.
func (f fieldDest) at(p unsafe.Pointer) any {
	switch f.kind {
	case destString:
		return (*string)(p)
	case destInt64:
		return (*int64)(p)
	case destInt32:
		return (*int32)(p)
	case destBool:
		return (*bool)(p)
	case destFloat64:
		return (*float64)(p)
	case destBytes:
		return (*[]byte)(p)
	case destTimePtr:
		return (**time.Time)(p)
	case destStringPtr:
		return (**string)(p)
	case destInt64Ptr:
		return (**int64)(p)
	case destInt32Ptr:
		return (**int32)(p)
	case destUint64:
		return (*ormrt.Uint64)(p)
	case destJSON:
		return (*ormrt.JSON)(p)
	case destDeletedAt:
		return (*gorm.DeletedAt)(p)
	}
	return reflect.NewAt(f.typ, p).Interface()
}

// modelBase is the address of the model struct m points to, to which
// the dests' offsets are added.
func modelBase(m any) unsafe.Pointer { return reflect.ValueOf(m).UnsafePointer() }

// arg is argOf(f.at(p)), made without the destination for the common
// types.
func (f fieldDest) arg(p unsafe.Pointer) (any, error) {
	switch f.kind {
	case destString:
		return *(*string)(p), nil
	case destInt64:
		return *(*int64)(p), nil
	case destInt32:
		return *(*int32)(p), nil
	case destBool:
		return *(*bool)(p), nil
	case destFloat64:
		return *(*float64)(p), nil
	case destBytes:
		return *(*[]byte)(p), nil
	case destTimePtr:
		if t := *(**time.Time)(p); t != nil {
			return *t, nil
		}
		return nil, nil
	case destUint64:
		return (*(*ormrt.Uint64)(p)).Value()
	case destJSON:
		return (*(*ormrt.JSON)(p)).Value()
	case destDeletedAt:
		// gorm.DeletedAt's Value.
		if d := (*gorm.DeletedAt)(p); d.Valid {
			return d.Time, nil
		}
		return nil, nil
	}
	return argOf(f.at(p))
}
