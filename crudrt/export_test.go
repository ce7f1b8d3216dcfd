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
