package crudrt

import (
	"context"
	"errors"
	"strconv"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt/query"
)

// tenantScope is the caller's tenant for one call; the zero value means
// the model has no tenant field.
type tenantScope struct {
	// col is the quoted tenant column.
	col string
	v   any
}

// tenantOf resolves the caller's tenant for models with a tenant field.
func (s *Service) tenantOf(ctx context.Context) (tenantScope, error) {
	if s.tenant == nil {
		return tenantScope{}, nil
	}
	if s.opt.tenant == nil {
		return tenantScope{}, Errorf(connect.CodeFailedPrecondition, "%s has a tenant field but the service was built without crudrt.WithTenant", s.res.Name)
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
		return tenantScope{}, Errorf(connect.CodeUnauthenticated, "no tenant: %v", err)
	}
	switch v.(type) {
	case string, int64, int32, int:
	default:
		return tenantScope{}, Errorf(connect.CodeInternal, "tenant of type %T; want string or an integer", v)
	}
	return tenantScope{col: s.tenant.quoted, v: v}, nil
}

// cond restricts a query to the tenant.
func (t tenantScope) cond() query.Condition {
	if t.col == "" {
		return query.Condition{}
	}
	return query.Condition{SQL: t.col + " = ?", Args: []any{t.v}}
}

// value is the tenant as the field's value.
func (t tenantScope) value(fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch v := t.v.(type) {
	case string:
		return protoreflect.ValueOfString(v)
	case int:
		return integer(fd, int64(v))
	case int32:
		return integer(fd, int64(v))
	case int64:
		return integer(fd, v)
	}
	return fd.Default()
}

func integer(fd protoreflect.FieldDescriptor, v int64) protoreflect.Value {
	if fd.Kind() == protoreflect.StringKind {
		return protoreflect.ValueOfString(strconv.FormatInt(v, 10))
	}
	if fd.Kind() == protoreflect.Int32Kind || fd.Kind() == protoreflect.Sint32Kind || fd.Kind() == protoreflect.Sfixed32Kind {
		return protoreflect.ValueOfInt32(int32(v))
	}
	return protoreflect.ValueOfInt64(v)
}
