package ormrt_test

import (
	"math"
	"testing"
	"time"

	"github.com/protoforge/protoforge/ormrt"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
)

const (
	minTimestampSeconds = -62135596800 // 0001-01-01T00:00:00Z
	maxTimestampSeconds = 253402300799 // 9999-12-31T23:59:59Z
	maxDurationSeconds  = 315576000000
)

func ts(s int64, n int32) *timestamppb.Timestamp { return &timestamppb.Timestamp{Seconds: s, Nanos: n} }

func TestTimestampToTime(t *testing.T) {
	for _, c := range []struct {
		in   *timestamppb.Timestamp
		want string // RFC 3339 with nanoseconds
	}{
		{ts(0, 0), "1970-01-01T00:00:00Z"},
		{ts(minTimestampSeconds, 0), "0001-01-01T00:00:00Z"},
		{ts(minTimestampSeconds, 999), "0001-01-01T00:00:00Z"},
		{ts(minTimestampSeconds, 1999), "0001-01-01T00:00:00.000001Z"},
		{ts(maxTimestampSeconds, 999999999), "9999-12-31T23:59:59.999999Z"},
		{ts(1, 123456789), "1970-01-01T00:00:01.123456Z"},
		{ts(-1, 999999999), "1969-12-31T23:59:59.999999Z"}, // floor, not toward zero
		{ts(-1, 1), "1969-12-31T23:59:59Z"},
		{ts(-1, 0), "1969-12-31T23:59:59Z"},
		{ts(1709210096, 999), "2024-02-29T12:34:56Z"},
	} {
		got, err := ormrt.TimestampToTime(c.in, "f")
		if err != nil {
			t.Fatalf("TimestampToTime(%v): %v", c.in, err)
		}
		if s := got.Format(time.RFC3339Nano); s != c.want {
			t.Errorf("TimestampToTime(%v) = %s, want %s", c.in, s, c.want)
		}
		if got.Location() != time.UTC {
			t.Errorf("TimestampToTime(%v) location = %v, want UTC", c.in, got.Location())
		}
		if got.Nanosecond()%1000 != 0 {
			t.Errorf("TimestampToTime(%v) keeps nanoseconds", c.in)
		}
		// Back to a Timestamp: the input floored to the microsecond.
		back := ormrt.TimeToTimestamp(got)
		want := ts(c.in.Seconds, c.in.Nanos-c.in.Nanos%1000)
		if !proto.Equal(back, want) {
			t.Errorf("TimeToTimestamp(TimestampToTime(%v)) = %v, want %v", c.in, back, want)
		}
	}

	if got, err := ormrt.TimestampToTime(nil, "f"); got != nil || err != nil {
		t.Errorf("TimestampToTime(nil) = %v, %v", got, err)
	}
	if ormrt.TimeToTimestamp(nil) != nil {
		t.Errorf("TimeToTimestamp(nil) != nil")
	}
	local := time.Date(2020, 1, 2, 3, 4, 5, 6, time.FixedZone("X", 3600))
	if got := ormrt.TimeToTimestamp(&local); !proto.Equal(got, timestamppb.New(local)) {
		t.Errorf("TimeToTimestamp(local) = %v", got)
	}

	for _, bad := range []*timestamppb.Timestamp{
		ts(minTimestampSeconds-1, 999999999),
		ts(maxTimestampSeconds+1, 0),
		ts(0, -1),
		ts(0, 1e9),
		ts(math.MinInt64, 0),
		ts(math.MaxInt64, 0),
	} {
		_, err := ormrt.TimestampToTime(bad, "pkg.Msg.when")
		wantFieldError(t, err, "pkg.Msg.when", "invalid google.protobuf.Timestamp")
		_, err = ormrt.TimestampToDeletedAt(bad, "pkg.Msg.deleted")
		wantFieldError(t, err, "pkg.Msg.deleted", "0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z")
		_, err = ormrt.TimestampToNanos(bad, "pkg.Msg.nanos")
		wantFieldError(t, err, "pkg.Msg.nanos", "invalid google.protobuf.Timestamp")
	}
}

