package ormrt_test

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/ormrt"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/typepb"
	"gorm.io/gorm"
)

func TestFieldError(t *testing.T) {
	base := errors.New("boom")
	var err error = &ormrt.FieldError{Field: "a.B.c", Err: base}
	if err.Error() != "a.B.c: boom" {
		t.Errorf("Error() = %q", err)
	}
	if !errors.Is(err, base) {
		t.Errorf("errors.Is failed")
	}
	wrapped := fmt.Errorf("saving: %w", err)
	var fe *ormrt.FieldError
	if !errors.As(wrapped, &fe) || fe.Field != "a.B.c" {
		t.Errorf("errors.As = %v", fe)
	}
	if got := (&ormrt.FieldError{Err: base}).Error(); got != "boom" {
		t.Errorf("Error() without field = %q", got)
	}
}

func TestDialectOf(t *testing.T) {
	if got := ormrt.DialectOf(nil); got != "" {
		t.Errorf("DialectOf(nil) = %q", got)
	}
	if got := ormrt.DialectOf(&gorm.DB{Config: &gorm.Config{}}); got != "" {
		t.Errorf("DialectOf(no dialector) = %q", got)
	}
}

func TestEnumNames(t *testing.T) {
	d := colorDesc
	for _, c := range []struct {
		n    protoreflect.EnumNumber
		name string
	}{
		{0, "COLOR_UNSPECIFIED"},
		{1, "COLOR_RED"},
		{2, "COLOR_GREEN"},
		{17, "17"},
		{-5, "-5"},
		{math.MaxInt32, "2147483647"},
		{math.MinInt32, "-2147483648"},
	} {
		if got := ormrt.EnumToName(c.n, d); got != c.name {
			t.Errorf("EnumToName(%d) = %q, want %q", c.n, got, c.name)
		}
		got, err := ormrt.EnumFromName(c.name, d, "f")
		if err != nil || got != c.n {
			t.Errorf("EnumFromName(%q) = %d, %v; want %d", c.name, got, err, c.n)
		}
	}
	// Generated enums work the same way.
	kd := typepb.Field_TYPE_INT64.Descriptor()
	if got := ormrt.EnumToName(protoreflect.EnumNumber(typepb.Field_TYPE_INT64), kd); got != "TYPE_INT64" {
		t.Errorf("EnumToName = %q", got)
	}
	if got, err := ormrt.EnumFromName("TYPE_BYTES", kd, "f"); err != nil || got != protoreflect.EnumNumber(typepb.Field_TYPE_BYTES) {
		t.Errorf("EnumFromName = %d, %v", got, err)
	}
	if got := ormrt.EnumToName(99, descriptorpb.FieldDescriptorProto_TYPE_INT64.Descriptor()); got != "99" {
		t.Errorf("EnumToName(99) = %q", got)
	}

	for _, bad := range []string{"", "garbage", "color_red", "COLOR_RED ", "1.0", "0x1", "2147483648", "-2147483649", "99999999999999999999"} {
		_, err := ormrt.EnumFromName(bad, d, "pkg.Msg.color")
		wantFieldError(t, err, "pkg.Msg.color", "COLOR_UNSPECIFIED, COLOR_RED, COLOR_GREEN")
		wantFieldError(t, err, "pkg.Msg.color", "test.v1.Color")
	}
}

func TestNonNilBytes(t *testing.T) {
	if b := ormrt.NonNilBytes(nil); b == nil || len(b) != 0 {
		t.Errorf("NonNilBytes(nil) = %#v", b)
	}
	in := []byte{0}
	if b := ormrt.NonNilBytes(in); &b[0] != &in[0] {
		t.Errorf("NonNilBytes copied its input")
	}
	if b := ormrt.NonNilBytes([]byte{}); b == nil {
		t.Errorf("NonNilBytes(empty) = nil")
	}
}

