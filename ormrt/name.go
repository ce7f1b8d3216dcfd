package ormrt

import (
	"fmt"
	"strings"
)

// NameID returns the id of an AIP-122 resource name of a top-level
// pattern: "shelves/1" of "shelves/{shelf}" is "1". The column of a
// resource identified by its name holds the id alone; a name that does not
// match the pattern is an error naming field.
func NameID(pattern, name, field string) (string, error) {
	prefix := NamePrefix(pattern)
	id, ok := strings.CutPrefix(name, prefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", &FieldError{Field: field, Err: fmt.Errorf("resource name %q does not match %s", name, pattern)}
	}
	return id, nil
}

// NameOf is the resource name of id under pattern: "shelves/" + id.
func NameOf(pattern, id string) string {
	if id == "" {
		return ""
	}
	return NamePrefix(pattern) + id
}

// NamePrefix is what precedes the single variable of a top-level pattern:
// "shelves/" of "shelves/{shelf}".
func NamePrefix(pattern string) string {
	if i := strings.IndexByte(pattern, '{'); i >= 0 {
		return pattern[:i]
	}
	return pattern
}
