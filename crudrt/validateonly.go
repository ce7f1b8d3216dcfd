package crudrt

import (
	"context"
	"errors"

	"connectrpc.com/connect"
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
	return withFlag(ctx, validateOnlyKey{}, on)
}

func validateOnly(ctx context.Context) bool { return flag(ctx, validateOnlyKey{}) }

// withFlag sets the flag key in ctx when on is set.
func withFlag(ctx context.Context, key any, on bool) context.Context {
	if !on {
		return ctx
	}
	return context.WithValue(ctx, key, true)
}

// flag reports whether ctx has the flag key.
func flag(ctx context.Context, key any) bool {
	on, _ := ctx.Value(key).(bool)
	return on
}

// errValidateOnly rolls back the transaction of a validate-only write once
// it has succeeded.
var errValidateOnly = errors.New("crudrt: validate only: rolled back")

type allowMissingKey struct{}

// AllowMissing returns ctx under which, when on is set, a write of a
// resource that does not exist is AIP-134's and AIP-135's allow_missing:
// Update of a resource identified by its name creates it from the
// request's resource, under the parent and with the id its name gives (the
// mask is ignored, as AIP-134 says); Delete succeeds and returns (nil, nil).
// A resource that exists but is soft deleted is not missing.
func AllowMissing(ctx context.Context, on bool) context.Context {
	return withFlag(ctx, allowMissingKey{}, on)
}

func allowMissing(ctx context.Context) bool { return flag(ctx, allowMissingKey{}) }

// missing reports whether err is the NotFound of the resource itself.
func missing(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Code() == connect.CodeNotFound && e.Reason() == "RESOURCE_NOT_FOUND"
}
