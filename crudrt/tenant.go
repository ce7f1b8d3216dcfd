package crudrt

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt/query"
)

// tenantScope is the caller's tenant for one call; the zero value means
// the model has no tenant field.
type tenantScope struct {
	// col is the quoted tenant column; v the tenant as the column holds
	// it and pv as the field does.
	col string
	v   any
	pv  protoreflect.Value
	// caller is the caller's tenant as WithTenant gave it: of a model
	// with a tenant field, and resolved by Delete and BatchDelete of a
	// model without one whose children have one (see Child.Tenant) and
	// by writes of a model without one that name resources with one
	// (see writeScope); nil otherwise.
	caller any
}

// tenantOf resolves the caller's tenant for models with a tenant field.
func (s *Service) tenantOf(ctx context.Context) (tenantScope, error) {
	if s.tenant == nil {
		return tenantScope{}, nil
	}
	v, err := s.callerTenant(ctx, s.res.Name)
	if err != nil {
		return tenantScope{}, err
	}
	pv, err := tenantValue(s.tenant.fd.Kind(), string(s.tenant.fd.Name()), v)
	if err != nil {
		return tenantScope{}, Errorf(connect.CodeInternal, "tenant of %s: %v", s.res.Name, err)
	}
	return tenantScope{col: s.tenant.quoted, v: pv.Interface(), pv: pv, caller: v}, nil
}

// deleteScope is tenantOf for Delete and BatchDelete, which also resolve
// the caller's tenant when the model has no tenant field but some of its
// children have one: a forced delete deletes the caller's children only.
func (s *Service) deleteScope(ctx context.Context) (tenantScope, error) {
	tenant, err := s.tenantOf(ctx)
	if err != nil || s.tenant != nil {
		return tenant, err
	}
	for _, c := range s.res.Children {
		if c.Tenant != nil {
			tenant.caller, err = s.callerTenant(ctx, c.Name)
			return tenant, err
		}
	}
	return tenant, nil
}

// callerTenant is the caller's tenant as WithTenant gives it, checked; res
// names the resource with a tenant field, for the error of a service
// built without WithTenant.
func (s *Service) callerTenant(ctx context.Context, res string) (any, error) {
	if s.opt.tenant == nil {
		return nil, Errorf(connect.CodeFailedPrecondition, "%s has a tenant field but the service was built without crudrt.WithTenant", res).WithReason("TENANT_NOT_CONFIGURED", "resource", res)
	}
	v, err := s.opt.tenant(ctx)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, e
		}
		var ce *connect.Error
		if errors.As(err, &ce) {
			return nil, &Error{ce: ce}
		}
		return nil, Errorf(connect.CodeUnauthenticated, "no tenant: %v", err).WithReason("TENANT_MISSING")
	}
	if t, ok := v.(string); ok && (!utf8.ValidString(t) || strings.IndexByte(t, 0) >= 0) {
		// Read from what the caller sent, most likely: no column holds
		// it the same on every database.
		return nil, Errorf(connect.CodeUnauthenticated, "the caller's tenant is not UTF-8 text without NUL").WithReason("TENANT_INVALID")
	}
	return v, nil
}

// tenantValue converts the tenant WithTenant gave to the value of the
// tenant field, so that rows are stamped and queried with the same value
// as the column holds it. A tenant that does not fit the field is an
// error, never a truncated value.
func tenantValue(kind protoreflect.Kind, name string, v any) (protoreflect.Value, error) {
	var n int64
	var isInt bool
	switch t := v.(type) {
	case string:
		switch kind {
		case protoreflect.StringKind:
			return protoreflect.ValueOfString(t), nil
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
			protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			parsed, err := strconv.ParseInt(t, 10, 64)
			if err != nil {
				return protoreflect.Value{}, fmt.Errorf("tenant %q is not an integer, as field %s is", t, name)
			}
			n, isInt = parsed, true
		}
	case int:
		n, isInt = int64(t), true
	case int32:
		n, isInt = int64(t), true
	case int64:
		n, isInt = t, true
	default:
		return protoreflect.Value{}, fmt.Errorf("tenant of type %T; want string or an integer", v)
	}
	if isInt {
		switch kind {
		case protoreflect.StringKind:
			return protoreflect.ValueOfString(strconv.FormatInt(n, 10)), nil
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return protoreflect.Value{}, fmt.Errorf("tenant %d does not fit int32 field %s", n, name)
			}
			return protoreflect.ValueOfInt32(int32(n)), nil
		case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			return protoreflect.ValueOfInt64(n), nil
		}
	}
	return protoreflect.Value{}, fmt.Errorf("tenant field %s is %v; tenants are string, int32 or int64 fields", name, kind)
}

// cond restricts a query to the tenant.
func (t tenantScope) cond() query.Condition {
	if t.col == "" {
		return query.Condition{}
	}
	return query.Condition{SQL: t.col + " = ?", Args: []any{t.v}}
}
