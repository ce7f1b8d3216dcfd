package ormrt

import (
	"fmt"
	"strings"

	"go.einride.tech/aip/resourcename"
)

// ScanName stores the variables of an AIP-122 resource name into ids, one
// per variable of pattern in order: "shelves/1/books/2" of
// "shelves/{shelf}/books/{book}" gives "1" and "2". A resource identified
// by its name stores these ids, one column each, instead of the name. A
// name that does not match the pattern, or with an empty variable, is an
// error naming field, and so is a name with a leading slash or a full
// resource name ("//library.example.com/shelves/1"): the names a service
// stores and is asked for are relative (AIP-122), and such a name would
// be read as another one than its text.
func ScanName(pattern, name, field string, ids ...*string) error {
	if severalPatterns(pattern) {
		return scanNameOf(Patterns(pattern), pattern, name, field, ids)
	}
	if strings.HasPrefix(name, "/") {
		return &FieldError{Field: field, Err: fmt.Errorf("resource name %q does not match %s: a relative name has no leading slash", name, pattern)}
	}
	if err := resourcename.Sscan(name, pattern, ids...); err != nil {
		return &FieldError{Field: field, Err: fmt.Errorf("resource name %q does not match %s", name, pattern)}
	}
	for _, id := range ids {
		if *id == "" {
			return &FieldError{Field: field, Err: fmt.Errorf("resource name %q does not match %s: a segment is empty", name, pattern)}
		}
		if strings.IndexByte(*id, 0) >= 0 {
			return &FieldError{Field: field, Err: fmt.Errorf("resource name %q holds a NUL character, which no resource id does (AIP-122)", name)}
		}
	}
	return nil
}

// NameOf is the resource name of ids under pattern, the inverse of
// ScanName: "shelves/1/books/2". A row without its own id (the last) has
// no name: "".
func NameOf(pattern string, ids ...string) string {
	if severalPatterns(pattern) {
		// The pattern whose variables the ids hold.
		return nameOf(Patterns(pattern), pattern, ids)
	}
	if len(ids) == 0 || ids[len(ids)-1] == "" {
		return ""
	}
	return resourcename.Sprint(pattern, ids...)
}

// SingletonPattern reports whether an AIP-122 pattern names a singleton
// (AIP-156): it ends with a collection rather than a variable,
// "users/{user}/config". A set of patterns (AIP-123) names one when each
// of its patterns does: Cloud Logging's settings, "projects/{project}/settings"
// and "organizations/{organization}/settings".
func SingletonPattern(pattern string) bool {
	for _, alt := range Patterns(pattern) {
		parts := strings.Split(alt, "/")
		if len(parts)%2 == 0 || strings.HasPrefix(parts[len(parts)-1], "{") {
			return false
		}
	}
	return true
}

// OwnerPattern is the pattern (set) of the parents of the singletons of
// pattern (AIP-156): each pattern without its last collection,
// "users/{user}" of "users/{user}/config".
func OwnerPattern(pattern string) string {
	alts := Patterns(pattern)
	out := make([]string, len(alts))
	for i, alt := range alts {
		out[i] = alt[:max(strings.LastIndexByte(alt, '/'), 0)]
	}
	return strings.Join(out, "|")
}

// NamePrefix is what precedes the first variable of a pattern: "shelves/"
// of "shelves/{shelf}".
func NamePrefix(pattern string) string {
	alts := Patterns(pattern)
	prefix := alts[0]
	if i := strings.IndexByte(prefix, '{'); i >= 0 {
		prefix = prefix[:i]
	}
	for _, alt := range alts[1:] {
		n := 0
		for n < len(prefix) && n < len(alt) && prefix[n] == alt[n] {
			n++
		}
		prefix = prefix[:n]
	}
	return prefix
}

// IDOrNull is the id a nullable column holds: nil (NULL) for "", which
// no name's id is. A resource whose parents are of several types holds
// its parent's id so (see the foreign keys of protoc-gen-orm's schema),
// NULL in the rows under a parent of another type.
func IDOrNull(id string) *string {
	if id == "" {
		return nil
	}
	return &id
}

// RefIDs are the variables of the name a google.api.resource_reference
// field holds, one per variable of pattern, as its foreign key columns
// store them; nil (NULL columns, no key to check) when the name is empty
// or does not match pattern, which the server refuses before any write.
func RefIDs(pattern, name string) []string {
	if name == "" {
		return nil
	}
	n := strings.Count(pattern, "{")
	if severalPatterns(pattern) {
		n = len(PatternVars(pattern))
	}
	ids := make([]string, n)
	ptrs := make([]*string, len(ids))
	for i := range ids {
		ptrs[i] = &ids[i]
	}
	if ScanName(pattern, name, "", ptrs...) != nil {
		return nil
	}
	return ids
}