func TestTimestampNanos(t *testing.T) {
	for _, c := range []struct {
		in   *timestamppb.Timestamp
		want int64
	}{
		{ts(0, 0), 0},
		{ts(0, 1), 1},
		{ts(-1, 999999999), -1},
		{ts(-1, 0), -1e9},
		{ts(1, 123456789), 1123456789},
		{ts(-9223372037, 145224192), math.MinInt64},
		{ts(9223372036, 854775807), math.MaxInt64},
	} {
		got, err := ormrt.TimestampToNanos(c.in, "f")
		if err != nil {
			t.Fatalf("TimestampToNanos(%v): %v", c.in, err)
		}
		if *got != c.want {
			t.Errorf("TimestampToNanos(%v) = %d, want %d", c.in, *got, c.want)
		}
		if back := ormrt.NanosToTimestamp(got); !proto.Equal(back, c.in) {
			t.Errorf("NanosToTimestamp(%d) = %v, want %v", *got, back, c.in)
		}
		if !c.in.AsTime().Equal(time.Unix(0, c.want)) {
			t.Errorf("%v is not %d ns", c.in, c.want)
		}
	}
	for _, bad := range []*timestamppb.Timestamp{
		ts(-9223372037, 145224191),
		ts(-9223372038, 999999999),
		ts(9223372036, 854775808),
		ts(9223372037, 0),
		ts(minTimestampSeconds, 0),
		ts(maxTimestampSeconds, 999999999),
	} {
		_, err := ormrt.TimestampToNanos(bad, "pkg.Msg.at")
		wantFieldError(t, err, "pkg.Msg.at", "1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z")
	}
	if got, err := ormrt.TimestampToNanos(nil, "f"); got != nil || err != nil {
		t.Errorf("TimestampToNanos(nil) = %v, %v", got, err)
	}
	if ormrt.NanosToTimestamp(nil) != nil {
		t.Errorf("NanosToTimestamp(nil) != nil")
	}
}

func TestDeletedAt(t *testing.T) {
	d, err := ormrt.TimestampToDeletedAt(nil, "f")
	if err != nil || d.Valid {
		t.Errorf("TimestampToDeletedAt(nil) = %v, %v", d, err)
	}
	if ormrt.DeletedAtToTimestamp(gorm.DeletedAt{}) != nil {
		t.Errorf("DeletedAtToTimestamp(invalid) != nil")
	}
	in := ts(-1, 999999999)
	d, err = ormrt.TimestampToDeletedAt(in, "f")
	if err != nil || !d.Valid || d.Time.Location() != time.UTC || d.Time.Nanosecond() != 999999000 {
		t.Fatalf("TimestampToDeletedAt(%v) = %v, %v", in, d, err)
	}
	if got := ormrt.DeletedAtToTimestamp(d); !proto.Equal(got, ts(-1, 999999000)) {
		t.Errorf("DeletedAtToTimestamp = %v", got)
	}
}

func dur(s int64, n int32) *durationpb.Duration { return &durationpb.Duration{Seconds: s, Nanos: n} }