func TestUint64ValueScan(t *testing.T) {
	for _, c := range []struct {
		v    uint64
		text string
	}{
		{0, "00000000000000000000"},
		{1, "00000000000000000001"},
		{math.MaxInt64, "09223372036854775807"},
		{math.MaxInt64 + 1, "09223372036854775808"},
		{math.MaxUint64, "18446744073709551615"},
	} {
		v, err := ormrt.Uint64(c.v).Value()
		if err != nil || v != c.text {
			t.Errorf("Value(%d) = %#v, %v; want %q", c.v, v, err, c.text)
		}
		if s := ormrt.Uint64(c.v).String(); s != c.text {
			t.Errorf("String(%d) = %q", c.v, s)
		}
		for _, src := range []any{c.text, []byte(c.text), c.v, fmt.Sprint(c.v), []byte(fmt.Sprint(c.v))} {
			var u ormrt.Uint64
			if err := u.Scan(src); err != nil || uint64(u) != c.v {
				t.Errorf("Scan(%#v) = %d, %v; want %d", src, u, err, c.v)
			}
		}
		if c.v <= math.MaxInt64 {
			var u ormrt.Uint64
			if err := u.Scan(int64(c.v)); err != nil || uint64(u) != c.v {
				t.Errorf("Scan(int64 %d) = %d, %v", c.v, u, err)
			}
		}
	}
	for _, bad := range []any{nil, int64(-1), "", "-1", "+1", " 1", "1 ", "1.0", "18446744073709551616", "000000000000000000000000000018446744073709551616", "abc", 1.0, true, int32(1)} {
		u := ormrt.Uint64(7)
		if err := u.Scan(bad); err == nil {
			t.Errorf("Scan(%#v) succeeded: %d", bad, u)
		}
	}
	var u ormrt.Uint64
	if err := u.Scan("0000000000000000000000000042"); err != nil || u != 42 {
		t.Errorf("Scan(long zero padding) = %d, %v", u, err)
	}
	if ormrt.Uint64(0).GormDataType() == "" {
		t.Errorf("GormDataType is empty")
	}
	for d, want := range map[ormrt.Dialect]string{ormrt.Postgres: "NUMERIC(20,0)", ormrt.MySQL: "BIGINT UNSIGNED", ormrt.SQLite: "TEXT"} {
		if got := ormrt.Uint64Column(d); got != want {
			t.Errorf("Uint64Column(%s) = %s, want %s", d, got, want)
		}
	}
	// Text order of the stored form is numeric order.
	vals := []uint64{0, 1, 9, 10, 99, 100, 1 << 53, 1<<53 + 1, math.MaxInt64, math.MaxInt64 + 1, math.MaxUint64 - 1, math.MaxUint64}
	for i := 1; i < len(vals); i++ {
		if a, b := ormrt.Uint64(vals[i-1]).String(), ormrt.Uint64(vals[i]).String(); a >= b {
			t.Errorf("%q >= %q", a, b)
		}
	}
}

var allDialects = []ormrt.Dialect{ormrt.Postgres, ormrt.MySQL, ormrt.SQLite}

