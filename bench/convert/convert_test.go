// Package convert benchmarks the generated ToModel and ToProto per kind
// family (ns/op and allocs/op). See bench/README.md.
package convert

import (
	"math"
	"testing"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"google.golang.org/protobuf/types/known/wrapperspb"

	kindsv1 "github.com/protoforge/protoforge/internal/e2e/gen/kinds/v1"
)

func ptr[T any](v T) *T { return &v }

func BenchmarkScalars(b *testing.B) {
	m := &kindsv1.Scalars{VInt32: 1, VInt64: math.MaxInt64, VUint64: math.MaxUint64, VDouble: 1.5, VString: "hello", VBytes: []byte{1, 2}, VEnum: 1, VEnumName: 2}
	bench(b, m.ToModel, (*kindsv1.ScalarsModel).ToProto)
}

func BenchmarkOptionals(b *testing.B) {
	m := &kindsv1.Optionals{VInt64: ptr[int64](5), VString: ptr("x"), VUint64: ptr[uint64](9), VEnumName: ptr(kindsv1.Color_COLOR_RED)}
	bench(b, m.ToModel, (*kindsv1.OptionalsModel).ToProto)
}

func BenchmarkWrappers(b *testing.B) {
	m := &kindsv1.Wrappers{VInt64: wrapperspb.Int64(5), VString: wrapperspb.String("x"), VUint64: wrapperspb.UInt64(9)}
	bench(b, m.ToModel, (*kindsv1.WrappersModel).ToProto)
}

func BenchmarkTimes(b *testing.B) {
	m := &kindsv1.Times{At: timestamppb.Now(), Span: durationpb.New(90e9), AtNanos: timestamppb.Now(), SpanNanos: durationpb.New(5)}
	bench(b, m.ToModel, (*kindsv1.TimesModel).ToProto)
}

func BenchmarkCollections(b *testing.B) {
	m := &kindsv1.Collections{Ints: []int64{1, 2, 3}, Strings: []string{"a", "b"}, Counts: map[string]int64{"a": 1},
		Nested: &kindsv1.Nested{Big: 7, Label: "n"}}
	bench(b, m.ToModel, (*kindsv1.CollectionsModel).ToProto)
}

func BenchmarkChoices(b *testing.B) {
	m := &kindsv1.Choices{Choice: &kindsv1.Choices_Unsigned{Unsigned: 7}}
	bench(b, m.ToModel, (*kindsv1.ChoicesModel).ToProto)
}

// bench measures ToModel and ToProto of one message.
func bench[P any, M any](b *testing.B, toModel func() (*M, error), toProto func(*M) (P, error)) {
	b.Run("ToModel", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := toModel(); err != nil {
				b.Fatal(err)
			}
		}
	})
	m, err := toModel()
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ToProto", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := toProto(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
