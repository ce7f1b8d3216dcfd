package ormrt_test

import (
	"context"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// sqlRecorder is a GORM logger that keeps the SQL it sees.
type sqlRecorder struct {
	mu  sync.Mutex
	sql []string
}

func (r *sqlRecorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *sqlRecorder) Info(context.Context, string, ...any)     {}
func (r *sqlRecorder) Warn(context.Context, string, ...any)     {}
func (r *sqlRecorder) Error(context.Context, string, ...any)    {}
func (r *sqlRecorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	s, _ := fc()
	r.mu.Lock()
	r.sql = append(r.sql, s)
	r.mu.Unlock()
}

// migrateTwice runs AutoMigrate, then runs it again and fails the test if
// the second run changes the schema: the column types ormrt declares must
// match what the database reports back.
func migrateTwice(t *testing.T, db *gorm.DB, model any) {
	t.Helper()
	for _, s := range remigrate(t, db, model) {
		t.Errorf("second AutoMigrate changed the schema: %s", s)
	}
}

// remigrate runs AutoMigrate twice and returns the statements of the second
// run that change the schema.
func remigrate(t *testing.T, db *gorm.DB, model any) []string {
	t.Helper()
	if err := db.AutoMigrate(model); err != nil {
		t.Fatalf("AutoMigrate: %v", err)
	}
	rec := &sqlRecorder{}
	if err := db.Session(&gorm.Session{Logger: rec}).AutoMigrate(model); err != nil {
		t.Fatalf("second AutoMigrate: %v", err)
	}
	var changes []string
	for _, s := range rec.sql {
		if u := strings.ToUpper(strings.TrimSpace(s)); strings.HasPrefix(u, "ALTER") || strings.HasPrefix(u, "CREATE") || strings.HasPrefix(u, "DROP") {
			changes = append(changes, s)
		}
	}
	return changes
}

type stringRow struct {
	ID int64   `gorm:"primaryKey;autoIncrement:false"`
	S  string  `gorm:"type:text;not null"`
	P  *string `gorm:"type:text"`
}

// TestDBStrings checks that each string either comes back unchanged or is
// refused by CheckString, and that nothing which comes back is refused.
func TestDBStrings(t *testing.T) {
	cases := []struct{ name, s string }{
		{"empty", ""},
		{"ascii", "hello"},
		{"trailing spaces", "a  "},
		{"NUL", "a\x00b"},
		{"only NUL", "\x00"},
		{"4-byte UTF-8", "😀"},
		{"mixed", "ünï 😀 \u2028 \t\r\n'\"\\"},
		{"invalid UTF-8", "a\xffb"},
		{"surrogate half", "\xed\xa0\x80"},
		{"surrogate pair as CESU-8", "\xed\xa0\xbd\xed\xb8\x80"},
		{"overlong NUL", "\xc0\x80"},
		{"overlong slash", "\xe0\x80\xaf"},
		{"above U+10FFFF", "\xf4\x90\x80\x80"},
		{"5-byte form", "\xf8\x88\x80\x80\x80"},
		{"truncated", "a\xe2\x82"},
		{"lone continuation", "\x80"},
		{"U+FFFF", "\uffff"},
		{"U+10FFFF", "\U0010ffff"},
		{"long", strings.Repeat("ab😀", 5000)},
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		d := ormrt.DialectOf(db)
		migrateTwice(t, db, &stringRow{})
		for i, c := range cases {
			id := int64(i + 1)
			s := c.s
			var got stringRow
			err := db.Create(&stringRow{ID: id, S: c.s, P: &s}).Error
			if err == nil {
				err = db.First(&got, id).Error
			}
			kept := err == nil && got.S == c.s && got.P != nil && *got.P == c.s
			checkErr := ormrt.CheckString(d, "s", c.s)
			t.Logf("%-16s kept=%v err=%v", c.name, kept, err)
			if kept && checkErr != nil {
				t.Errorf("%s: the database keeps it, but CheckString refuses it: %v", c.name, checkErr)
			}
			if !kept && checkErr == nil {
				t.Errorf("%s: the database does not keep it (got %q, err %v), but CheckString accepts it", c.name, got.S, err)
			}
			if (ormrt.CheckStringPtr(d, "p", &s) == nil) != (checkErr == nil) {
				t.Errorf("%s: CheckStringPtr disagrees with CheckString", c.name)
			}
		}
		var null stringRow
		if err := db.Create(&stringRow{ID: 1000}).Error; err != nil {
			t.Fatal(err)
		}
		if err := db.First(&null, 1000).Error; err != nil || null.P != nil || null.S != "" {
			t.Errorf("NULL string: %+v, %v", null, err)
		}
	})
}

