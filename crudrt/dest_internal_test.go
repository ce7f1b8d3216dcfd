package crudrt

import (
	"reflect"
	"testing"
	"time"
	"unsafe"

	"gorm.io/gorm"

	"github.com/protoforge/protoforge/ormrt"
)

// TestArgIsArgOfDest: the argument made from a field's place is the one
// argOf makes from its destination, for every kind of destination, set
// and unset.
func TestArgIsArgOfDest(t *testing.T) {
	type row struct {
		S    string
		I64  int64
		I32  int32
		B    bool
		F64  float64
		Bs   []byte
		T    *time.Time
		PS   *string
		PI64 *int64
		PI32 *int32
		U    ormrt.Uint64
		J    ormrt.JSON
		F32  float32
		PF   *float64
		D    gorm.DeletedAt
	}
	now, s, i64, i32 := time.Now(), "x", int64(-1), int32(7)
	pf := 1.5
	for _, r := range []row{{}, {S: "s", I64: 1 << 62, I32: -3, B: true, F64: 2.5, Bs: []byte{0}, T: &now, PS: &s, PI64: &i64, PI32: &i32, U: 18446744073709551615, J: ormrt.JSON(`{"a":1}`), F32: 3, PF: &pf, D: gorm.DeletedAt{Time: now, Valid: true}}} {
		rt := reflect.TypeOf(r)
		seen := map[destKind]bool{}
		for i := 0; i < rt.NumField(); i++ {
			sf := rt.Field(i)
			f := fieldDest{off: sf.Offset, typ: sf.Type, kind: destKinds[sf.Type]}
			seen[f.kind] = true
			p := unsafe.Add(unsafe.Pointer(&r), f.off)
			got, err := f.arg(p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := argOf(f.at(p))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: arg %#v, argOf(dest) %#v", sf.Name, got, want)
			}
		}
		for k := destOther; k <= destDeletedAt; k++ {
			if !seen[k] {
				t.Errorf("no field of dest kind %d", k)
			}
		}
	}
}
