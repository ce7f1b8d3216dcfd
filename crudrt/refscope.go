package crudrt

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// What a write names (a google.api.resource_reference, a
// (protoforge.v1.field).references key, the parent a field holds) is
// checked in the caller's tenant when the named resource has a tenant
// field: another tenant's resource answers as one that does not exist,
// with the same code, message and details.

// tenantOfTargets is the first resource with a tenant field that a
// reference, a foreign key or the held parent of s names, or "".
func (s *Service) tenantOfTargets() string {
	for _, c := range s.refs {
		if c.RefersTo.Tenant != nil {
			return c.RefersTo.Name
		}
	}
	for _, c := range s.listRefs {
		if c.ListRefersTo.Tenant != nil {
			return c.ListRefersTo.Name
		}
	}
	for _, c := range s.foreignKeys {
		if c.ForeignKey.Tenant != nil {
			return c.ForeignKey.Name
		}
	}
	if hp := s.res.HeldParent; hp != nil {
		for _, p := range hp.Parents {
			if p.Tenant != nil {
				return p.Name
			}
		}
	}
	return ""
}

// writeScope is tenantOf for the writes, which also resolve the caller's
// tenant when the resource has no tenant field but names resources that
// have one (see refTenant): those are checked in the caller's tenant.
func (s *Service) writeScope(ctx context.Context) (tenantScope, error) {
	tenant, err := s.tenantOf(ctx)
	if err != nil || s.refTenant == "" {
		return tenant, err
	}
	tenant.caller, err = s.callerTenant(ctx, s.refTenant)
	return tenant, err
}

// inTenant adds to cols and vals, a condition on another resource's table
// whose tenant column is t (nil: none), that the row is of the caller's
// tenant. ok is false when the caller's tenant is not one that column
// holds: no row is the caller's.
func inTenant(t *TenantColumn, tenant tenantScope, cols []string, vals []any) (_ []string, _ []any, ok bool) {
	if t == nil {
		return cols, vals, true
	}
	v, err := tenantValue(tenantKind(t.Type), t.Column, tenant.caller)
	if err != nil {
		return cols, vals, false
	}
	return append(cols[:len(cols):len(cols)], t.Column), append(vals[:len(vals):len(vals)], v.Interface()), true
}

// tenantKind is the field kind of a tenant column's type.
func tenantKind(typ string) protoreflect.Kind {
	switch typ {
	case "int32", "sint32", "sfixed32":
		return protoreflect.Int32Kind
	case "int64", "sint64", "sfixed64":
		return protoreflect.Int64Kind
	}
	return protoreflect.StringKind
}

// existsInTenant is exists for a row of another resource with tenant
// column t: a row of another tenant is not found.
func (s *Service) existsInTenant(q querier, t *TenantColumn, tenant tenantScope, table string, cols []string, vals []any, deleteTime string, lock bool) (bool, error) {
	cols, vals, ok := inTenant(t, tenant, cols, vals)
	if !ok {
		return false, nil
	}
	return s.exists(q, table, cols, vals, deleteTime, lock)
}

// inPaths reports whether a write of paths (nil: every field) writes
// field path.
func inPaths(paths []string, path string) bool {
	return paths == nil || slices.ContainsFunc(paths, func(p string) bool { return p == path || strings.HasPrefix(p, path+".") })
}

// keyValue is the value of foreign key column c in r as it is written,
// and the description of its row's absence.
func keyValue(c *column, r protoreflect.Message) (any, string) {
	v := r.Get(c.fd).Interface()
	str, ok := v.(string)
	if !ok {
		return v, fmt.Sprintf("%s %v does not exist", c.ForeignKey.Name, v)
	}
	if f := c.format(); f != annotations.FieldInfo_FORMAT_UNSPECIFIED {
		str = canonicalValue(str, f) // as it is written
		v = str
	}
	return v, fmt.Sprintf("%s %q does not exist", c.ForeignKey.Name, str)
}

// tenantForeignKeys checks, before a write of p's fields of paths (nil:
// all), the (protoforge.v1.field).references fields whose model has a
// tenant field, which the database's foreign key holds to a row of any
// tenant: a value naming no row of the caller's tenant is refused as the
// foreign key refuses one naming no row (see foreignKeyMissing), with
// prefix before the field's path. The rows found stay share-locked until
// the write commits.
func (s *Service) tenantForeignKeys(q querier, tenant tenantScope, p proto.Message, prefix string, paths []string) error {
	r := p.ProtoReflect()
	var vs []FieldViolation
	for _, c := range s.foreignKeys {
		fk := c.ForeignKey
		if fk.Tenant == nil || !inPaths(paths, c.Path) || c.fd.HasPresence() && !r.Has(c.fd) {
			continue
		}
		v, desc := keyValue(c, r)
		found, err := s.existsInTenant(q, fk.Tenant, tenant, fk.Table, []string{fk.Column}, []any{keyArg(v)}, "", true)
		if err != nil {
			return err
		}
		if !found {
			vs = append(vs, FieldViolation{Field: joinPath(prefix, c.Path), Description: desc})
		}
	}
	if len(vs) > 0 {
		return referenceMissing(s.res.Name, vs)
	}
	return nil
}

