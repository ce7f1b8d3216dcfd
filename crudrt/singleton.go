package crudrt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/protoforge/protoforge/crudrt/query"
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
	return s.defaultOf(tenant, ids), nil
}

// defaultOf is the singleton under the parent of ids as it is until its
// first write: its name (and its tenant), every other field at its
// default.
func (s *Service) defaultOf(tenant tenantScope, ids []string) proto.Message {
	p := newOf(s.res.Message).ProtoReflect()
	p.Set(s.key.fd, protoreflect.ValueOfString(ormrt.NameOf(s.key.NamePattern, ids...)))
	if s.tenant != nil && tenant.col != "" {
		p.Set(s.tenant.fd, tenant.pv)
	}
	return p.Interface()
}

// listSingletons is List of a singleton (AIP-156, read as AIP-159 asks):
// one per parent, written or not, in the order of the parents' keys.
// The request's parent names the singletons' parent, with "-" in place
// of an id to read across parents (users/-); a parent named whole gives a
// page of its one singleton, or NotFound when it does not exist, as Get
// does. Across parents, a soft-deleted parent's singleton is listed with
// show_deleted only, as the parent is. The parents are read by keyset on
// their key, then the rows of their singletons that were written.
func (s *Service) listSingletons(ctx context.Context, req ListRequest, size int32) ([]proto.Message, string, error) {
	p := s.res.Parent
	if p == nil || len(p.Columns) != len(s.keyColumns) {
		return nil, "", Errorf(connect.CodeUnimplemented, "%s is a singleton whose parent this package does not store: its parents cannot be listed", s.res.Name).WithReason("METHOD_NOT_IMPLEMENTED", "resource", s.res.Name, "method", OpList.String())
	}
	if strings.TrimSpace(req.Filter) != "" {
		return nil, "", InvalidArgument("", FieldViolation{Field: "filter", Description: "a List of singletons (AIP-156) takes no filter: it lists one per parent"})
	}
	if strings.TrimSpace(req.OrderBy) != "" {
		return nil, "", InvalidArgument("", FieldViolation{Field: "order_by", Description: "a List of singletons (AIP-156) is in the order of their parents' keys, and takes no order_by"})
	}
	ids, err := scanIDs(s.ownerPattern, req.Parent, len(s.keyColumns))
	if err != nil {
		desc := nameProblem(s.ownerPattern, req.Parent)
		if req.Parent == "" {
			desc = "required: the parent, " + s.ownerPattern
		}
		return nil, "", InvalidArgument("", FieldViolation{Field: "parent", Description: desc})
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return nil, "", err
	}
	across := slices.Contains(ids, "-")
	quoted := make([]string, len(p.Columns))
	terms := make([]query.OrderTerm, len(p.Columns))
	for i, c := range p.Columns {
		quoted[i] = ormrt.QuoteIdent(s.dialect, c)
		terms[i] = query.OrderTerm{Column: &query.Column{Path: c, Name: c, Kind: query.KindString}}
	}
	qid := fmt.Sprintf("%s\x00singletons\x00%q\x00%t\x00%v", s.res.Name, req.Parent, req.ShowDeleted, tenant.v)
	var last []any
	if req.PageToken != "" {
		if last, err = query.DecodeToken(s.opt.tokenKey, qid, terms, req.PageToken); err != nil {
			return nil, "", s.fail(ctx, err)
		}
	}
	if problem := s.idProblem(ids); problem != "" {
		if !across {
			return nil, "", Errorf(connect.CodeNotFound, "parent %q not found: %s", req.Parent, problem).WithReason("PARENT_NOT_FOUND", "parent", req.Parent)
		}
		return []proto.Message{}, "", nil // no parent has such an id
	}
	var where []query.Condition
	for i, id := range ids {
		switch {
		case id != "-":
			where = append(where, query.Condition{SQL: quoted[i] + " = ?", Args: []any{id}})
		case s.multiPattern():
			// Any id of the variable, which the parents of other
			// patterns lack (AIP-123).
			where = append(where, query.Condition{SQL: quoted[i] + " <> ''"})
		}
	}
	if p.Tenant != "" && tenant.col != "" {
		where = append(where, query.Condition{SQL: ormrt.QuoteIdent(s.dialect, p.Tenant) + " = ?", Args: []any{tenant.v}})
	}
	if p.DeleteTime != "" && across && !req.ShowDeleted {
		where = append(where, query.Condition{SQL: ormrt.QuoteIdent(s.dialect, p.DeleteTime) + " IS NULL"})
	}
	if last != nil {
		phs := strings.TrimSuffix(strings.Repeat("?, ", len(last)), ", ")
		where = append(where, query.Condition{SQL: "(" + strings.Join(quoted, ", ") + ") > (" + phs + ")", Args: last})
	}
	var b strings.Builder
	b.WriteString("SELECT " + strings.Join(quoted, ", ") + " FROM " + ormrt.QuoteIdent(s.dialect, p.Table))
	var args []any
	if len(where) > 0 {
		b.WriteString(" WHERE ")
		args = whereSQL(&b, where)
	}
	b.WriteString(" ORDER BY " + strings.Join(quoted, ", ") + " LIMIT " + strconv.Itoa(int(size)+1))
	if req.Skip > 0 {
		b.WriteString(" OFFSET " + strconv.Itoa(int(req.Skip)))
	}
	var owners [][]string
	err = gormQuerier{s.db.WithContext(ctx)}.Query(b.String(), args, func() []any {
		row := make([]string, len(quoted))
		owners = append(owners, row)
		dest := make([]any, len(row))
		for i := range row {
			dest[i] = &row[i]
		}
		return dest
	})
	if err != nil {
		return nil, "", s.fail(ctx, err)
	}
	if len(owners) == 0 && !across && req.PageToken == "" && req.Skip == 0 {
		if err := s.ownerOf(ctx, tenant, ids); err != nil {
			return nil, "", err
		}
	}
	next := ""
	if len(owners) > int(size) {
		owners = owners[:size]
		end := make([]any, len(quoted))
		for i, id := range owners[len(owners)-1] {
			end[i] = id
		}
		if next, err = query.EncodeToken(s.opt.tokenKey, qid, terms, end); err != nil {
			return nil, "", s.fail(ctx, err)
		}
	}
	out := make([]proto.Message, 0, len(owners))
	if len(owners) == 0 {
		return out, next, nil
	}
	keys := make([]rowKey, len(owners))
	for i, o := range owners {
		keys[i] = make(rowKey, len(o))
		for j, id := range o {
			keys[i][j] = id
		}
	}
	rows, err := s.selectRows(s.db.WithContext(ctx), []query.Condition{s.keysCond(keys), tenant.cond()}, "", 0, 0, false)
	if err != nil {
		return nil, "", s.fail(ctx, err)
	}
	written := make(map[string]proto.Message, len(rows))
	for _, m := range rows {
		msg, err := s.toProto(m)
		if err != nil {
			return nil, "", s.fail(ctx, err)
		}
		written[msg.ProtoReflect().Get(s.key.fd).String()] = msg
	}
	for _, o := range owners {
		if msg, ok := written[ormrt.NameOf(s.key.NamePattern, o...)]; ok {
			out = append(out, msg)
		} else {
			out = append(out, s.defaultOf(tenant, o))
		}
	}
	return out, next, nil
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
	if len(paths) == 0 {
		// Nothing the client may change is named: the singleton stays
		// unwritten, as Get reads it.
		return s.defaultOf(tenant, ids), nil
	}
	def := s.defaultOf(tenant, ids)
	same := proto.Clone(def)
	s.applyPaths(same, msg, paths)
	if sameMessage(same, def) {
		// Every field named holds its default already (AIP-134: all
		// fields match): the singleton stays unwritten.
		return def, nil
	}
	next := newOf(s.res.Message)
	next.ProtoReflect().Set(s.key.fd, protoreflect.ValueOfString(name))
	s.applyPaths(next, msg, paths)
	// Written under the ids of its name: those of a singleton of several
	// patterns (AIP-123) are "" where its pattern lacks a variable, which
	// no parent name gives.
	parent := ""
	if len(s.parents) > 0 {
		parent = ormrt.NameOf(s.parentPattern, ids[:len(ids)-1]...)
	}
	out, err := s.createUnder(ctx, parent, ids[:len(ids)-1], ids[len(ids)-1], next)
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
	owner := ormrt.NameOf(s.ownerPattern, ids...)
	if p := s.idProblem(ids); p != "" {
		return Errorf(connect.CodeNotFound, "parent %q not found: %s", owner, p).WithReason("PARENT_NOT_FOUND", "parent", owner)
	}
	if err := s.parentOf(gormQuerier{s.db.WithContext(ctx)}, tenant, owner, ids); err != nil {
		return s.fail(ctx, err)
	}
	return nil
}

// ownedName is the name of the singleton of the parent that name names,
// or name itself when it names no parent of the singleton (the
// singleton's own name, or a name of no pattern, which the method
// refuses as it is).
func (s *Service) ownedName(name string) string {
	if !s.singleton {
		return name
	}
	if _, err := scanIDs(s.ownerPattern, name, len(s.keyColumns)); err != nil {
		return name
	}
	alts := ormrt.Patterns(s.key.NamePattern)
	return name + alts[0][strings.LastIndexByte(alts[0], '/'):]
}

// newOf is a new, empty message of m's type.
func newOf(m proto.Message) proto.Message { return m.ProtoReflect().New().Interface() }
