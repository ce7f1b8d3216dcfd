package crudrt

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt/query"
)

// scanner is what protoc-gen-orm generates on a model for reads without
// reflection: its columns in a fixed order and a row's destinations.
type scanner interface {
	Columns() []string
	ScanDest() []any
}

// selectRows runs one SELECT of the model's columns on tx and scans the
// rows into models directly; lock locks them for update (PostgreSQL and
// MySQL; SQLite transactions lock the database).
func (s *Service) selectRows(tx *gorm.DB, where []query.Condition, order string, limit, offset int, lock bool) ([]scanner, error) {
	var b strings.Builder
	b.WriteString("SELECT ")
	b.WriteString(s.selectList)
	b.WriteString(" FROM ")
	b.WriteString(s.from)
	var args []any
	var conds []string
	for _, c := range where {
		if c.SQL != "" {
			conds = append(conds, "("+c.SQL+")")
			args = append(args, c.Args...)
		}
	}
	if len(conds) > 0 {
		b.WriteString(" WHERE " + strings.Join(conds, " AND "))
	}
	if order != "" {
		b.WriteString(" ORDER BY " + order)
	}
	if limit > 0 {
		b.WriteString(" LIMIT " + strconv.Itoa(limit))
		if offset > 0 {
			b.WriteString(" OFFSET " + strconv.Itoa(offset))
		}
	}
	if lock && s.dialect != query.SQLite {
		b.WriteString(" FOR UPDATE")
	}
	rows, err := tx.Raw(b.String(), args...).Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []scanner
	for rows.Next() {
		m := s.newModel()
		if err := rows.Scan(m.ScanDest()...); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// find loads the row whose key column holds ck (see columnKey) on tx;
// soft-deleted rows too when deleted is set.
func (s *Service) find(tx *gorm.DB, tenant tenantScope, ck rowKey, deleted, lock bool) (scanner, error) {
	conds := []query.Condition{s.keyCond(ck), tenant.cond()}
	if !deleted {
		conds = append(conds, s.notDeleted())
	}
	rows, err := s.selectRows(tx, conds, "", 1, 0, lock)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, gorm.ErrRecordNotFound
	}
	return rows[0], nil
}

// Get returns the resource with key. Soft-deleted resources are returned
// with their delete_time (AIP-164).
func (s *Service) Get(ctx context.Context, key any) (proto.Message, error) {
	if err := s.implements(OpGet); err != nil {
		return nil, err
	}
	return s.get(ctx, key)
}

// get is Get without the check that the resource declares it, for
// Store.
func (s *Service) get(ctx context.Context, key any) (proto.Message, error) {
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	ck, err := s.columnKey(key)
	if err != nil {
		return nil, err
	}
	m, err := s.find(s.db.WithContext(ctx), tenant, ck, true, false)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	p, err := s.toProto(m)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return p, nil
}

// ListRequest holds the fields of an AIP-132 List request.
type ListRequest struct {
	PageSize    int32
	PageToken   string
	Filter      string
	OrderBy     string
	ShowDeleted bool
	// Skip is AIP-158's skip: results passed over before the page, after
	// the page token's position when there is one.
	Skip int32
	// Parent is AIP-132's parent of a resource under a parent: only its
	// children are listed ("-" in place of an id lists across parents,
	// AIP-159). It is required for such a resource, and ignored for
	// others.
	Parent string
}

// List returns a page of resources and the token of the next page ("" at
// the end). Pages are read by keyset on the requested order with the key
// as tie-breaker, so a deep page costs what the first does, and tokens are
// signed and bound to the query.
func (s *Service) List(ctx context.Context, req ListRequest) ([]proto.Message, string, error) {
	if err := s.implements(OpList); err != nil {
		return nil, "", err
	}
	return s.list(ctx, req)
}

// list is List without the check that the resource declares it, for
// Store.
func (s *Service) list(ctx context.Context, req ListRequest) ([]proto.Message, string, error) {
	size := req.PageSize
	switch {
	case size < 0:
		return nil, "", InvalidArgument("", FieldViolation{Field: "page_size", Description: "must not be negative"})
	case size == 0:
		size = s.opt.defaultPageSize
	case size > s.opt.maxPageSize:
		size = s.opt.maxPageSize
	}
	if req.Skip < 0 {
		return nil, "", InvalidArgument("", FieldViolation{Field: "skip", Description: "must not be negative"})
	}
	if len(req.Filter) > s.opt.limits.MaxFilterLength {
		return nil, "", InvalidArgument("", FieldViolation{Field: "filter", Description: fmt.Sprintf("at most %d bytes (got %d)", s.opt.limits.MaxFilterLength, len(req.Filter))})
	}
	t := &s.table
	where, err := query.ParseFilter(t, req.Filter)
	if err != nil {
		return nil, "", s.fail(ctx, err)
	}
	terms, err := query.ParseOrderBy(t, req.OrderBy)
	if err != nil {
		return nil, "", s.fail(ctx, err)
	}
	if asked := len(strings.Split(req.OrderBy, ",")); req.OrderBy != "" && asked > s.opt.limits.MaxOrderByTerms {
		return nil, "", InvalidArgument("", FieldViolation{Field: "order_by", Description: fmt.Sprintf("at most %d terms (got %d)", s.opt.limits.MaxOrderByTerms, asked)})
	}
	parent, err := s.parentIDs("parent", req.Parent)
	if err != nil {
		return nil, "", err
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return nil, "", err
	}
	// A token is bound to the query, to the parent and to the tenant it
	// was issued to.
	qid := fmt.Sprintf("%s\x00%s\x00%s\x00%t\x00%v\x00%q", s.res.Name, req.Filter, req.OrderBy, req.ShowDeleted, tenant.v, parent)
	var after query.Condition
	if req.PageToken != "" {
		last, err := query.DecodeToken(s.opt.tokenKey, qid, terms, req.PageToken)
		if err != nil {
			return nil, "", s.fail(ctx, err)
		}
		after = query.After(t, terms, last)
	}
	conds := []query.Condition{where, after, tenant.cond(), s.parentCond(parent)}
	if !req.ShowDeleted {
		conds = append(conds, s.notDeleted())
	}
	rows, err := s.selectRows(s.db.WithContext(ctx), conds, query.OrderSQL(t, terms), int(size)+1, int(req.Skip), false)
	if err != nil {
		return nil, "", s.fail(ctx, err)
	}
	next := ""
	if len(rows) > int(size) {
		rows = rows[:size]
		last, err := s.orderValues(rows[len(rows)-1], terms)
		if err != nil {
			return nil, "", s.fail(ctx, err)
		}
		if next, err = query.EncodeToken(s.opt.tokenKey, qid, terms, last); err != nil {
			return nil, "", s.fail(ctx, err)
		}
	}
	out := make([]proto.Message, 0, len(rows))
	for _, m := range rows {
		p, err := s.toProto(m)
		if err != nil {
			return nil, "", s.fail(ctx, err)
		}
		out = append(out, p)
	}
	return out, next, nil
}

// orderValues reads the ordered columns of a scanned row, as the page
// token carries them.
func (s *Service) orderValues(m scanner, terms []query.OrderTerm) ([]any, error) {
	dest := m.ScanDest()
	out := make([]any, len(terms))
	for i, t := range terms {
		idx := -1
		for j, c := range s.res.Columns {
			if c.Name == t.Column.Name {
				idx = j
				break
			}
		}
		if idx < 0 {
			return nil, errors.New("crudrt: no column " + t.Column.Name)
		}
		v := reflect.ValueOf(dest[idx]).Elem()
		for v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return nil, errors.New("crudrt: ordered column " + t.Column.Name + " is NULL")
			}
			v = v.Elem()
		}
		out[i] = v.Interface()
	}
	return out, nil
}