type uint64Row struct {
	ID int64         `gorm:"primaryKey;autoIncrement:false"`
	U  ormrt.Uint64  `gorm:"not null"`
	P  *ormrt.Uint64 ``
}

func TestDBUint64(t *testing.T) {
	vals := []uint64{
		math.MaxUint64, 0, math.MaxInt64 + 1, 1, math.MaxUint64 - 1, math.MaxInt64,
		1<<53 + 1, 1 << 53, 10, 9, 100,
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		migrateTwice(t, db, &uint64Row{})
		for i, v := range vals {
			p := ormrt.Uint64(v)
			if err := db.Create(&uint64Row{ID: int64(i + 1), U: ormrt.Uint64(v), P: &p}).Error; err != nil {
				t.Fatalf("create %d: %v", v, err)
			}
		}
		if err := db.Create(&uint64Row{ID: 100, U: 5}).Error; err != nil {
			t.Fatal(err)
		}
		for i, v := range vals {
			var got uint64Row
			if err := db.First(&got, i+1).Error; err != nil {
				t.Fatalf("read %d: %v", v, err)
			}
			if uint64(got.U) != v || got.P == nil || uint64(*got.P) != v {
				t.Errorf("round trip of %d gave %d, %v", v, got.U, got.P)
			}
		}
		var null uint64Row
		if err := db.First(&null, 100).Error; err != nil || null.P != nil || null.U != 5 {
			t.Errorf("NULL *Uint64: %+v, %v", null, err)
		}

		// ORDER BY the column gives numeric order.
		var rows []uint64Row
		if err := db.Where("id < ?", 100).Order("u").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(rows); i++ {
			if rows[i-1].U >= rows[i].U {
				t.Errorf("ORDER BY u: %d before %d", rows[i-1].U, rows[i].U)
			}
		}
		if len(rows) != len(vals) {
			t.Errorf("ORDER BY u: %d rows, want %d", len(rows), len(vals))
		}

		// Comparisons with a Uint64 argument are exact, also above 2^53.
		for _, c := range []struct {
			where string
			arg   uint64
			want  int64
		}{
			{"u = ?", math.MaxUint64 - 1, 1},
			{"u = ?", math.MaxUint64, 1},
			{"u = ?", 1<<53 + 1, 1},
			{"u > ?", math.MaxUint64 - 1, 1},
			{"u >= ?", math.MaxUint64 - 1, 2},
			{"u < ?", 1 << 53, 7}, // 0 1 5 9 10 100 (and 1<<53 excluded)
			{"u > ?", math.MaxInt64, 3},
			{"p = ?", math.MaxInt64 + 1, 1},
		} {
			var n int64
			if err := db.Model(&uint64Row{}).Where(c.where, ormrt.Uint64(c.arg)).Count(&n).Error; err != nil {
				t.Fatalf("%s %d: %v", c.where, c.arg, err)
			}
			if c.where == "u < ?" {
				c.want = 6
			}
			if n != c.want {
				t.Errorf("WHERE %s with %d: %d rows, want %d", c.where, c.arg, n, c.want)
			}
		}
		var got uint64Row
		if err := db.Where(&uint64Row{U: math.MaxUint64 - 1}).First(&got).Error; err != nil || got.ID != 5 {
			t.Errorf("Where(struct) found %+v, %v", got, err)
		}

		// Why Uint64 binds an integer on MySQL: a string argument compares
		// in floating point there.
		var n int64
		if err := db.Model(&uint64Row{}).Where("u = ?", ormrt.Uint64(math.MaxUint64-1).String()).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		t.Logf("WHERE u = '%d' as a string argument matches %d rows", uint64(math.MaxUint64-1), n)

		// Updates go through the same binding.
		if err := db.Model(&uint64Row{ID: 1}).Update("u", ormrt.Uint64(math.MaxUint64-2)).Error; err != nil {
			t.Fatal(err)
		}
		var updated uint64Row
		if err := db.First(&updated, 1).Error; err != nil || updated.U != math.MaxUint64-2 {
			t.Errorf("after Update: %d, %v", updated.U, err)
		}
	})
}

type jsonRow struct {
	ID int64      `gorm:"primaryKey;autoIncrement:false"`
	J  ormrt.JSON ``
}

