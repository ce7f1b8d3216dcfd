package ormrt

import "fmt"

// FieldError reports a value of one field that cannot be converted or
// stored. Every error returned by this package is a *FieldError, so callers
// can find the offending field with errors.As.
type FieldError struct {
	// Field is the name of the field, usually its full protobuf name such
	// as "library.v1.Book.title".
	Field string
	// Err describes what is wrong and what would be accepted.
	Err error
}

// Error returns "<field>: <message>".
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Err.Error()
	}
	return e.Field + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

// fieldErrorf returns a *FieldError for field with a formatted message.
// A %w verb in format wraps its operand as usual.
func fieldErrorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}