func TestCheckString(t *testing.T) {
	for _, c := range []struct {
		s       string
		refused []ormrt.Dialect
		msg     string
	}{
		{"", nil, ""},
		{"plain", nil, ""},
		{"😀 ünïcödé", nil, ""},
		{"a\x00b", []ormrt.Dialect{ormrt.Postgres}, "PostgreSQL cannot store NUL (0x00) in text; remove it or use a bytes field"},
		{"\x00", []ormrt.Dialect{ormrt.Postgres}, "NUL"},
		{"\xff", []ormrt.Dialect{ormrt.Postgres, ormrt.MySQL}, "invalid UTF-8"},
		{"a\xed\xa0\x80", []ormrt.Dialect{ormrt.Postgres}, "invalid UTF-8"},         // surrogate: MySQL keeps it
		{"\xed\xbf\xbfz", []ormrt.Dialect{ormrt.Postgres}, "invalid UTF-8"},         // surrogate at the end of the range
		{"\xed\xa0", []ormrt.Dialect{ormrt.Postgres, ormrt.MySQL}, "invalid UTF-8"}, // truncated surrogate
		{"\xed\xa0\x41", []ormrt.Dialect{ormrt.Postgres, ormrt.MySQL}, "invalid UTF-8"},
		{"\xc0\x80", []ormrt.Dialect{ormrt.Postgres, ormrt.MySQL}, "invalid UTF-8"},
		{"\xf4\x90\x80\x80", []ormrt.Dialect{ormrt.Postgres, ormrt.MySQL}, "invalid UTF-8"},
		{"\U0010ffff\ufffd", nil, ""},
	} {
		for _, d := range allDialects {
			refused := contains(c.refused, d)
			err := ormrt.CheckString(d, "library.v1.Book.title", c.s)
			if refused {
				wantFieldError(t, err, "library.v1.Book.title", c.msg)
			} else if err != nil {
				t.Errorf("CheckString(%s, %q) = %v", d, c.s, err)
			}
			s := c.s
			if got := ormrt.CheckStringPtr(d, "library.v1.Book.title", &s); (got != nil) != refused {
				t.Errorf("CheckStringPtr(%s, %q) = %v", d, c.s, got)
			}
		}
	}
	for _, d := range allDialects {
		if err := ormrt.CheckStringPtr(d, "f", nil); err != nil {
			t.Errorf("CheckStringPtr(%s, nil) = %v", d, err)
		}
	}
}

func TestCheckFloat(t *testing.T) {
	negZero := math.Copysign(0, -1)
	for _, c := range []struct {
		v       float64
		refused []ormrt.Dialect
		msg     string
	}{
		{0, nil, ""},
		{1.5, nil, ""},
		{math.MaxFloat64, nil, ""},
		{math.SmallestNonzeroFloat64, nil, ""},
		{math.NaN(), []ormrt.Dialect{ormrt.MySQL, ormrt.SQLite}, "NaN"},
		{math.Inf(1), []ormrt.Dialect{ormrt.MySQL}, "MySQL cannot store +Inf"},
		{math.Inf(-1), []ormrt.Dialect{ormrt.MySQL}, "MySQL cannot store -Inf"},
		{negZero, []ormrt.Dialect{ormrt.MySQL, ormrt.SQLite}, "negative zero"},
	} {
		for _, d := range allDialects {
			refused := contains(c.refused, d)
			check := func(name string, err error) {
				t.Helper()
				if refused {
					wantFieldError(t, err, "pkg.M.x", c.msg)
				} else if err != nil {
					t.Errorf("%s(%s, %v) = %v", name, d, c.v, err)
				}
			}
			check("CheckFloat64", ormrt.CheckFloat64(d, "pkg.M.x", c.v))
			v := c.v
			check("CheckFloat64Ptr", ormrt.CheckFloat64Ptr(d, "pkg.M.x", &v))
			if c.v == math.MaxFloat64 || c.v == math.SmallestNonzeroFloat64 {
				continue // not a float32
			}
			check("CheckFloat32", ormrt.CheckFloat32(d, "pkg.M.x", float32(c.v)))
			f := float32(c.v)
			check("CheckFloat32Ptr", ormrt.CheckFloat32Ptr(d, "pkg.M.x", &f))
		}
	}
	for _, d := range allDialects {
		if ormrt.CheckFloat64Ptr(d, "f", nil) != nil || ormrt.CheckFloat32Ptr(d, "f", nil) != nil {
			t.Errorf("Check*Ptr(%s, nil) refused", d)
		}
	}
}

