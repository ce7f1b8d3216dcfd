package ormrt_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
	"gorm.io/gorm"
)

type floatRow struct {
	ID  int64   `gorm:"primaryKey;autoIncrement:false"`
	F64 float64 `gorm:"type:double precision"`
	F32 float32 `gorm:"type:real"`
}

var float64Cases = []struct {
	name string
	v    float64
}{
	{"zero", 0},
	{"one", 1},
	{"NaN", math.NaN()},
	{"+Inf", math.Inf(1)},
	{"-Inf", math.Inf(-1)},
	{"-0", math.Copysign(0, -1)},
	{"smallest subnormal", math.SmallestNonzeroFloat64},
	{"-smallest subnormal", -math.SmallestNonzeroFloat64},
	{"largest subnormal", math.Float64frombits(0x000fffffffffffff)},
	{"smallest normal", math.Float64frombits(0x0010000000000000)},
	{"MaxFloat64", math.MaxFloat64},
	{"-MaxFloat64", -math.MaxFloat64},
	{"2^53+1 as float", float64(1<<53 + 1)},
	{"2^53+2", float64(1<<53 + 2)},
	{"0.1", 0.1},
	{"1/3", 1.0 / 3},
	{"pi", math.Pi},
	{"2^63", math.Ldexp(1, 63)},
}

var float32Cases = []struct {
	name string
	v    float32
}{
	{"zero", 0},
	{"one", 1},
	{"NaN", float32(math.NaN())},
	{"+Inf", float32(math.Inf(1))},
	{"-Inf", float32(math.Inf(-1))},
	{"-0", float32(math.Copysign(0, -1))},
	{"smallest subnormal", math.SmallestNonzeroFloat32},
	{"-smallest subnormal", -math.SmallestNonzeroFloat32},
	{"largest subnormal", math.Float32frombits(0x007fffff)},
	{"smallest normal", math.Float32frombits(0x00800000)},
	{"MaxFloat32", math.MaxFloat32},
	{"-MaxFloat32", -math.MaxFloat32},
	{"2^24+1 as float", float32(1<<24 + 1)},
	{"0.1", 0.1},
	{"1/3", float32(1.0 / 3)},
	{"pi", math.Pi},
}

func sameFloat64(a, b float64) bool {
	if math.IsNaN(a) {
		return math.IsNaN(b)
	}
	return math.Float64bits(a) == math.Float64bits(b)
}

func sameFloat32(a, b float32) bool {
	if math.IsNaN(float64(a)) {
		return math.IsNaN(float64(b))
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

// TestDBFloats writes edge-case floats to double precision and real columns
// and checks that each value either comes back bit for bit or is refused by
// CheckFloat64/CheckFloat32 on that dialect, and that nothing which comes
// back is refused.
func TestDBFloats(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		d := ormrt.DialectOf(db)
		if err := db.AutoMigrate(&floatRow{}); err != nil {
			t.Fatal(err)
		}
		var id int64
		for _, c := range float64Cases {
			id++
			got, err := roundTripFloat(db, floatRow{ID: id, F64: c.v}, func(r floatRow) float64 { return r.F64 })
			kept := err == nil && sameFloat64(c.v, got)
			checkErr := ormrt.CheckFloat64(d, "f64", c.v)
			t.Logf("double %-20s %-6v kept=%v got=%v err=%v", c.name, c.v, kept, got, err)
			if kept && checkErr != nil {
				t.Errorf("double %s (%v): the database keeps it, but CheckFloat64 refuses it: %v", c.name, c.v, checkErr)
			}
			if !kept && checkErr == nil {
				t.Errorf("double %s (%v): the database does not keep it (got %v, err %v), but CheckFloat64 accepts it", c.name, c.v, got, err)
			}
		}
		for _, c := range float32Cases {
			id++
			got, err := roundTripFloat(db, floatRow{ID: id, F32: c.v}, func(r floatRow) float64 { return float64(r.F32) })
			kept := err == nil && sameFloat32(c.v, float32(got))
			checkErr := ormrt.CheckFloat32(d, "f32", c.v)
			t.Logf("real   %-20s %-6v kept=%v got=%v err=%v", c.name, c.v, kept, got, err)
			if kept && checkErr != nil {
				t.Errorf("real %s (%v): the database keeps it, but CheckFloat32 refuses it: %v", c.name, c.v, checkErr)
			}
			if !kept && checkErr == nil {
				t.Errorf("real %s (%v): the database does not keep it (got %v, err %v), but CheckFloat32 accepts it", c.name, c.v, got, err)
			}
		}
	})
}

// roundTripFloat creates row, reads it back and returns the float selected
// by pick.
func roundTripFloat(db *gorm.DB, row floatRow, pick func(floatRow) float64) (float64, error) {
	if err := db.Create(&row).Error; err != nil {
		return 0, fmt.Errorf("create: %w", err)
	}
	var back floatRow
	if err := db.First(&back, row.ID).Error; err != nil {
		return 0, fmt.Errorf("read: %w", err)
	}
	return pick(back), nil
}
