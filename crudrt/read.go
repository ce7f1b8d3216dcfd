package crudrt

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt/query"
)

// selectRows runs one SELECT of the model's columns on tx and scans the
// rows into models directly; lock locks them for update (PostgreSQL and
// MySQL; SQLite transactions lock the database).
func (s *Service) selectRows(tx *gorm.DB, where []query.Condition, order string, limit, offset int, lock bool) ([]any, error) {
	var b strings.Builder
	args := s.selectSQL(&b, where, order, limit, offset)
	if lock && s.dialect != query.SQLite {
		b.WriteString(" FOR UPDATE")
	}
	return s.scanRows(tx, b.String(), args)
}

// selectSQL writes the SELECT of selectRows to b and returns its
// arguments.
func (s *Service) selectSQL(b *strings.Builder, where []query.Condition, order string, limit, offset int) []any {
	b.WriteString("SELECT ")
	b.WriteString(s.selectList)
	b.WriteString(" FROM ")
	b.WriteString(s.from)
	var args []any
	for _, c := range where {
		if c.SQL != "" {
			b.WriteString(" WHERE ")
			args = whereSQL(b, where)
			break
		}
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
	return args
}

// selectRanges reads a page that starts after a keyset position, given as
// query.AfterRanges' conditions: one SELECT per range, each read by one
// index seek and limited to the page, in one statement (UNION ALL), then
// ordered and limited again; on MySQL and MariaDB one statement per range,
// in order, until the page is full. With a single range it is selectRows.
// generic asks the reader for a plan made once for any position (see
// GenericPlan): where holds no filter of the client's.
func (s *Service) selectRanges(tx *gorm.DB, where, ranges []query.Condition, order string, limit, offset int, generic bool) ([]any, error) {
	if len(ranges) < 2 {
		return s.selectRows(tx, append(where, ranges...), order, limit, offset, false)
	}
	if s.dialect == query.MySQL {
		// MariaDB 10.11 can crash freeing the temporary tables of such a
		// UNION of derived tables as a prepared statement: the ranges are
		// read one after the other, in order, until the page is full.
		var out []any
		for _, r := range ranges {
			rows, err := s.selectRows(tx, append(where[:len(where):len(where)], r), order, limit+offset-len(out), 0, false)
			if err != nil {
				return nil, err
			}
			if out = append(out, rows...); len(out) >= limit+offset {
				break
			}
		}
		if offset >= len(out) {
			return nil, nil
		}
		return out[offset:min(len(out), offset+limit)], nil
	}
	if generic {
		tx = tx.WithContext(withGenericPlan(tx.Statement.Context))
	}
	var b strings.Builder
	var args []any
	b.WriteString("SELECT " + s.selectList + " FROM (")
	for i, r := range ranges {
		if i > 0 {
			b.WriteString(" UNION ALL ")
		}
		b.WriteString("SELECT * FROM (")
		args = append(args, s.selectSQL(&b, append(where[:len(where):len(where)], r), order, limit+offset, 0)...)
		b.WriteString(") AS r" + strconv.Itoa(i))
	}
	b.WriteString(") AS page ORDER BY " + order + " LIMIT " + strconv.Itoa(limit))
	if offset > 0 {
		b.WriteString(" OFFSET " + strconv.Itoa(offset))
	}
	return s.scanRows(tx, b.String(), args)
}

// into returns the destinations of a new model for each row read,
// appending the model to out.
func (s *Service) into(out *[]any) func() []any {
	return func() []any {
		m := s.newModel()
		*out = append(*out, m)
		return s.dest(m)
	}
}

// scanRows runs q and scans its rows into models. A read outside a
// transaction runs again, up to conflictAttempts times in all, where the
// database refused it for a conflict: on PostgreSQL, a statement a
// connection prepared before a migration changed the table's columns
// (SQLStateKind), which the driver then prepares anew.
func (s *Service) scanRows(tx *gorm.DB, q string, args []any) ([]any, error) {
	_, pooled := tx.Statement.ConnPool.(*sql.DB)
	for attempt := 1; ; attempt++ {
		out, err := s.scanRowsOnce(tx, q, args)
		if err == nil || !pooled || attempt == conflictAttempts || classify(err) != DBErrorConflict || tx.Statement.Context != nil && tx.Statement.Context.Err() != nil {
			return out, err
		}
	}
}

// scanRowsOnce is one run of scanRows.
func (s *Service) scanRowsOnce(tx *gorm.DB, q string, args []any) ([]any, error) {
	var out []any
	err := s.read(tx, q, args, s.into(&out))
	return out, err
}

// read runs q on tx and scans each row into the destinations dest returns
// for it: through the dialect's RowReader outside transactions where one
// is registered (one that cannot serve the pool says so before it reads a
// row), through GORM otherwise.
func (s *Service) read(tx *gorm.DB, q string, args []any, dest func() []any) error {
	if r, ok := rowReaders.Load(s.dialect); ok && !s.opt.gormOnly {
		if pool, ok := tx.Statement.ConnPool.(*sql.DB); ok {
			err := r.(RowReader)(tx.Statement.Context, pool, q, args, dest)
			if !errors.Is(err, ErrNoRowReader) {
				return err
			}
		}
	}
	return gormQuerier{tx}.Query(q, args, dest)
}

// find loads the row whose key column holds ck (see columnKey) on tx;
// soft-deleted rows too when deleted is set.
func (s *Service) find(tx *gorm.DB, tenant tenantScope, ck rowKey, deleted, lock bool) (any, error) {
	rows, err := s.selectRows(tx, s.findConds(tenant, ck, deleted), "", 1, 0, lock)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, gorm.ErrRecordNotFound
	}
	return rows[0], nil
}