func TestCheckJSON(t *testing.T) {
	for _, c := range []struct {
		j       string
		refused bool // on PostgreSQL
	}{
		{`null`, false},
		{`[]`, false},
		{`"a"`, false},
		{`"\u0000"`, true},
		{`["x\u0000y"]`, true},
		{`{"k\u0000":1}`, true},
		{`{"a":"\\u0000"}`, false}, // an escaped backslash, then text
		{`{"a":"\\\u0000"}`, true},
		{`{"a":"\u00001"}`, true},
		{`{"a":"\u0001"}`, false},
		{`{"a":"\u1000"}`, false},
		{`{"a":"\"\u0000"}`, true},
		{`{"a":"\"","b":"u0000"}`, false},
		{`"\u000`, false},
		{`-0`, true},
		{`[-0]`, true},
		{`[1,-0.0]`, true},
		{`{"a":-0e5}`, true},
		{`{"a":-0.000E-3}`, true},
		{`[-0.1]`, false},
		{`[-1e-0]`, false},
		{`[1e-0,2E-00]`, false},
		{`[0,0.0,0e0]`, false},
		{`["-0"]`, false},
		{`{"-0":1}`, false},
		{`[-10]`, false},
		{`[-1]`, false},
		{`[-0.0000000001]`, false},
	} {
		for _, d := range allDialects {
			err := ormrt.CheckJSON(d, "pkg.M.j", ormrt.JSON(c.j))
			if c.refused && d == ormrt.Postgres {
				msg := `PostgreSQL jsonb cannot store NUL (\u0000)`
				if strings.Contains(c.j, "-0") {
					msg = "PostgreSQL jsonb cannot store negative zero"
				}
				wantFieldError(t, err, "pkg.M.j", msg)
			} else if err != nil {
				t.Errorf("CheckJSON(%s, %s) = %v", d, c.j, err)
			}
		}
	}
	if err := ormrt.CheckJSON(ormrt.Postgres, "f", nil); err != nil {
		t.Errorf("CheckJSON(nil) = %v", err)
	}
}

func contains(ds []ormrt.Dialect, d ormrt.Dialect) bool {
	for _, x := range ds {
		if x == d {
			return true
		}
	}
	return false
}

func TestEnumFromNameLongList(t *testing.T) {
	d := descriptorpb.FieldDescriptorProto_TYPE_INT64.Descriptor() // 18 values
	_, err := ormrt.EnumFromName("NOPE", d, "f")
	wantFieldError(t, err, "f", "TYPE_DOUBLE, TYPE_FLOAT")
	if strings.Contains(err.Error(), "...") {
		t.Errorf("short list cut: %v", err)
	}
	big := typepb.Field_TYPE_INT64.Descriptor() // 19 kinds
	_, err = ormrt.EnumFromName("NOPE", big, "f")
	wantFieldError(t, err, "f", "TYPE_UNKNOWN")
}

// TestCheckJSONDepth: on MySQL and MariaDB, a JSON value nested deeper
// than MariaDB's JSON_VALID takes is refused naming its field; brackets in
// strings are text, and PostgreSQL and SQLite take any depth.
func TestCheckJSONDepth(t *testing.T) {
	nested := func(n int) ormrt.JSON {
		return ormrt.JSON(strings.Repeat(`{"a":[`, n/2) + strings.Repeat("[", n%2) + `1` + strings.Repeat("]", n%2) + strings.Repeat(`]}`, n/2))
	}
	for _, c := range []struct {
		j       ormrt.JSON
		refused bool // on MySQL
	}{
		{nested(1), false},
		{nested(31), false},
		{nested(32), true},
		{nested(200), true},
		{ormrt.JSON(`["` + strings.Repeat("[{", 40) + `"]`), false},
		{ormrt.JSON(`["\"` + strings.Repeat("[", 40) + `"]`), false},
	} {
		err := ormrt.CheckJSON(ormrt.MySQL, "f", c.j)
		if (err != nil) != c.refused {
			t.Errorf("%.60s…: MySQL error %v, want refused %v", c.j, err, c.refused)
		}
		if err != nil && !strings.Contains(err.Error(), "f") {
			t.Errorf("the error does not name the field: %v", err)
		}
		for _, d := range []ormrt.Dialect{ormrt.Postgres, ormrt.SQLite} {
			if err := ormrt.CheckJSON(d, "f", c.j); err != nil {
				t.Errorf("%v refuses %.60s…: %v", d, c.j, err)
			}
		}
	}
}
