package crudrt

import (
	"context"
	"errors"

	"connectrpc.com/connect"
	"go.einride.tech/aip/resourcename"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/protoforge/protoforge/ormrt"
)

// A singleton resource (AIP-156), "users/{user}/config", exists as long
// as its parent does, one per parent: it has no Create or Delete of its
// own. Its row is keyed by its parent's variables and written by its
// first Update; until then Get answers it with every field at its
// default but the name (and the tenant). The row goes with its parent
// (see Child.Singleton).

// singletonDefault is the singleton of key ck that was never written:
// NotFound naming the parent when the parent is a resource this package
// stores and it does not exist.
func (s *Service) singletonDefault(ctx context.Context, tenant tenantScope, ck rowKey) (proto.Message, error) {
	ids := make([]string, len(ck))
	for i, v := range ck {
		ids[i], _ = v.(string)
	}
	if err := s.ownerOf(ctx, tenant, ids); err != nil {
		return nil, err
	}
	p := newOf(s.res.Message).ProtoReflect()
	p.Set(s.key.fd, protoreflect.ValueOfString(ormrt.NameOf(s.key.NamePattern, ids...)))
	if s.tenant != nil && tenant.col != "" {
		p.Set(s.tenant.fd, tenant.pv)
	}
	return p.Interface(), nil
}

// writeSingleton is the first Update of a singleton, whose row does not
// exist yet: the fields of the mask are written over the defaults, as
// Update writes them over what is stored, and the row is inserted. An
// etag cannot match a singleton never written. When another call writes
// the row first, this one updates it.
func (s *Service) writeSingleton(ctx context.Context, msg proto.Message, mask *fieldmaskpb.FieldMask) (proto.Message, error) {
	name := msg.ProtoReflect().Get(s.key.fd).String()
	ids, err := s.nameIDs(joinPath(s.res.Field, s.key.Path), name)
	if err != nil {
		return nil, err
	}
	if s.etag != nil {
		if sent := msg.ProtoReflect().Get(s.etag.fd).String(); sent != "" {
			return nil, staleEtag(s.res.Name, sent, "")
		}
	}
	paths, tenant, err := s.updateScope(ctx, msg, mask)
	if err != nil {
		return nil, err
	}
	if err := s.ownerOf(ctx, tenant, ids); err != nil {
		return nil, err
	}
	next := newOf(s.res.Message)
	next.ProtoReflect().Set(s.key.fd, protoreflect.ValueOfString(name))
	s.applyPaths(next, msg, paths)
	parent := ""
	if len(s.parents) > 0 {
		parent = resourcename.Sprint(s.parentPattern, ids[:len(ids)-1]...)
	}
	out, err := s.create(ctx, parent, ids[len(ids)-1], next)
	var e *Error
	switch {
	case err == nil:
		return out, nil
	case errors.As(err, &e) && e.Reason() == "RESOURCE_ALREADY_EXISTS":
		// Written meanwhile: this call is an update of it.
		return s.update(ctx, msg, mask)
	case errors.As(err, &e) && e.Reason() == "REFERENCE_VIOLATION":
		// The parent was deleted meanwhile.
		if perr := s.ownerOf(ctx, tenant, ids); perr != nil {
			return nil, perr
		}
	}
	return nil, err
}

// ownerOf is NotFound naming the parent of the singleton of ids when the
// parent does not exist: when it is a resource this package stores and
// has no row, and when its ids are longer than the columns hold, as for
// a Create under such a parent, even where the package does not store it.
func (s *Service) ownerOf(ctx context.Context, tenant tenantScope, ids []string) error {
	owner := resourcename.Sprint(s.ownerPattern, ids...)
	if p := s.idProblem(ids); p != "" {
		return Errorf(connect.CodeNotFound, "parent %q not found: %s", owner, p).WithReason("PARENT_NOT_FOUND", "parent", owner)
	}
	if err := s.parentOf(gormQuerier{s.db.WithContext(ctx)}, tenant, owner, ids); err != nil {
		return s.fail(ctx, err)
	}
	return nil
}

// newOf is a new, empty message of m's type.
func newOf(m proto.Message) proto.Message { return m.ProtoReflect().New().Interface() }
