// Package ormrt is the runtime of the code protoc-gen-orm generates: GORM
// models for protobuf messages, and the conversions between the two.
//
// Generated code stays thin and calls this package for everything that
// needs care, so that the rules live, and are tested, in one place. The
// package is ordinary importable Go: programs that use generated models
// import it, and may call it themselves, for example to decode a JSON
// column by hand. It is versioned together with the plugins; code generated
// by one release of protoc-gen-orm expects the ormrt of the same release.
//
// # Storage choices
//
// The same model works on PostgreSQL, MySQL/MariaDB and SQLite, and a value
// that is stored comes back unchanged. Where a database cannot keep a
// value, the generated BeforeSave hook refuses it with a *FieldError naming
// the field (see CheckString, CheckFloat64, CheckFloat32 and CheckJSON);
// nothing is changed silently.
//
//   - uint64 and fixed64 use Uint64: NUMERIC(20,0) on PostgreSQL, BIGINT
//     UNSIGNED on MySQL, and on SQLite TEXT holding exactly 20 zero-padded
//     decimal digits, so that text order is numeric order.
//   - google.protobuf.Timestamp is a timestamp column holding microseconds
//     (GORM tag precision:6), the finest precision all three databases keep
//     over the whole Timestamp range, 0001-01-01 to 9999-12-31. Nanoseconds
//     are rounded down (TimestampToTime). Timestamps that need nanoseconds
//     are stored as Unix nanoseconds in a BIGINT, which covers 1677 to 2262
//     (TimestampToNanos). A soft-delete timestamp is a gorm.DeletedAt
//     (TimestampToDeletedAt).
//   - google.protobuf.Duration is a BIGINT of microseconds, truncated toward
//     zero, which covers the whole Duration range of ±10000 years
//     (DurationToMicros); or a BIGINT of nanoseconds, which covers about
//     ±292 years (DurationToNanos).
//   - Repeated fields, maps, messages that are not models of their own, and
//     Struct, Value, ListValue and Any are JSON columns (JSONB on
//     PostgreSQL, JSON on MySQL, LONGTEXT on MariaDB, TEXT on SQLite)
//     holding the field's protojson encoding: 64-bit integers as strings,
//     NaN and infinities as strings, bytes as base64, enums by name. See
//     FieldToJSON and JSONToField.
//   - Enums are integers, or, with the enum_as_name option, their value
//     names, with numbers the enum does not declare kept as decimal digits
//     (EnumToName, EnumFromName).
//   - bytes without presence are NOT NULL columns (NonNilBytes).
//
// # What each database keeps
//
// Measured on PostgreSQL, MariaDB 10.11 and SQLite, and checked by this
// package's tests on every run:
//
//   - double precision and real: PostgreSQL keeps every value bit for bit,
//     NaN, infinities, -0 and subnormals included. MySQL refuses NaN and
//     infinities and turns -0 into 0. SQLite turns NaN into NULL and -0 into
//     0, and keeps infinities.
//   - text: PostgreSQL refuses NUL and invalid UTF-8. MySQL (utf8mb4)
//     refuses invalid UTF-8 other than encoded UTF-16 surrogates. SQLite
//     keeps any bytes. All three keep 4-byte UTF-8 such as emoji.
//   - JSON: PostgreSQL jsonb refuses \u0000 in strings and turns -0 into 0;
//     it reorders keys and reformats numbers, which decoding does not see.
//   - timestamps: all three keep 0001-01-01T00:00:00Z to
//     9999-12-31T23:59:59.999999Z at microsecond precision.
package ormrt
