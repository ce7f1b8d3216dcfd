package crudrt

// DBError is dbError, for the tests of package crudrt_test, which import
// the driver packages that register classifiers.
var DBError = dbError

// WithoutErrorClassifiers runs fn as a program that registered no
// classifier runs. Tests that call it must not run in parallel.
func WithoutErrorClassifiers(fn func()) {
	classifiers.mu.Lock()
	saved := classifiers.list
	classifiers.list = nil
	classifiers.mu.Unlock()
	defer func() {
		classifiers.mu.Lock()
		classifiers.list = saved
		classifiers.mu.Unlock()
	}()
	fn()
}

var Conversions = conversions

// UnmarshalJSON is the JSON codecs' reading of a request.
var UnmarshalJSON = unmarshalJSON

// ErrorPath is the field path a JSON reading error is put at, if any.
func ErrorPath(err error) (string, bool) {
	pe, ok := asPathError(err)
	if !ok {
		return "", false
	}
	return pe.Path, true
}

// WithClientFilter is ctx as List gives it to readers for a query that
// holds a client's filter.
var WithClientFilter = withClientFilter

// HasQuickRules reports whether s checks its resource's rules quickly
// before protovalidate (see quickRules).
func HasQuickRules(s *Service) bool { return s.quick != nil }
