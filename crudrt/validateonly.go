package crudrt

import (
	"context"
	"errors"
)

type validateOnlyKey struct{}

// ValidateOnly returns ctx under which a service's writes (Create, Update,
// Delete, Undelete and their batches) are AIP-163's validate_only when on
// is set: each is carried out in full, every check and constraint of the
// database included, in a transaction that is then rolled back, and
// answers what the write would have answered. Nothing is stored. Keys the
// database assigns are drawn and not used (PostgreSQL's and MySQL's
// sequences do not roll back).
func ValidateOnly(ctx context.Context, on bool) context.Context {
	if !on {
		return ctx
	}
	return context.WithValue(ctx, validateOnlyKey{}, true)
}

func validateOnly(ctx context.Context) bool {
	on, _ := ctx.Value(validateOnlyKey{}).(bool)
	return on
}

// errValidateOnly rolls back the transaction of a validate-only write once
// it has succeeded.
var errValidateOnly = errors.New("crudrt: validate only: rolled back")