// BatchGet returns the resources with keys, in the order asked, with one
// query; if any is missing the whole call is NotFound (AIP-231).
func (s *Service) BatchGet(ctx context.Context, keys []any) ([]proto.Message, error) {
	return s.BatchGetIn(ctx, "", keys)
}

// BatchGetIn is BatchGet under parent (AIP-231): a name that is not
// under it is InvalidArgument; "" or wildcards allow any parent.
func (s *Service) BatchGetIn(ctx context.Context, parent string, keys []any) ([]proto.Message, error) {
	if err := s.implements(OpBatchGet); err != nil {
		return nil, err
	}
	if err := s.batchSize(len(keys)); err != nil {
		return nil, err
	}
	cks, err := s.batchKeys("names", parent, keys)
	if err != nil {
		return nil, err
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]proto.Message, 0, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	rows, err := s.selectRows(s.db.WithContext(ctx), []query.Condition{s.keysCond(cks), tenant.cond()}, "", 0, 0, false)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	found := make(map[string]proto.Message, len(rows))
	for _, m := range rows {
		p, err := s.toProto(m)
		if err != nil {
			return nil, s.fail(ctx, err)
		}
		found[keyString(p.ProtoReflect().Get(s.key.fd).Interface())] = p
	}
	used := make(map[string]bool, len(keys))
	for i, k := range keys {
		ks := keyString(k)
		p, ok := found[ks]
		if !ok {
			return nil, Errorf(connect.CodeNotFound, "%s %d of the batch (%v) not found", s.res.Name, i, k)
		}
		if used[ks] {
			p = proto.Clone(p) // a key asked twice gets two messages
		}
		used[ks] = true
		out = append(out, p)
	}
	return out, nil
}

