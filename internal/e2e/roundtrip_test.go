package e2e_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"
	"gorm.io/gorm"

	atlasmigrate "ariga.io/atlas/sql/migrate"

	kindsv1 "github.com/protoforge/protoforge/internal/e2e/gen/kinds/v1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/testdb"
	"github.com/protoforge/protoforge/ormrt"
)

// migrate creates the tables from the declarative schema that
// protoc-gen-orm generated for the dialect: the shipped DDL is what the
// round trips run on.
func migrate(t *testing.T, db *gorm.DB) {
	t.Helper()
	applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/e2e/gen/kinds/v1/schema", db.Dialector.Name()+".sql"))
}

// applySchema runs the statements of a SQL file one by one.
func applySchema(t *testing.T, db *gorm.DB, path string) {
	t.Helper()
	src, err := os.ReadFile(path)
	require.NoError(t, err)
	stmts, err := atlasmigrate.Stmts(string(src))
	require.NoError(t, err)
	require.NotEmpty(t, stmts)
	for _, st := range stmts {
		require.NoError(t, db.Exec(st.Text).Error, "%s", st.Text)
	}
}

// rtCase is one message written through its model and read back.
type rtCase struct {
	name string
	msg  proto.Message
	// want is what ToModel keeps of msg (its documented precision), when
	// that differs from msg.
	want proto.Message
	// refusedBy names the dialects that cannot store msg, with the field
	// their error must name.
	refusedBy map[testdb.Dialect]string
	// toModelErr is the field that ToModel must refuse, on every dialect.
	toModelErr string
}

// protoModel is what every generated model offers.
type protoModel[P proto.Message] interface {
	ToProto() (P, error)
}

// roundTrip writes c.msg through toModel, reads the row back by key and
// checks it equals the message bit for bit.
func roundTrip[P proto.Message, M any, PM interface {
	*M
	protoModel[P]
}](t *testing.T, db *gorm.DB, c rtCase, toModel func(P) (PM, error), key func(PM) []any) {
	t.Helper()
	dialect := testdb.Dialect(db.Dialector.Name())
	in := c.msg.(P)
	m, err := toModel(in)
	if c.toModelErr != "" {
		require.Error(t, err, "ToModel must refuse")
		assert.Contains(t, err.Error(), c.toModelErr)
		return
	}
	require.NoError(t, err)

	want := c.want
	if want == nil {
		want = c.msg
	}
	// In memory: ToProto(ToModel(x)) is x at the documented precision.
	back, err := m.ToProto()
	require.NoError(t, err)
	assertSame(t, want, clearKey(back, want))

	err = db.Create(m).Error
	if field, refused := c.refusedBy[dialect]; refused {
		require.Error(t, err, "%s must refuse the value", dialect)
		var fe *ormrt.FieldError
		require.True(t, errors.As(err, &fe), "error %v names no field", err)
		assert.Contains(t, err.Error(), field)
		return
	}
	require.NoError(t, err)

	got := PM(new(M))
	require.NoError(t, db.Where(key(m)[0], key(m)[1:]...).Take(got).Error)
	out, err := got.ToProto()
	require.NoError(t, err)
	assertSame(t, want, clearKey(out, want))
}

// clearKey clears the database-assigned id of got (a fresh message) when
// want has none: generated keys are the only field the test cannot know.
// (proto.Clone is not used: it drops -0.0.)
func clearKey(got, want proto.Message) proto.Message {
	fd := got.ProtoReflect().Descriptor().Fields().ByName("id")
	if fd != nil && want.ProtoReflect().Get(fd).Int() == 0 {
		got.ProtoReflect().Clear(fd)
	}
	return got
}

// assertSame compares messages exactly: proto.Equal, plus the bits of every
// float (proto.Equal takes -0 for 0), plus the deterministic wire bytes
// where no NaN is involved.
func assertSame(t *testing.T, want, got proto.Message) {
	t.Helper()
	if !proto.Equal(want, got) {
		assert.Fail(t, "messages differ", "want %v\n got %v", want, got)
		return
	}
	wb, err := proto.MarshalOptions{Deterministic: true}.Marshal(want)
	require.NoError(t, err)
	gb, err := proto.MarshalOptions{Deterministic: true}.Marshal(got)
	require.NoError(t, err)
	if hasNaN(want) {
		return // NaN payloads may differ; proto.Equal has compared them
	}
	assert.Equal(t, wb, gb, "wire bytes differ (float bits?)\nwant %v\n got %v", want, got)
}