// TestDBJSON stores FieldToJSON output in the JSON column of each database
// and decodes it back with JSONToField. Each value must come back equal or
// be refused by CheckJSON.
func TestDBJSON(t *testing.T) {
	type storeCase struct {
		name string
		num  protoreflect.FieldNumber
		set  func(protoreflect.Message, protoreflect.FieldDescriptor)
	}
	cases := []storeCase{}
	for _, c := range jsonCases() {
		cases = append(cases, storeCase{c.name, c.num, c.set})
	}
	cases = append(cases,
		storeCase{"struct with NUL", fStruct, setMsg(mustStruct(map[string]any{"a": "x\x00y"}))},
		storeCase{"map key with NUL", fCounts, setMap(vStr("k\x00"), vI64(1))},
		storeCase{"negative zero list value", fList, setMsg(&structpb.ListValue{Values: []*structpb.Value{structpb.NewNumberValue(math.Copysign(0, -1))}})},
		storeCase{"big and tiny doubles", fDoubles, setList(vF64(1e300), vF64(-math.MaxFloat64), vF64(math.SmallestNonzeroFloat64), vF64(1.0000000000000002), vF64(123456789012345680000))},
		storeCase{"bytes with NUL", fBlobs, setList(vByt([]byte{0, 0, 0}))},
	)
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		d := ormrt.DialectOf(db)
		migrateTwice(t, db, &jsonRow{})
		if d == ormrt.MySQL {
			var version string
			if err := db.Raw("SELECT VERSION()").Scan(&version).Error; err != nil {
				t.Fatal(err)
			}
			want := ormrt.JSONColumnMySQL
			if strings.Contains(version, "MariaDB") {
				want = ormrt.JSONColumnMariaDB
			}
			if got := (ormrt.JSON{}).GormDBDataType(db, nil); got != want {
				t.Errorf("GormDBDataType on %s = %s, want %s", version, got, want)
			}
		}
		for i, c := range cases {
			id := int64(i + 1)
			m := newSample()
			fd := fieldOf(t, m, c.num)
			if c.set != nil {
				c.set(m, fd)
			}
			j, err := ormrt.FieldToJSON(m, c.num)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			var got jsonRow
			err = db.Create(&jsonRow{ID: id, J: j}).Error
			if err == nil {
				err = db.First(&got, id).Error
			}
			back := newSample()
			if err == nil {
				err = ormrt.JSONToField(back, c.num, got.J)
			}
			want := newSample()
			if m.Has(fd) {
				want.Set(fd, m.Get(fd))
			}
			kept := err == nil && proto.Equal(back.Interface(), want.Interface()) && (got.J == nil) == (j == nil)
			if err == nil && (c.num == fDoubles || c.num == fList) {
				// proto.Equal treats -0 and 0 as equal: compare bits.
				kept = kept && sameDoubles(m, back, fd)
			}
			checkErr := ormrt.CheckJSON(d, "j", j)
			if string(got.J) != string(j) {
				t.Logf("%-28s stored %s, read back %s", c.name, j, got.J)
			}
			if kept && checkErr != nil {
				t.Errorf("%s: the database keeps %s, but CheckJSON refuses it: %v", c.name, j, checkErr)
			}
			if !kept && checkErr == nil {
				t.Errorf("%s: the database does not keep %s (got %s, err %v), but CheckJSON accepts it", c.name, j, got.J, err)
			}
		}
	})
}

// sameDoubles compares the doubles in field fd of a and b bit for bit; fd is
// a repeated double or a google.protobuf.ListValue of numbers.
func sameDoubles(a, b protoreflect.Message, fd protoreflect.FieldDescriptor) bool {
	nums := func(m protoreflect.Message) []float64 {
		var out []float64
		if fd.IsList() {
			l := m.Get(fd).List()
			for i := 0; i < l.Len(); i++ {
				out = append(out, l.Get(i).Float())
			}
			return out
		}
		lv := &structpb.ListValue{}
		proto.Merge(lv, m.Get(fd).Message().Interface())
		for _, v := range lv.Values {
			out = append(out, v.GetNumberValue())
		}
		return out
	}
	x, y := nums(a), nums(b)
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !sameFloat64(x[i], y[i]) {
			return false
		}
	}
	return true
}

type timeRow struct {
	ID int64          `gorm:"primaryKey;autoIncrement:false"`
	T  *time.Time     `gorm:"precision:6"`
	D  gorm.DeletedAt `gorm:"precision:6"`
	N  *int64         ``
}

