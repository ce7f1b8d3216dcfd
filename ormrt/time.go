package ormrt

import (
	"strconv"
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
)

// Limits of Unix nanoseconds in an int64, as google.protobuf.Timestamp
// seconds and nanos: 1677-09-21T00:12:43.145224192Z to
// 2262-04-11T23:47:16.854775807Z.
const (
	minNanosSeconds = -9223372037
	minNanosNanos   = 145224192
	maxNanosSeconds = 9223372036
	maxNanosNanos   = 854775807
	nanosRange      = "1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z"
)

// TimestampToTime converts ts to the time stored in a timestamp column: UTC,
// rounded down to the microsecond, the finest precision PostgreSQL, MySQL
// and SQLite all keep over the whole Timestamp range (0001-01-01 to
// 9999-12-31). A nil ts gives nil. An invalid ts (out of range, or nanos
// outside 0..999999999) gives an error naming field.
func TimestampToTime(ts *timestamppb.Timestamp, field string) (*time.Time, error) {
	if ts == nil {
		return nil, nil
	}
	if err := ts.CheckValid(); err != nil {
		return nil, invalidTimestamp(field, err)
	}
	// Valid nanos are 0..999999999 even for negative seconds, so dropping
	// the sub-microsecond digits rounds down.
	t := time.Unix(ts.GetSeconds(), int64(ts.GetNanos()-ts.GetNanos()%1000)).UTC()
	return &t, nil
}

// TimeToTimestamp converts a time read from a timestamp column back to a
// Timestamp. A nil t gives nil.
func TimeToTimestamp(t *time.Time) *timestamppb.Timestamp {
	if t == nil {
		return nil
	}
	return timestamppb.New(t.UTC())
}

// TimestampToNanos converts ts to Unix nanoseconds, for timestamps stored at
// full nanosecond precision in a BIGINT column. A nil ts gives nil. A ts
// that is invalid, or outside the int64 nanosecond range
// 1677-09-21T00:12:43.145224192Z to 2262-04-11T23:47:16.854775807Z, gives
// an error naming field.
func TimestampToNanos(ts *timestamppb.Timestamp, field string) (*int64, error) {
	if ts == nil {
		return nil, nil
	}
	if err := ts.CheckValid(); err != nil {
		return nil, invalidTimestamp(field, err)
	}
	s, n := ts.GetSeconds(), int64(ts.GetNanos())
	if s < minNanosSeconds || (s == minNanosSeconds && n < minNanosNanos) ||
		s > maxNanosSeconds || (s == maxNanosSeconds && n > maxNanosNanos) {
		return nil, fieldErrorf(field,
			"timestamp %s is outside the range a nanosecond timestamp column holds, %s; store it at microsecond precision instead",
			ts.AsTime().Format(time.RFC3339Nano), nanosRange)
	}
	// At the lower limit s*1e9 alone wraps around; Go integer arithmetic
	// wraps, and the sum is within range, so the result is exact.
	v := s*1e9 + n
	return &v, nil
}

// NanosToTimestamp converts Unix nanoseconds back to a Timestamp. A nil n
// gives nil.
func NanosToTimestamp(n *int64) *timestamppb.Timestamp {
	if n == nil {
		return nil
	}
	s, ns := *n/1e9, *n%1e9
	if ns < 0 {
		s, ns = s-1, ns+1e9
	}
	return &timestamppb.Timestamp{Seconds: s, Nanos: int32(ns)}
}

// TimestampToDeletedAt converts ts to a GORM soft-delete column value, as
// TimestampToTime does. A nil ts gives a DeletedAt that is not Valid.
func TimestampToDeletedAt(ts *timestamppb.Timestamp, field string) (gorm.DeletedAt, error) {
	t, err := TimestampToTime(ts, field)
	if err != nil || t == nil {
		return gorm.DeletedAt{}, err
	}
	return gorm.DeletedAt{Time: *t, Valid: true}, nil
}

// DeletedAtToTimestamp converts a GORM soft-delete column value back to a
// Timestamp; a DeletedAt that is not Valid gives nil.
func DeletedAtToTimestamp(d gorm.DeletedAt) *timestamppb.Timestamp {
	if !d.Valid {
		return nil
	}
	return timestamppb.New(d.Time.UTC())
}

func invalidTimestamp(field string, err error) error {
	return fieldErrorf(field,
		"invalid google.protobuf.Timestamp (%w); want 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z with nanos 0 to 999999999", err)
}

func invalidDuration(field string, err error) error {
	return fieldErrorf(field,
		"invalid google.protobuf.Duration (%w); want at most ±315576000000 seconds, with nanos of the same sign as seconds and below 1e9 in magnitude", err)
}

// DurationToMicros converts d to whole microseconds, truncated toward zero,
// for a BIGINT column; the whole Duration range fits. A nil d gives nil. An
// invalid d gives an error naming field.
func DurationToMicros(d *durationpb.Duration, field string) (*int64, error) {
	if d == nil {
		return nil, nil
	}
	if err := d.CheckValid(); err != nil {
		return nil, invalidDuration(field, err)
	}
	// Seconds and nanos share a sign and Go division truncates toward zero.
	v := d.GetSeconds()*1e6 + int64(d.GetNanos())/1e3
	return &v, nil
}

// MicrosToDuration converts microseconds back to a Duration. A nil us gives
// nil.
func MicrosToDuration(us *int64) *durationpb.Duration {
	if us == nil {
		return nil
	}
	return &durationpb.Duration{Seconds: *us / 1e6, Nanos: int32(*us % 1e6 * 1e3)}
}

// DurationToNanos converts d to nanoseconds, for a BIGINT column with full
// nanosecond precision. A nil d gives nil. An invalid d, or one longer than
// an int64 of nanoseconds holds (about ±292 years), gives an error naming
// field.
func DurationToNanos(d *durationpb.Duration, field string) (*int64, error) {
	if d == nil {
		return nil, nil
	}
	if err := d.CheckValid(); err != nil {
		return nil, invalidDuration(field, err)
	}
	s, n := d.GetSeconds(), int64(d.GetNanos())
	if s > maxNanosSeconds || (s == maxNanosSeconds && n > maxNanosNanos) ||
		s < -maxNanosSeconds || (s == -maxNanosSeconds && n < -maxNanosNanos-1) {
		return nil, fieldErrorf(field,
			"duration %s is outside the range a nanosecond duration column holds, -9223372036.854775808s to 9223372036.854775807s (about ±292 years); store it at microsecond precision instead",
			formatDuration(s, n))
	}
	v := s*1e9 + n
	return &v, nil
}

// NanosToDuration converts nanoseconds back to a Duration. A nil ns gives
// nil.
func NanosToDuration(ns *int64) *durationpb.Duration {
	if ns == nil {
		return nil
	}
	return &durationpb.Duration{Seconds: *ns / 1e9, Nanos: int32(*ns % 1e9)}
}

// formatDuration formats seconds and nanos of a valid Duration as protojson
// does, e.g. "-1.5s".
func formatDuration(s, n int64) string {
	sign := ""
	if s < 0 || n < 0 {
		sign, s, n = "-", -s, -n
	}
	out := sign + strconv.FormatInt(s, 10)
	if n != 0 {
		frac := strconv.FormatInt(n+1e9, 10)[1:]
		for len(frac) > 0 && frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		out += "." + frac
	}
	return out + "s"
}