// findConds are find's conditions.
func (s *Service) findConds(tenant tenantScope, ck rowKey, deleted bool) []query.Condition {
	conds := []query.Condition{s.keyCond(ck), tenant.cond()}
	if !deleted {
		conds = append(conds, s.notDeleted())
	}
	return conds
}

// Get returns the resource with key. Soft-deleted resources are returned
// with their delete_time (AIP-164).
func (s *Service) Get(ctx context.Context, key any) (proto.Message, error) {
	if err := s.implements(OpGet); err != nil {
		return nil, err
	}
	return s.get(ctx, key)
}

// scoped is the caller's tenant and the column key of key.
func (s *Service) scoped(ctx context.Context, key any) (tenantScope, rowKey, error) {
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return tenant, nil, err
	}
	ck, err := s.columnKey(key)
	return tenant, ck, err
}

// get is Get without the check that the resource declares it, for
// Store.
func (s *Service) get(ctx context.Context, key any) (proto.Message, error) {
	tenant, ck, err := s.scoped(ctx, key)
	if err != nil {
		return nil, err
	}
	m, err := s.find(s.db.WithContext(ctx), tenant, ck, true, false)
	if err != nil {
		if s.singleton && errors.Is(err, gorm.ErrRecordNotFound) {
			return s.singletonDefault(ctx, tenant, ck)
		}
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
	// ParentField is, for a resource whose name places it under no
	// parent, its field (proto name) that holds its parent (Resource
	// Manager's Project.parent): Parent, when set, lists the resources
	// whose field holds it, and is NotFound, as a parent in a name, when
	// it names a resource of the package that does not exist.
	ParentField string
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

// tooLarge is the error of an unpaged List (Method.Unpaged) whose
// collection holds more resources than one response answers: the whole
// collection or none, never a response cut short that a client would
// take for all of it.
func (s *Service) tooLarge(m *method, req ListRequest) error {
	limit := strconv.Itoa(int(s.opt.maxPageSize))
	where := "the collection"
	if req.Parent != "" {
		where = fmt.Sprintf("%q", req.Parent)
	}
	return Errorf(connect.CodeResourceExhausted, "%s has no pagination (AIP-158) and answers at most %s resources in one response; %s holds more: narrow the request, or list with a paginated method", m.Name, limit, where).
		WithReason("LIST_TOO_LARGE", "method", m.Name, "limit", limit)
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
	if s.singleton {
		return s.listSingletons(ctx, req, size)
	}
	where, err := s.filter(req.Filter)
	if err != nil {
		return nil, "", s.fail(ctx, err)
	}
	if where.SQL != "" {
		ctx = withClientFilter(ctx)
	}
	t := &s.table
	terms, err := query.ParseOrderBy(t, req.OrderBy)
	if err != nil {
		return nil, "", s.fail(ctx, err)
	}
	if asked := len(strings.Split(req.OrderBy, ",")); req.OrderBy != "" && asked > s.opt.limits.MaxOrderByTerms {
		return nil, "", InvalidArgument("", FieldViolation{Field: "order_by", Description: fmt.Sprintf("at most %d terms (got %d)", s.opt.limits.MaxOrderByTerms, asked)})
	}
	conds, tenant, parent, err := s.selection(ctx, where, req)
	if err != nil {
		return nil, "", err
	}
	// A token is bound to the query, to the parent and to the tenant it
	// was issued to.
	qid := fmt.Sprintf("%s\x00%s\x00%s\x00%t\x00%v\x00%q", s.res.Name, req.Filter, req.OrderBy, req.ShowDeleted, tenant.v, parent)
	indexed, err := s.offered(req.OrderBy, terms)
	if err != nil || !indexed {
		// The key's columns the order does not name end it ascending;
		// descending where that is what is offered (or index-backed), so
		// that the reverse of an order may leave out the key ("title
		// desc" for "title": "title desc, id desc").
		if rev := keyDescending(terms); rev != nil {
			if ok, rerr := s.offered(req.OrderBy, rev); rerr == nil && ok {
				terms, indexed, err = rev, true, nil
			}
		}
		if err != nil {
			return nil, "", err
		}
	}
	var ranges []query.Condition
	if req.PageToken != "" {
		last, err := query.DecodeToken(s.opt.tokenKey, qid, terms, req.PageToken)
		if err != nil {
			return nil, "", s.fail(ctx, err)
		}
		// Rows are distinct on a unique index's columns: the terms after
		// them never decide, and the position is read without them.
		n := s.distinct(terms)
		terms, last := terms[:n], last[:n]
		if row, ok := query.AfterRow(t, terms, last); ok && indexed {
			// One index range, wherever the page starts.
			conds = append(conds, row)
		} else if indexed {
			// One index range per term.
			ranges = query.AfterRanges(t, terms, last)
		} else {
			conds = append(conds, query.After(t, terms, last))
		}
	}
	rows, err := s.selectRanges(s.db.WithContext(ctx), conds, ranges, query.OrderSQL(t, terms), int(size)+1, int(req.Skip), where.SQL == "")
	if err != nil {
		return nil, "", s.fail(ctx, err)
	}
	if len(rows) == 0 {
		// AIP-132: the children of a parent that does not exist are not an
		// empty page but NOT_FOUND. Asked only when nothing was found, so
		// that a page with rows costs no more.
		if err := s.parentFound(ctx, gormQuerier{s.db.WithContext(ctx)}, tenant, req, parent); err != nil {
			return nil, "", s.fail(ctx, err)
		}
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

// selection is what a List request selects, whatever its page: the rows
// of the filter's condition where, under its parent (the ids, also
// returned), of the caller's tenant, and not deleted unless it shows
// them.
func (s *Service) selection(ctx context.Context, where query.Condition, req ListRequest) ([]query.Condition, tenantScope, []string, error) {
	parent, err := s.parentIDs("parent", req.Parent)
	if err != nil {
		return nil, tenantScope{}, nil, err
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return nil, tenantScope{}, nil, err
	}
	conds := []query.Condition{where, tenant.cond(), s.parentCond(parent)}
	if req.ParentField != "" && len(s.parents) == 0 && req.Parent != "" {
		c := s.byPath[req.ParentField]
		if c == nil || c.fd.Kind() != protoreflect.StringKind {
			return nil, tenantScope{}, nil, Errorf(connect.CodeInternal, "internal error: %s has no string field %q to hold a parent", s.res.Name, req.ParentField)
		}
		cond, err := s.heldParentCond(c, req.Parent)
		if err != nil {
			return nil, tenantScope{}, nil, err
		}
		conds = append(conds, cond)
		parent = []string{req.Parent} // page tokens are bound to it
	}
	if !req.ShowDeleted {
		conds = append(conds, s.notDeleted())
	}
	return conds, tenant, parent, nil
}

// heldRefs are the types of the package that field c, holding a parent,
// may name: its resource_reference, or any of Resource.HeldParent.
func (s *Service) heldRefs(c *column) []Reference {
	switch {
	case c == nil:
	case c.RefersTo != nil:
		return []Reference{*c.RefersTo}
	case c == s.heldParent:
		return s.res.HeldParent.Parents
	}
	return nil
}

// heldWildcard reports whether parent, held in field c, is a name of a
// type of the package with AIP-159's wildcard "-" for an id.
func (s *Service) heldWildcard(c *column, parent string) bool {
	_, ids, ok := heldParentRef(s.heldRefs(c), parent)
	return ok && slices.Contains(ids, "-")
}

// heldParentCond selects the rows whose field c holds parent. With "-"
// for its last id (AIP-159, `folders/-`), it reads across the parents of
// that type: the names with the same segments before it and one more
// segment, compared as bytes (the column's collation is binary on every
// dialect), so that a name of another API stored as sent
// (`folders/a/b`) is not taken. "-" for another id is InvalidArgument:
// the held name is one string, in which an id before others is not
// found by range.
func (s *Service) heldParentCond(c *column, parent string) (query.Condition, error) {
	if !s.heldWildcard(c, parent) {
		return query.Condition{SQL: c.quoted + " = ?", Args: []any{parent}}, nil
	}
	prefix, last := parent[:strings.LastIndexByte(parent, '/')+1], parent[strings.LastIndexByte(parent, '/')+1:]
	if last != "-" || slices.Contains(strings.Split(prefix, "/"), "-") {
		return query.Condition{}, InvalidArgument("", FieldViolation{Field: "parent", Description: fmt.Sprintf(
			"%q: in a parent held in a field, \"-\" (AIP-159) stands for the last id only, to read across the parents of that type", parent)})
	}
	// prefix ends in "/", whose successor is "0": the names that begin
	// with prefix sort from prefix to it.
	end := prefix[:len(prefix)-1] + "0"
	return query.Condition{
		SQL:  c.quoted + " > ? AND " + c.quoted + " < ? AND LENGTH(" + c.quoted + ") - LENGTH(REPLACE(" + c.quoted + ", '/', '')) = ?",
		Args: []any{prefix, end, strings.Count(parent, "/")},
	}, nil
}

// parentFound is, for a List request that selects nothing, NotFound
// naming its parent when the parent does not exist (AIP-132: the children
// of a parent that does not exist are not an empty page): the parent in a
// name (parentOf), or the parent a field holds (heldParentOf).
func (s *Service) parentFound(ctx context.Context, q querier, tenant tenantScope, req ListRequest, parent []string) error {
	if req.ParentField != "" && len(s.parents) == 0 {
		if req.Parent == "" {
			return nil
		}
		if c := s.byPath[req.ParentField]; !s.heldWildcard(c, req.Parent) {
			// Across parents (AIP-159), an empty page is an answer.
			return s.heldParentOf(ctx, q, tenant, c, req.Parent)
		}
		return nil
	}
	return s.parentOf(q, tenant, req.Parent, parent)
}

// heldParentOf is NotFound naming parent, the parent a List asks for
// whose field c holds it, when parent is a name of a resource of the
// package that field may name (its resource_reference, or any of
// Resource.HeldParent) and no such resource exists in the caller's
// tenant: another tenant's answers as one that does not exist. As for a
// parent in a name (parentOf), a soft-deleted parent exists: its
// children are listed. A name of no pattern of the package names another
// API's resource, which writes store as sent: its List is a page.
func (s *Service) heldParentOf(ctx context.Context, q querier, tenant tenantScope, c *column, parent string) error {
	ref, ids, ok := heldParentRef(s.heldRefs(c), parent)
	if !ok {
		return nil
	}
	if ref.Tenant != nil && tenant.caller == nil {
		// The resource has no tenant field; its parent has one.
		var err error
		if tenant.caller, err = s.callerTenant(ctx, ref.Name); err != nil {
			return err
		}
	}
	found, err := s.existsInTenant(q, ref.Tenant, tenant, ref.Table, ref.Columns, anys(ids), "", false)
	if err != nil || found {
		return err
	}
	return parentNotFound(ref.Name, parent)
}

// filter is the condition of an AIP-160 filter.
func (s *Service) filter(filter string) (query.Condition, error) {
	if len(filter) > s.opt.limits.MaxFilterLength {
		return query.Condition{}, InvalidArgument("", FieldViolation{Field: "filter", Description: fmt.Sprintf("at most %d bytes (got %d)", s.opt.limits.MaxFilterLength, len(filter))})
	}
	return query.ParseFilter(&s.table, filter)
}

// Count returns how many resources the pages of a List request hold in
// all (AIP-132's total_size): those its filter, parent and show_deleted
// select, whatever its page token, page size, skip and order. It is one
// COUNT of the rows; a parent that does not exist is NotFound, as in List.
func (s *Service) Count(ctx context.Context, req ListRequest) (int64, error) {
	if err := s.implements(OpList); err != nil {
		return 0, err
	}
	return s.count(ctx, req)
}

// count is Count without the check that the resource declares List, for
// Store.
func (s *Service) count(ctx context.Context, req ListRequest) (int64, error) {
	where, err := s.filter(req.Filter)
	if err != nil {
		return 0, s.fail(ctx, err)
	}
	conds, tenant, parent, err := s.selection(ctx, where, req)
	if err != nil {
		return 0, err
	}
	var b strings.Builder
	b.WriteString("SELECT COUNT(*) FROM " + s.from)
	var cond strings.Builder
	args := whereSQL(&cond, conds)
	if cond.Len() > 0 {
		b.WriteString(" WHERE " + cond.String())
	}
	var n int64
	if where.SQL != "" {
		ctx = withClientFilter(ctx)
	}
	db := s.db.WithContext(ctx)
	if err := s.read(db, b.String(), args, func() []any { return []any{&n} }); err != nil {
		return 0, s.fail(ctx, err)
	}
	if n == 0 {
		if err := s.parentFound(ctx, gormQuerier{db}, tenant, req, parent); err != nil {
			return 0, s.fail(ctx, err)
		}
	}
	return n, nil
}

// keyDescending is terms, as query.ParseOrderBy made them, with the key's
// columns it appended (those the order_by does not name) descending; nil
// when it appended none.
func keyDescending(terms []query.OrderTerm) []query.OrderTerm {
	if !slices.ContainsFunc(terms, func(t query.OrderTerm) bool { return t.Implied }) {
		return nil
	}
	rev := slices.Clone(terms)
	for i := range rev {
		if rev[i].Implied {
			rev[i].Desc = true
		}
	}
	return rev
}

// offered refuses an order the resource does not offer (Resource.Orders:
// an order offered, or its exact reverse, up to the columns rows are
// distinct on: "isbn desc" of a unique isbn, "title desc, id desc" of
// "title") and reports whether an index (or the key) serves terms: the
// key or an index begins with their columns, in their directions or all
// reversed (a unique index needs only to begin the order).
func (s *Service) offered(orderBy string, terms []query.OrderTerm) (bool, error) {
	// What follows the columns rows are distinct on never decides.
	terms = terms[:s.distinct(terms)]
	match := func(cols []string, desc []bool, unique bool) bool {
		n := len(terms)
		if unique && len(cols) < n {
			// Rows are distinct on a unique index's columns: what
			// follows them in the order never decides.
			n = len(cols)
		}
		if len(cols) < n {
			return false
		}
		same, reversed := true, true
		for i, t := range terms[:n] {
			if cols[i] != t.Column.Name {
				return false
			}
			d := i < len(desc) && desc[i]
			same = same && d == t.Desc
			reversed = reversed && d != t.Desc
		}
		return same || reversed
	}
	if match(s.keyColumns, nil, true) {
		return true, nil
	}
	for _, o := range s.res.Orders {
		if match(o.Columns, o.Desc, false) {
			return true, nil
		}
	}
	if len(s.res.Orders) > 0 {
		offered := make([]string, 0, len(s.res.Orders)+1)
		offered = append(offered, `"" (the key)`)
		for _, o := range s.res.Orders {
			offered = append(offered, strconv.Quote(o.OrderBy))
		}
		return false, InvalidArgument("", FieldViolation{Field: "order_by", Description: fmt.Sprintf("%q is not an order %s offers; offered: %s", orderBy, s.res.Name, strings.Join(offered, ", "))})
	}
	for _, ix := range s.res.Indexes {
		if match(ix.Columns, ix.Desc, ix.Unique) {
			return true, nil
		}
	}
	return false, nil
}

// distinct is the length of the shortest prefix of terms whose columns
// include all those of a unique index (or the key): rows differ there. A
// unique index with a nullable column does not count: rows may share its
// NULLs.
func (s *Service) distinct(terms []query.OrderTerm) int {
	seen := map[string]bool{}
	covers := func(cols []string) bool {
		for _, c := range cols {
			if !seen[c] || s.byName[c] != nil && s.byName[c].Nullable {
				return false
			}
		}
		return true
	}
	for i, t := range terms {
		seen[t.Column.Name] = true
		if covers(s.keyColumns) {
			return i + 1
		}
		for _, ix := range s.res.Indexes {
			if ix.Unique && covers(ix.Columns) {
				return i + 1
			}
		}
	}
	return len(terms)
}

// orderValues reads the ordered columns of a scanned row, as the page
// token carries them.
func (s *Service) orderValues(m any, terms []query.OrderTerm) ([]any, error) {
	dest := s.dest(m)
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
				if !t.Column.Nullable {
					return nil, errors.New("crudrt: ordered column " + t.Column.Name + " is NULL")
				}
				break
			}
			v = v.Elem()
		}
		if v.Kind() == reflect.Pointer && v.IsNil() {
			continue // NULL: out[i] stays nil
		}
		if d, ok := v.Interface().(gorm.DeletedAt); ok {
			if d.Valid {
				out[i] = d.Time
			}
			continue
		}
		out[i] = v.Interface()
	}
	return out, nil
}

// BatchGet returns the resources with keys, in the order asked, with one
// query; if any is missing the whole call is NotFound, and a call without
// keys is InvalidArgument (AIP-231).
func (s *Service) BatchGet(ctx context.Context, keys []any) ([]proto.Message, error) {
	return s.BatchGetIn(ctx, "", keys)
}

// BatchGetIn is BatchGet under parent (AIP-231): a name that is not
// under it is InvalidArgument; "" or wildcards allow any parent.
func (s *Service) BatchGetIn(ctx context.Context, parent string, keys []any) ([]proto.Message, error) {
	if err := s.implements(OpBatchGet); err != nil {
		return nil, err
	}
	field := s.keysField(OpBatchGet)
	if err := s.batchSize(field.list, len(keys)); err != nil {
		return nil, err
	}
	if len(keys) == 0 {
		// AIP-231: "If no resource names are provided, the API should
		// error with INVALID_ARGUMENT."
		return nil, InvalidArgument("", FieldViolation{Field: field.list, Description: "required: at least one resource to get (AIP-231)"})
	}
	cks, err := s.batchKeys(field, parent, keys)
	if err != nil {
		return nil, err
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]proto.Message, 0, len(keys))
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
		if v, ok := k.(string); ok {
			k = canonicalValue(v, s.keyFormat()) // as stored
		}
		ks := keyString(k)
		p, ok := found[ks]
		if !ok {
			return nil, Errorf(connect.CodeNotFound, "%s %d of the batch (%v) not found", s.res.Name, i, k).WithReason("RESOURCE_NOT_FOUND", "resource", s.res.Name, "index", strconv.Itoa(i), "key", fmt.Sprint(k))
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
// under parent when one is given; errors name field.at(i).
func (s *Service) batchKeys(field batchField, parent string, keys []any) ([]rowKey, error) {
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
			desc := fmt.Sprintf("want %s, got %v", s.key.NamePattern, k)
			if name, ok := k.(string); ok && s.key.NamePattern != "" {
				_, desc = s.splitName(name)
			}
			return nil, InvalidArgument("", FieldViolation{Field: field.at(i), Description: desc})
		}
		if pids != nil && !underParent(ck, pids) {
			return nil, InvalidArgument("", FieldViolation{Field: field.at(i), Description: fmt.Sprintf("%v is not under parent %q", k, parent)})
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
	// One row-value IN, not an OR per key: SQLite refuses expressions
	// deeper than 1000 terms, and takes a list of row values only from a
	// subquery (VALUES), where PostgreSQL would type the values as text.
	cols := make([]string, 0, len(s.parents)+1)
	for _, c := range s.parents {
		cols = append(cols, c.quoted)
	}
	cols = append(cols, s.key.quoted)
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	tuples := make([]string, len(keys))
	args := make([]any, 0, len(keys)*len(cols))
	for i, k := range keys {
		tuples[i] = tuple
		args = append(args, k...)
	}
	list := strings.Join(tuples, ", ")
	if s.dialect == query.SQLite {
		list = "VALUES " + list
	}
	return query.Condition{SQL: "(" + strings.Join(cols, ", ") + ") IN (" + list + ")", Args: args}
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