func hasNaN(m proto.Message) bool {
	return strings.Contains(prototext.Format(m), "nan")
}

const (
	maxU64   = math.MaxUint64
	twoTo53  = 1<<53 + 1
	minFloat = math.SmallestNonzeroFloat64
)

func scalarsCases() []rtCase {
	return []rtCase{
		{name: "zero", msg: &kindsv1.Scalars{}},
		{name: "max", msg: &kindsv1.Scalars{
			VInt32: math.MaxInt32, VInt64: math.MaxInt64, VUint32: math.MaxUint32, VUint64: maxU64,
			VSint32: math.MaxInt32, VSint64: math.MaxInt64, VFixed32: math.MaxUint32, VFixed64: maxU64,
			VSfixed32: math.MaxInt32, VSfixed64: math.MaxInt64, VFloat: math.MaxFloat32, VDouble: math.MaxFloat64,
			VBool: true, VString: "max 😀", VBytes: []byte{0, 0xff, 0}, VEnum: kindsv1.Color_COLOR_GREEN,
			VEnumName: kindsv1.Color_COLOR_RED,
		}},
		{name: "min", msg: &kindsv1.Scalars{
			VInt32: math.MinInt32, VInt64: math.MinInt64, VSint32: math.MinInt32, VSint64: math.MinInt64,
			VSfixed32: math.MinInt32, VSfixed64: math.MinInt64, VFloat: -math.MaxFloat32, VDouble: -math.MaxFloat64,
		}},
		{name: "minus one", msg: &kindsv1.Scalars{VInt32: -1, VInt64: -1, VSint32: -1, VSint64: -1, VSfixed32: -1, VSfixed64: -1, VDouble: -1, VFloat: -1}},
		{name: "2^53+1", msg: &kindsv1.Scalars{VInt64: twoTo53, VUint64: twoTo53, VSint64: twoTo53, VFixed64: twoTo53, VSfixed64: -twoTo53}},
		{name: "max int64 plus one unsigned", msg: &kindsv1.Scalars{VUint64: math.MaxInt64 + 1, VFixed64: math.MaxInt64 + 1}},
		{name: "subnormal", msg: &kindsv1.Scalars{VDouble: minFloat, VFloat: math.SmallestNonzeroFloat32}},
		{name: "NaN", msg: &kindsv1.Scalars{VDouble: math.NaN()}, refusedBy: nanRefusers("kinds.v1.Scalars.v_double")},
		{name: "NaN float", msg: &kindsv1.Scalars{VFloat: float32(math.NaN())}, refusedBy: nanRefusers("kinds.v1.Scalars.v_float")},
		{name: "+Inf", msg: &kindsv1.Scalars{VDouble: math.Inf(1)}, refusedBy: infRefusers("kinds.v1.Scalars.v_double")},
		{name: "-Inf", msg: &kindsv1.Scalars{VDouble: math.Inf(-1), VFloat: float32(math.Inf(-1))}, refusedBy: infRefusers("kinds.v1.Scalars.v_")},
		{name: "-0", msg: &kindsv1.Scalars{VDouble: math.Copysign(0, -1)}, refusedBy: negZeroRefusers("kinds.v1.Scalars.v_double")},
		{name: "empty string and bytes", msg: &kindsv1.Scalars{VString: "", VBytes: []byte{}}},
		{name: "NUL in string", msg: &kindsv1.Scalars{VString: "a\x00b"}, refusedBy: map[testdb.Dialect]string{testdb.Postgres: "kinds.v1.Scalars.v_string"}},
		{name: "unknown enum numbers", msg: &kindsv1.Scalars{VEnum: 42, VEnumName: -7}},
	}
}

// These follow the documented per-dialect limits of ormrt.CheckFloat64.
func nanRefusers(field string) map[testdb.Dialect]string {
	return refusersOf(field, math.NaN())
}

func infRefusers(field string) map[testdb.Dialect]string {
	return refusersOf(field, math.Inf(1))
}