// batchKeys converts the keys of a batch call, checking that each lies
// under parent when one is given; errors name field[i].
func (s *Service) batchKeys(field, parent string, keys []any) ([]rowKey, error) {
	var pids []string
	if parent != "" {
		var err error
		if pids, err = s.parentIDs("parent", parent); err != nil {
			return nil, err
		}
	}
	cks := make([]rowKey, len(keys))
	for i, k := range keys {
		ck, err := s.columnKey(k)
		if err != nil {
			return nil, InvalidArgument("", FieldViolation{Field: fmt.Sprintf("%s[%d]", field, i), Description: fmt.Sprintf("want %s, got %v", s.key.NamePattern, k)})
		}
		if pids != nil && !underParent(ck, pids) {
			return nil, InvalidArgument("", FieldViolation{Field: fmt.Sprintf("%s[%d]", field, i), Description: fmt.Sprintf("%v is not under parent %q", k, parent)})
		}
		cks[i] = ck
	}
	return cks, nil
}

// keysCond selects the rows of keys.
func (s *Service) keysCond(keys []rowKey) query.Condition {
	if len(s.parents) == 0 {
		args := make([]any, len(keys))
		for i, k := range keys {
			args[i] = k[0]
		}
		return query.Condition{SQL: s.key.quoted + " IN ?", Args: []any{args}}
	}
	parts := make([]string, len(keys))
	var args []any
	for i, k := range keys {
		c := s.keyCond(k)
		parts[i] = "(" + c.SQL + ")"
		args = append(args, c.Args...)
	}
	return query.Condition{SQL: strings.Join(parts, " OR "), Args: args}
}

// keyString is the canonical spelling of a key value, whatever Go type
// holds it (request fields, parsed names and protoreflect values differ
// for enums).
func keyString(v any) string {
	switch k := v.(type) {
	case string:
		return "s" + k
	case protoreflect.EnumNumber:
		return strconv.FormatInt(int64(k), 10)
	case protoreflect.Enum:
		return strconv.FormatInt(int64(k.Number()), 10)
	}
	return fmt.Sprint(v)
}