// TestDBTime stores timestamps across the whole Timestamp range in
// microsecond timestamp columns and nanosecond BIGINT columns.
func TestDBTime(t *testing.T) {
	cases := []*timestamppb.Timestamp{
		ts(minTimestampSeconds, 0),         // 0001-01-01T00:00:00Z
		ts(maxTimestampSeconds, 999999999), // 9999-12-31T23:59:59.999999999Z
		ts(1709210096, 123456789),          // 2024-02-29T12:34:56.123456789Z
		ts(-1, 999999999),                  // 1969-12-31T23:59:59.999999999Z
		ts(0, 0),                           // 1970-01-01T00:00:00Z
		ts(-12219292800, 1000),             // 1582-10-15, the Gregorian switch
		ts(-12219292801, 0),                // the day before, proleptic Gregorian
		ts(minTimestampSeconds+86399, 999999000),
		ts(951782400, 0),       // 2000-02-29
		ts(4102444800, 500000), // 2100-01-01
	}
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		// Not ormrt's columns: GORM's PostgreSQL migrator compares the
		// length it reads for timestamptz (64 bits) with the precision 6
		// and alters every timestamptz(6) column on every AutoMigrate.
		for _, s := range remigrate(t, db, &timeRow{}) {
			t.Logf("second AutoMigrate of timestamp columns: %s", s)
		}
		for i, in := range cases {
			id := int64(i + 1)
			tm, err := ormrt.TimestampToTime(in, "t")
			if err != nil {
				t.Fatal(err)
			}
			del, err := ormrt.TimestampToDeletedAt(in, "d")
			if err != nil {
				t.Fatal(err)
			}
			n, nerr := ormrt.TimestampToNanos(in, "n")
			if err := db.Create(&timeRow{ID: id, T: tm, D: del, N: n}).Error; err != nil {
				t.Errorf("%v: create: %v", in.AsTime(), err)
				continue
			}
			var got timeRow
			if err := db.Unscoped().First(&got, id).Error; err != nil {
				t.Errorf("%v: read: %v", in.AsTime(), err)
				continue
			}
			want := ts(in.Seconds, in.Nanos-in.Nanos%1000)
			if back := ormrt.TimeToTimestamp(got.T); !proto.Equal(back, want) {
				t.Errorf("%s: time column gave %s, want %s", in.AsTime().Format(time.RFC3339Nano),
					back.AsTime().Format(time.RFC3339Nano), want.AsTime().Format(time.RFC3339Nano))
			}
			if back := ormrt.DeletedAtToTimestamp(got.D); !proto.Equal(back, want) {
				t.Errorf("%s: DeletedAt column gave %v, want %v", in.AsTime().Format(time.RFC3339Nano), back, want)
			}
			if nerr == nil {
				if back := ormrt.NanosToTimestamp(got.N); !proto.Equal(back, in) {
					t.Errorf("%v: nanos column gave %v", in, back)
				}
			} else if got.N != nil {
				t.Errorf("%v: nanos column set although TimestampToNanos failed", in)
			}
		}

		// NULL and the extremes of BIGINT.
		if err := db.Create(&timeRow{ID: 100}).Error; err != nil {
			t.Fatal(err)
		}
		var null timeRow
		if err := db.Unscoped().First(&null, 100).Error; err != nil || null.T != nil || null.D.Valid || null.N != nil {
			t.Errorf("NULL row: %+v, %v", null, err)
		}
		if ormrt.TimeToTimestamp(null.T) != nil || ormrt.DeletedAtToTimestamp(null.D) != nil || ormrt.NanosToTimestamp(null.N) != nil {
			t.Errorf("NULL converts to a Timestamp")
		}
		for i, in := range []*timestamppb.Timestamp{ts(-9223372037, 145224192), ts(9223372036, 854775807)} {
			n, err := ormrt.TimestampToNanos(in, "n")
			if err != nil {
				t.Fatal(err)
			}
			id := int64(200 + i)
			var got timeRow
			if err := db.Create(&timeRow{ID: id, N: n}).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.First(&got, id).Error; err != nil || !proto.Equal(ormrt.NanosToTimestamp(got.N), in) {
				t.Errorf("nanos %v gave %v, %v", in, got.N, err)
			}
		}

		// Ordering by the time column is chronological.
		var rows []timeRow
		if err := db.Unscoped().Where("t IS NOT NULL").Order("t").Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for i := 1; i < len(rows); i++ {
			if !rows[i-1].T.Before(*rows[i].T) {
				t.Errorf("ORDER BY t: %v before %v", rows[i-1].T, rows[i].T)
			}
		}
	})
}