func TestDurationMicros(t *testing.T) {
	for _, c := range []struct {
		in   *durationpb.Duration
		want int64
		back *durationpb.Duration
	}{
		{dur(0, 0), 0, dur(0, 0)},
		{dur(0, 999), 0, dur(0, 0)},
		{dur(0, -999), 0, dur(0, 0)}, // toward zero
		{dur(0, 1000), 1, dur(0, 1000)},
		{dur(0, -1999), -1, dur(0, -1000)},
		{dur(-1, -999999999), -1999999, dur(-1, -999999000)},
		{dur(1, 999999999), 1999999, dur(1, 999999000)},
		{dur(maxDurationSeconds, 999999999), maxDurationSeconds*1e6 + 999999, dur(maxDurationSeconds, 999999000)},
		{dur(-maxDurationSeconds, -999999999), -maxDurationSeconds*1e6 - 999999, dur(-maxDurationSeconds, -999999000)},
	} {
		got, err := ormrt.DurationToMicros(c.in, "f")
		if err != nil {
			t.Fatalf("DurationToMicros(%v): %v", c.in, err)
		}
		if *got != c.want {
			t.Errorf("DurationToMicros(%v) = %d, want %d", c.in, *got, c.want)
		}
		back := ormrt.MicrosToDuration(got)
		if !proto.Equal(back, c.back) {
			t.Errorf("MicrosToDuration(%d) = %v, want %v", *got, back, c.back)
		}
		if err := back.CheckValid(); err != nil {
			t.Errorf("MicrosToDuration(%d) is invalid: %v", *got, err)
		}
	}
	for _, bad := range []*durationpb.Duration{
		dur(maxDurationSeconds+1, 0),
		dur(-maxDurationSeconds-1, 0),
		dur(1, -1),
		dur(-1, 1),
		dur(0, 1e9),
		dur(0, -1e9),
	} {
		_, err := ormrt.DurationToMicros(bad, "pkg.Msg.ttl")
		wantFieldError(t, err, "pkg.Msg.ttl", "invalid google.protobuf.Duration")
		_, err = ormrt.DurationToNanos(bad, "pkg.Msg.ttl")
		wantFieldError(t, err, "pkg.Msg.ttl", "invalid google.protobuf.Duration")
	}
	if got, err := ormrt.DurationToMicros(nil, "f"); got != nil || err != nil {
		t.Errorf("DurationToMicros(nil) = %v, %v", got, err)
	}
	if ormrt.MicrosToDuration(nil) != nil {
		t.Errorf("MicrosToDuration(nil) != nil")
	}
}

func TestDurationNanos(t *testing.T) {
	for _, c := range []struct {
		in   *durationpb.Duration
		want int64
	}{
		{dur(0, 0), 0},
		{dur(0, 1), 1},
		{dur(0, -1), -1},
		{dur(-1, -999999999), -1999999999},
		{dur(9223372036, 854775807), math.MaxInt64},
		{dur(-9223372036, -854775808), math.MinInt64},
	} {
		got, err := ormrt.DurationToNanos(c.in, "f")
		if err != nil {
			t.Fatalf("DurationToNanos(%v): %v", c.in, err)
		}
		if *got != c.want {
			t.Errorf("DurationToNanos(%v) = %d, want %d", c.in, *got, c.want)
		}
		if back := ormrt.NanosToDuration(got); !proto.Equal(back, c.in) {
			t.Errorf("NanosToDuration(%d) = %v, want %v", *got, back, c.in)
		}
	}
	for _, c := range []struct {
		in   *durationpb.Duration
		text string
	}{
		{dur(9223372036, 854775808), "9223372036.854775808s"},
		{dur(-9223372036, -854775809), "-9223372036.854775809s"},
		{dur(9223372037, 0), "9223372037s"},
		{dur(-9223372037, 0), "-9223372037s"},
		{dur(maxDurationSeconds, 999999999), "315576000000.999999999s"},
		{dur(-maxDurationSeconds, -500000000), "-315576000000.5s"},
	} {
		_, err := ormrt.DurationToNanos(c.in, "pkg.Msg.ttl")
		wantFieldError(t, err, "pkg.Msg.ttl", "duration "+c.text+" is outside")
		wantFieldError(t, err, "pkg.Msg.ttl", "292 years")
	}
	if got, err := ormrt.DurationToNanos(nil, "f"); got != nil || err != nil {
		t.Errorf("DurationToNanos(nil) = %v, %v", got, err)
	}
	if ormrt.NanosToDuration(nil) != nil {
		t.Errorf("NanosToDuration(nil) != nil")
	}
}