func negZeroRefusers(field string) map[testdb.Dialect]string {
	return refusersOf(field, math.Copysign(0, -1))
}

// refusersOf lists the dialects whose Check refuses v: the test then
// asserts that the refusal reaches the caller naming the field, and that
// every other dialect stores v bit for bit.
func refusersOf(field string, v float64) map[testdb.Dialect]string {
	out := map[testdb.Dialect]string{}
	for _, d := range testdb.All {
		if ormrt.CheckFloat64(ormrt.Dialect(d), field, v) != nil {
			out[d] = field
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

func optionalsCases() []rtCase {
	return []rtCase{
		{name: "unset", msg: &kindsv1.Optionals{}},
		{name: "zero", msg: &kindsv1.Optionals{
			VInt32: ptr[int32](0), VInt64: ptr[int64](0), VUint32: ptr[uint32](0), VUint64: ptr[uint64](0),
			VSint32: ptr[int32](0), VSint64: ptr[int64](0), VFixed32: ptr[uint32](0), VFixed64: ptr[uint64](0),
			VSfixed32: ptr[int32](0), VSfixed64: ptr[int64](0), VFloat: ptr[float32](0), VDouble: ptr[float64](0),
			VBool: ptr(false), VString: ptr(""), VBytes: []byte{}, VEnum: ptr(kindsv1.Color_COLOR_UNSPECIFIED),
			VEnumName: ptr(kindsv1.Color_COLOR_UNSPECIFIED),
		}},
		{name: "extremes", msg: &kindsv1.Optionals{
			VInt32: ptr[int32](math.MinInt32), VInt64: ptr[int64](math.MinInt64), VUint32: ptr[uint32](math.MaxUint32),
			VUint64: ptr[uint64](maxU64), VSint32: ptr[int32](math.MaxInt32), VSint64: ptr[int64](math.MaxInt64),
			VFixed32: ptr[uint32](math.MaxUint32), VFixed64: ptr[uint64](maxU64), VSfixed32: ptr[int32](math.MinInt32),
			VSfixed64: ptr[int64](math.MinInt64), VFloat: ptr[float32](math.MaxFloat32), VDouble: ptr(minFloat),
			VBool: ptr(true), VString: ptr("😀"), VBytes: []byte{0}, VEnum: ptr(kindsv1.Color(99)),
			VEnumName: ptr(kindsv1.Color(99)),
		}},
	}
}

func wrappersCases() []rtCase {
	return []rtCase{
		{name: "unset", msg: &kindsv1.Wrappers{}},
		{name: "zero", msg: &kindsv1.Wrappers{
			VBool: wrapperspb.Bool(false), VInt32: wrapperspb.Int32(0), VInt64: wrapperspb.Int64(0),
			VUint32: wrapperspb.UInt32(0), VUint64: wrapperspb.UInt64(0), VFloat: wrapperspb.Float(0),
			VDouble: wrapperspb.Double(0), VString: wrapperspb.String(""), VBytes: wrapperspb.Bytes(nil),
		}},
		{name: "extremes", msg: &kindsv1.Wrappers{
			VBool: wrapperspb.Bool(true), VInt32: wrapperspb.Int32(math.MinInt32), VInt64: wrapperspb.Int64(math.MinInt64),
			VUint32: wrapperspb.UInt32(math.MaxUint32), VUint64: wrapperspb.UInt64(maxU64), VFloat: wrapperspb.Float(-math.MaxFloat32),
			VDouble: wrapperspb.Double(math.MaxFloat64), VString: wrapperspb.String("é😀"), VBytes: wrapperspb.Bytes([]byte{0, 1}),
		}},
	}
}

var (
	minTime = &timestamppb.Timestamp{Seconds: -62135596800}                   // 0001-01-01T00:00:00Z
	maxTime = &timestamppb.Timestamp{Seconds: 253402300799, Nanos: 999999999} // 9999-12-31T23:59:59.999999999Z
	maxDur  = &durationpb.Duration{Seconds: 315576000000, Nanos: 999999999}
	minDur  = &durationpb.Duration{Seconds: -315576000000, Nanos: -999999999}
)

func timesCases() []rtCase {
	return []rtCase{
		{name: "unset", msg: &kindsv1.Times{}},
		{name: "zero", msg: &kindsv1.Times{At: &timestamppb.Timestamp{}, Span: &durationpb.Duration{}, AtNanos: &timestamppb.Timestamp{}, SpanNanos: &durationpb.Duration{}}},
		{name: "micros", msg: &kindsv1.Times{
			At:   &timestamppb.Timestamp{Seconds: 1700000000, Nanos: 123456000},
			Span: &durationpb.Duration{Seconds: -5, Nanos: -250000},
		}},
		{name: "nanos truncated to micros", msg: &kindsv1.Times{
			At:   &timestamppb.Timestamp{Seconds: -1, Nanos: 999999999},
			Span: &durationpb.Duration{Seconds: 1, Nanos: 999},
		}, want: &kindsv1.Times{
			At:   &timestamppb.Timestamp{Seconds: -1, Nanos: 999999000},
			Span: &durationpb.Duration{Seconds: 1},
		}},
		{name: "min and max", msg: &kindsv1.Times{At: minTime, Span: minDur}, want: &kindsv1.Times{At: minTime, Span: &durationpb.Duration{Seconds: -315576000000, Nanos: -999999000}}},
		{name: "max", msg: &kindsv1.Times{At: maxTime, Span: maxDur}, want: &kindsv1.Times{
			At:   &timestamppb.Timestamp{Seconds: 253402300799, Nanos: 999999000},
			Span: &durationpb.Duration{Seconds: 315576000000, Nanos: 999999000},
		}},
		{name: "keep nanos", msg: &kindsv1.Times{
			AtNanos:   &timestamppb.Timestamp{Seconds: -9223372036, Nanos: 854775808},
			SpanNanos: &durationpb.Duration{Seconds: 9223372036, Nanos: 854775807},
		}},
		{name: "timestamp after 9999", msg: &kindsv1.Times{At: &timestamppb.Timestamp{Seconds: 253402300800}}, toModelErr: "kinds.v1.Times.at"},
		{name: "duration beyond range", msg: &kindsv1.Times{Span: &durationpb.Duration{Seconds: 315576000001}}, toModelErr: "kinds.v1.Times.span"},
		{name: "nanos timestamp out of range", msg: &kindsv1.Times{AtNanos: maxTime}, toModelErr: "kinds.v1.Times.at_nanos"},
		{name: "nanos duration out of range", msg: &kindsv1.Times{SpanNanos: maxDur}, toModelErr: "kinds.v1.Times.span_nanos"},
	}
}

func collectionsCases(t *testing.T) []rtCase {
	attrs, err := structpb.NewStruct(map[string]any{"a": 1.5, "b": []any{"x", true, nil}, "c": map[string]any{"d": "😀"}})
	require.NoError(t, err)
	nested := &kindsv1.Nested{Big: math.MinInt64, Ubig: maxU64, Label: "n", Counts: map[string]int64{"max": math.MaxInt64},
		Children: []*kindsv1.Nested{{Big: twoTo53}}}
	anyNested, err := anypb.New(nested)
	require.NoError(t, err)
	return []rtCase{
		{name: "empty", msg: &kindsv1.Collections{}},
		{name: "empty messages set", msg: &kindsv1.Collections{Nested: &kindsv1.Nested{}, Attrs: &structpb.Struct{}, List: &structpb.ListValue{}, Value: structpb.NewNullValue()}},
		{name: "full", msg: &kindsv1.Collections{
			Ints:       []int64{math.MinInt64, math.MaxInt64, twoTo53, 0, -1},
			Uints:      []uint64{0, maxU64, twoTo53},
			Doubles:    []float64{math.NaN(), math.Inf(1), math.Inf(-1), minFloat, math.MaxFloat64},
			Strings:    []string{"", "😀", "line\nbreak", `quote"`},
			Blobs:      [][]byte{{}, {0}, {0xff, 0xfe}},
			Bools:      []bool{true, false},
			Colors:     []kindsv1.Color{kindsv1.Color_COLOR_RED, 42},
			Counts:     map[string]int64{"min": math.MinInt64, "max": math.MaxInt64, "": 0},
			Names:      map[int64]string{math.MinInt64: "min", math.MaxInt64: "max"},
			NestedMap:  map[string]*kindsv1.Nested{"k": nested},
			Nested:     nested,
			NestedList: []*kindsv1.Nested{nested, {}},
			Attrs:      attrs,
			Value:      structpb.NewStringValue("v"),
			List:       &structpb.ListValue{Values: []*structpb.Value{structpb.NewNumberValue(2)}},
			Any:        anyNested,
			Stamps:     []*timestamppb.Timestamp{maxTime, minTime},
		}},
		{name: "-0 inside JSON", msg: &kindsv1.Collections{Doubles: []float64{math.Copysign(0, -1)}},
			refusedBy: map[testdb.Dialect]string{testdb.Postgres: "kinds.v1.Collections.doubles"}},
		{name: "NUL inside JSON", msg: &kindsv1.Collections{Strings: []string{"a\x00"}},
			refusedBy: map[testdb.Dialect]string{testdb.Postgres: "kinds.v1.Collections.strings"}},
		{name: "unlinked Any", msg: &kindsv1.Collections{Any: &anypb.Any{TypeUrl: "type.googleapis.com/nowhere.Missing", Value: []byte{8, 1}}},
			toModelErr: "kinds.v1.Collections.any"},
	}
}

func choicesCases() []rtCase {
	return []rtCase{
		{name: "none", msg: &kindsv1.Choices{}},
		{name: "text", msg: &kindsv1.Choices{Choice: &kindsv1.Choices_Text{Text: ""}}},
		{name: "number", msg: &kindsv1.Choices{Choice: &kindsv1.Choices_Number{Number: math.MinInt64}}},
		{name: "unsigned", msg: &kindsv1.Choices{Choice: &kindsv1.Choices_Unsigned{Unsigned: maxU64}}},
		{name: "empty blob", msg: &kindsv1.Choices{Choice: &kindsv1.Choices_Blob{Blob: []byte{}}}},
		{name: "color", msg: &kindsv1.Choices{Choice: &kindsv1.Choices_Color{Color: 0}}},
		{name: "when", msg: &kindsv1.Choices{Choice: &kindsv1.Choices_When{When: minTime}}},
		{name: "nested", msg: &kindsv1.Choices{Choice: &kindsv1.Choices_Nested{Nested: &kindsv1.Nested{Big: math.MaxInt64}}}},
		{name: "ratio", msg: &kindsv1.Choices{Choice: &kindsv1.Choices_Ratio{Ratio: 0}}},
	}
}

func byID[M any](m M) []any {
	return []any{"id = ?", idOf(m)}
}

func idOf(m any) int64 {
	switch v := m.(type) {
	case *kindsv1.ScalarsModel:
		return v.Id
	case *kindsv1.OptionalsModel:
		return v.Id
	case *kindsv1.WrappersModel:
		return v.Id
	case *kindsv1.TimesModel:
		return v.Id
	case *kindsv1.CollectionsModel:
		return v.Id
	case *kindsv1.ChoicesModel:
		return v.Id
	}
	panic("no id")
}

func TestRoundTrip(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		migrate(t, db)
		for _, c := range scalarsCases() {
			t.Run("Scalars/"+c.name, func(t *testing.T) { roundTrip(t, db, c, (*kindsv1.Scalars).ToModel, byID) })
		}
		for _, c := range optionalsCases() {
			t.Run("Optionals/"+c.name, func(t *testing.T) { roundTrip(t, db, c, (*kindsv1.Optionals).ToModel, byID) })
		}
		for _, c := range wrappersCases() {
			t.Run("Wrappers/"+c.name, func(t *testing.T) { roundTrip(t, db, c, (*kindsv1.Wrappers).ToModel, byID) })
		}
		for _, c := range timesCases() {
			t.Run("Times/"+c.name, func(t *testing.T) { roundTrip(t, db, c, (*kindsv1.Times).ToModel, byID) })
		}
		for _, c := range collectionsCases(t) {
			t.Run("Collections/"+c.name, func(t *testing.T) { roundTrip(t, db, c, (*kindsv1.Collections).ToModel, byID) })
		}
		for _, c := range choicesCases() {
			t.Run("Choices/"+c.name, func(t *testing.T) { roundTrip(t, db, c, (*kindsv1.Choices).ToModel, byID) })
		}
		t.Run("Tag/string key and max uint64", func(t *testing.T) {
			roundTrip(t, db, rtCase{msg: &kindsv1.Tag{Name: "go😀", Uses: maxU64}}, (*kindsv1.Tag).ToModel,
				func(m *kindsv1.TagModel) []any { return []any{"name = ?", m.Name} })
		})
		t.Run("Membership/composite key", func(t *testing.T) {
			roundTrip(t, db, rtCase{msg: &kindsv1.Membership{GroupId: math.MaxInt64, UserId: math.MinInt64, Role: "owner"}}, (*kindsv1.Membership).ToModel,
				func(m *kindsv1.MembershipModel) []any {
					return []any{"group_id = ? AND user_id = ?", m.GroupId, m.UserId}
				})
		})
	})
}

// TestUint64Order checks that uint64 columns sort numerically on every
// dialect, across the int64 boundary.
func TestUint64Order(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		migrate(t, db)
		values := []uint64{maxU64, 10, 1 << 63, 9, 0, math.MaxInt64, 100}
		for _, v := range values {
			m, err := (&kindsv1.Scalars{VUint64: v}).ToModel()
			require.NoError(t, err)
			require.NoError(t, db.Create(m).Error)
		}
		var rows []kindsv1.ScalarsModel
		require.NoError(t, db.Order("v_uint64").Find(&rows).Error)
		var got []uint64
		for _, r := range rows {
			got = append(got, uint64(r.VUint64))
		}
		want := append([]uint64(nil), values...)
		sort.Slice(want, func(i, j int) bool { return want[i] < want[j] })
		assert.Equal(t, want, got)

		var n int64
		require.NoError(t, db.Model(&kindsv1.ScalarsModel{}).Where("v_uint64 > ?", ormrt.Uint64(math.MaxInt64)).Count(&n).Error)
		assert.EqualValues(t, 2, n, "values above MaxInt64")
	})
}