// checksTargets reports whether a write of p checks, in a transaction of
// its own, what p names: google.api.resource_reference fields, foreign
// keys of models with a tenant field, a held parent.
func (s *Service) checksTargets(p proto.Message) bool {
	if s.hasRefs(p) || s.heldParent != nil && p.ProtoReflect().Get(s.heldParent.fd).String() != "" {
		return true
	}
	r := p.ProtoReflect()
	return slices.ContainsFunc(s.foreignKeys, func(c *column) bool {
		return c.ForeignKey.Tenant != nil && (!c.fd.HasPresence() || r.Has(c.fd))
	})
}

// checkHeldParent checks the parent's name that the held parent field of
// p holds (Resource.HeldParent), when it is a name of a resource of the
// package: one that does not exist, or is of another tenant, is NotFound
// (PARENT_NOT_FOUND, as the parent of a resource named under one), one
// that is soft deleted FailedPrecondition (RESOURCE_DELETED, AIP-164). Its
// row stays share-locked until the write commits, so that a Delete of it
// waits and then sees the child. A name of no pattern of the package
// names a resource of another API, which is stored as sent. On an Update
// of the resource named self, a parent that is the resource or one under
// it is InvalidArgument: a resource is not its own ancestor.
func (s *Service) checkHeldParent(q querier, tenant tenantScope, p proto.Message, self string) error {
	if s.heldParent == nil {
		return nil
	}
	name := p.ProtoReflect().Get(s.heldParent.fd).String()
	if name == "" {
		return nil
	}
	ref, ids, ok := heldParentRef(s.res.HeldParent.Parents, name)
	if !ok {
		return nil
	}
	live, err := s.existsInTenant(q, ref.Tenant, tenant, ref.Table, ref.Columns, anys(ids), ref.DeleteTime, true)
	if err != nil {
		return err
	}
	if live {
		if self == "" || ref.Name != s.res.Name {
			return nil
		}
		return s.heldCycle(q, ref, self, name)
	}
	if ref.DeleteTime != "" {
		found, err := s.existsInTenant(q, ref.Tenant, tenant, ref.Table, ref.Columns, anys(ids), "", false)
		if err != nil {
			return err
		}
		if found {
			return parentDeleted(ref.Name, name, "creating under it")
		}
	}
	return parentNotFound(ref.Name, name)
}

// heldParentRef is, of refs, the types a field holding a parent may name,
// the first whose pattern name matches, and name's ids in it; ok is false
// for a name of no pattern of the package (another API's resource).
func heldParentRef(refs []Reference, name string) (_ *Reference, ids []string, ok bool) {
	for i := range refs {
		if ids, err := scanIDs(refs[i].Pattern, name, len(refs[i].Columns)); err == nil {
			return &refs[i], ids, true
		}
	}
	return nil, nil, false
}

// heldCycle refuses to place the resource named self under parent, a
// resource of its own type (ref) that exists, when parent is self or lies
// under it: the chain of the parents their field holds, read up from
// parent, reaches self. The chain ends at a parent of another type or
// API, or one already seen.
func (s *Service) heldCycle(q querier, ref *Reference, self, parent string) error {
	seen := map[string]bool{}
	for name := parent; !seen[name]; {
		if name == self {
			return InvalidArgument("", FieldViolation{Field: joinPath(s.res.Field, s.heldParent.Path),
				Description: fmt.Sprintf("%q is %s or lies under it: a resource cannot be its own ancestor", parent, self)})
		}
		seen[name] = true
		ids, err := scanIDs(ref.Pattern, name, len(ref.Columns))
		if err != nil {
			return nil
		}
		next, found := "", false
		q1 := "SELECT " + s.heldParent.quoted + " FROM " + s.from + " WHERE " + s.match(ref.Columns, "")
		if err := q.Query(q1, anys(ids), func() []any { found = true; return []any{&next} }); err != nil || !found {
			return err
		}
		name = next
	}
	return nil
}

// parentNotFound is the NotFound of a parent that does not exist, or is
// of another tenant than the caller's (AIP-133).
func parentNotFound(resource, parent string) *Error {
	return Errorf(connect.CodeNotFound, "parent %s %q not found", resource, parent).WithReason("PARENT_NOT_FOUND", "parent", parent)
}

// parentDeleted is the refusal of a write under a soft-deleted parent
// (AIP-164: a soft-deleted resource is not mutable; Delete refuses a
// parent with live children, whose state this would make); write is what
// waits for the parent's Undelete ("creating under it").
func parentDeleted(resource, parent, write string) *Error {
	return Errorf(connect.CodeFailedPrecondition, "parent %s %q is deleted: undelete it before %s (AIP-164)", resource, parent, write).WithReason("RESOURCE_DELETED", "resource", resource, "parent", parent)
}
