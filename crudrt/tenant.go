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
}

// tenantOf resolves the caller's tenant for models with a tenant field.
func (s *Service) tenantOf(ctx context.Context) (tenantScope, error) {
	if s.tenant == nil {
		return tenantScope{}, nil
	}
	if s.opt.tenant == nil {
		return tenantScope{}, Errorf(connect.CodeFailedPrecondition, "%s has a tenant field but the service was built without crudrt.WithTenant", s.res.Name).WithReason("TENANT_NOT_CONFIGURED", "resource", s.res.Name)
	}
	v, err := s.opt.tenant(ctx)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return tenantScope{}, e
		}
		var ce *connect.Error
		if errors.As(err, &ce) {
			return tenantScope{}, &Error{ce: ce}
		}
		return tenantScope{}, Errorf(connect.CodeUnauthenticated, "no tenant: %v", err).WithReason("TENANT_MISSING")
	}
	if t, ok := v.(string); ok && (!utf8.ValidString(t) || strings.IndexByte(t, 0) >= 0) {
		// Read from what the caller sent, most likely: no column holds
		// it the same on every database.
		return tenantScope{}, Errorf(connect.CodeUnauthenticated, "the caller's tenant is not UTF-8 text without NUL").WithReason("TENANT_INVALID")
	}
	pv, err := tenantValue(s.tenant.fd, v)
	if err != nil {
		return tenantScope{}, Errorf(connect.CodeInternal, "tenant of %s: %v", s.res.Name, err)
	}
	return tenantScope{col: s.tenant.quoted, v: pv.Interface(), pv: pv}, nil
}

// tenantValue converts the tenant WithTenant gave to the value of the
// tenant field, so that rows are stamped and queried with the same value
// as the column holds it. A tenant that does not fit the field is an
// error, never a truncated value.
func tenantValue(fd protoreflect.FieldDescriptor, v any) (protoreflect.Value, error) {
	var n int64
	var isInt bool
	switch t := v.(type) {
	case string:
		switch fd.Kind() {
		case protoreflect.StringKind:
			return protoreflect.ValueOfString(t), nil
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
			protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			parsed, err := strconv.ParseInt(t, 10, 64)
			if err != nil {
				return protoreflect.Value{}, fmt.Errorf("tenant %q is not an integer, as field %s is", t, fd.Name())
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
		switch fd.Kind() {
		case protoreflect.StringKind:
			return protoreflect.ValueOfString(strconv.FormatInt(n, 10)), nil
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
			if n < math.MinInt32 || n > math.MaxInt32 {
				return protoreflect.Value{}, fmt.Errorf("tenant %d does not fit int32 field %s", n, fd.Name())
			}
			return protoreflect.ValueOfInt32(int32(n)), nil
		case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			return protoreflect.ValueOfInt64(n), nil
		}
	}
	return protoreflect.Value{}, fmt.Errorf("tenant field %s is %v; tenants are string, int32 or int64 fields", fd.Name(), fd.Kind())
}

// cond restricts a query to the tenant.
func (t tenantScope) cond() query.Condition {
	if t.col == "" {
		return query.Condition{}
	}
	return query.Condition{SQL: t.col + " = ?", Args: []any{t.v}}
}