// TestAssociations writes an author with books (has-many) and reads them
// back with PreloadAssociations, both ways.
func TestAssociations(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		migrate(t, db)
		author := &kindsv1.Author{Name: "Ursula", Books: []*kindsv1.Book{
			{Title: "The Dispossessed", FullName: "The Dispossessed: An Ambiguous Utopia", Note: "not stored"},
			{Title: "Lathe of Heaven"},
		}}
		m, err := author.ToModel()
		require.NoError(t, err)
		require.NoError(t, db.Create(m).Error)
		require.NotZero(t, m.Id)

		var got kindsv1.AuthorModel
		require.NoError(t, db.Scopes(kindsv1.AuthorModel{}.PreloadAssociations).Take(&got, m.Id).Error)
		out, err := got.ToProto()
		require.NoError(t, err)
		require.Len(t, out.Books, 2)
		sort.Slice(out.Books, func(i, j int) bool { return out.Books[i].Id < out.Books[j].Id })
		assert.Equal(t, "Ursula", out.Name)
		assert.Equal(t, "The Dispossessed", out.Books[0].Title)
		assert.Equal(t, m.Id, out.Books[0].AuthorId)
		assert.Equal(t, "The Dispossessed: An Ambiguous Utopia", out.Books[0].FullName)
		assert.Empty(t, out.Books[0].Note, "ignored fields are not stored")

		var book kindsv1.BookModel
		require.NoError(t, db.Scopes(kindsv1.BookModel{}.PreloadAssociations).Where("title = ?", "Lathe of Heaven").Take(&book).Error)
		b, err := book.ToProto()
		require.NoError(t, err)
		require.NotNil(t, b.Author)
		assert.Equal(t, "Ursula", b.Author.Name)
		assert.Equal(t, m.Id, b.Author.Id)

		// The composite unique index (author_id, title) holds.
		dup, err := (&kindsv1.Book{Title: "Lathe of Heaven", AuthorId: m.Id}).ToModel()
		require.NoError(t, err)
		assert.Error(t, db.Create(dup).Error)
	})
}

// TestOneofConflict: a row with two members of a oneof set (written by
// hand) is refused by ToProto rather than losing one silently.
func TestOneofConflict(t *testing.T) {
	m := &kindsv1.ChoicesModel{Text: ptr("a"), Number: ptr[int64](1)}
	_, err := m.ToProto()
	require.EqualError(t, err, "kinds.v1.Choices.number: another member of oneof choice is also set")
}
