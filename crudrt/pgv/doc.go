// Package pgv enforces protoc-gen-validate (PGV) rules, the
// `(validate.rules)`, `(validate.required)`, `(validate.disabled)` and
// `(validate.ignored)` options of github.com/envoyproxy/protoc-gen-validate
// v1.3.3, on any protoreflect.Message, by reflection.
//
// It evaluates every rule kind PGV defines, with the semantics of PGV's own
// generated Go code (templates/goshared): numeric, string and bytes rules
// (const, in/not_in, ranges where gt > lt means an exclusive outside range,
// lengths in runes or bytes, pattern, prefix/suffix/contains, email,
// hostname, ip/ipv4/ipv6, uri/uri_ref, address, uuid, well_known_regex with
// strict, ignore_empty), enum rules (const, in/not_in, defined_only),
// repeated rules (min/max items, unique, items), map rules (min/max pairs,
// no_sparse, keys, values), wrappers, google.protobuf.Any (required,
// in/not_in on type URLs), Duration and Timestamp (required, const, ranges,
// in/not_in, lt_now, gt_now, within), message rules (required, skip), oneof
// `(validate.required)`, and message-level `disabled` and `ignored`.
// Nested messages are validated recursively, as PGV's generated Validate
// does: singular, repeated and map-valued messages alike.
//
// Two entry points:
//
//   - [Check] validates a message and lists every violation, each with a
//     field path (`title`, `address.city`, `tags[2]`, `labels["k"]`) and a
//     short description (`at most 200 characters (got 201)`).
//   - [Problems] lists what is wrong with the rules of a field: a rule kind
//     that does not fit the field's type, a pattern that does not compile,
//     rule fields this version does not know, and the combinations PGV's
//     own generator refuses. Code generators call it to refuse such rules
//     at generation time; a rule is either enforced by Check or reported
//     here.
//
// Rules are compiled once per message descriptor and cached (regular
// expressions included); Check and Problems are safe for concurrent use.
// The cache holds one entry per descriptor seen and is never evicted, which
// suits the fixed set of generated messages a server validates.
//
// Where Check deviates from PGV's generated code, it is stricter, never
// looser: rules PGV refuses to generate (e.g. `in` with `not_in`, `lt` with
// `lte`) are all evaluated rather than one silently winning, bytes `const`
// is enforced even when empty, `message.required` is enforced on
// Timestamp/Duration/Any fields that also carry type rules, and a field
// whose rules cannot be enforced at all (see Problems) fails validation
// ("fails closed") instead of passing.
package pgv
