package crudrt

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/protoforge/protoforge/ormrt"
)

// Delete deletes the resource with key, after checking etag when given.
// Soft-deleted models get their delete_time set and are returned as
// stored; others are removed and returned as they were.
func (s *Service) Delete(ctx context.Context, key any, etag string) (proto.Message, error) {
	return s.DeleteForce(ctx, key, etag, false)
}

// DeleteForce is Delete with AIP-135's force: a resource with children
// (resources named under it) is FailedPrecondition unless force is set,
// which deletes the children too, in the same transaction. Soft-deleted
// children are soft deleted, the others removed.
func (s *Service) DeleteForce(ctx context.Context, key any, etag string, force bool) (proto.Message, error) {
	if err := s.implements(OpDelete); err != nil {
		return nil, err
	}
	return s.deleteOrMissing(ctx, key, etag, force)
}

// deleteOrMissing is DeleteForce without the check that the resource
// declares it, for Store: under AllowMissing a resource that does not
// exist is deleted already (nil, nil), and one soft deleted already is
// answered as stored (AIP-164: the call succeeds).
func (s *Service) deleteOrMissing(ctx context.Context, key any, etag string, force bool) (proto.Message, error) {
	out, err := s.delete(ctx, key, etag, force)
	if err != nil && allowMissing(ctx) && missing(err) {
		return s.deletedAlready(ctx, key)
	}
	return out, err
}

// deletedAlready is the resource with key soft deleted already, as
// stored, or nil when there is none.
func (s *Service) deletedAlready(ctx context.Context, key any) (proto.Message, error) {
	if s.deleteTime == nil {
		return nil, nil
	}
	tenant, ck, err := s.scoped(ctx, key)
	if err != nil {
		return nil, err
	}
	p, err := s.absent(s.db.WithContext(ctx), tenant, ck)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return p, nil
}

// absent is deletedAlready read on tx, for the resource whose key column
// holds ck.
func (s *Service) absent(tx *gorm.DB, tenant tenantScope, ck rowKey) (proto.Message, error) {
	if s.deleteTime == nil {
		return nil, nil
	}
	row, err := s.find(tx, tenant, ck, true, false)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return s.toProto(row)
}

// keyOnly is the resource with key holding its key (or name) alone: what
// a Delete that answers the resource answers, under AllowMissing, of one
// that does not exist (AIP-135: nothing is done).
func (s *Service) keyOnly(key any) proto.Message {
	p := newOf(s.res.Message).ProtoReflect()
	if v := protoreflect.ValueOf(key); reflect.TypeOf(v.Interface()) == reflect.TypeOf(s.key.fd.Default().Interface()) {
		if k, ok := key.(string); ok {
			v = protoreflect.ValueOfString(canonicalValue(k, s.keyFormat())) // as stored
		}
		p.Set(s.key.fd, v)
	}
	return p.Interface()
}

// delete is DeleteForce without the check that the resource declares it,
// for Store.
func (s *Service) delete(ctx context.Context, key any, etag string, force bool) (proto.Message, error) {
	tenant, err := s.deleteScope(ctx)
	if err != nil {
		return nil, err
	}
	if s.canSwap(ctx, etag) {
		// A soft delete of this row only: one statement.
		ck, err := s.columnKey(key)
		if err != nil {
			return nil, err
		}
		if out, done, err := s.swapReturning(ctx, tenant, ck, etag, true); done {
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return out, nil
		}
	}
	var out proto.Message
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		out, err = s.remove(tx, tenant, key, etag, force)
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

// remove deletes the row with key on tx: soft deletion for models with a
// delete_time, else a DELETE.
func (s *Service) remove(tx *gorm.DB, tenant tenantScope, key any, etag string, force bool) (proto.Message, error) {
	ck, err := s.columnKey(key)
	if err != nil {
		return nil, err
	}
	p, err := s.load(tx, tenant, ck, etag, false)
	if err != nil {
		return nil, err
	}
	now := s.opt.now()
	if err := s.removeChildren(tx, tenant, key, ck, force, now); err != nil {
		return nil, err
	}
	if err := s.heldChildren(gormQuerier{tx}, key); err != nil {
		return nil, err
	}
	if err := s.referred(tx, p); err != nil {
		return nil, err
	}
	if s.deleteTime == nil {
		if err := s.detach(tx, ck); err != nil {
			return nil, err
		}
		kc := s.keyCond(ck)
		if res := tx.Exec("DELETE FROM "+s.from+" WHERE "+kc.SQL, kc.Args...); res.Error != nil {
			return nil, res.Error
		}
		return p, nil
	}
	p.ProtoReflect().Set(s.deleteTime.fd, protoreflect.ValueOfMessage(timestamppb.New(now).ProtoReflect()))
	return s.save(tx, p, ck, now)
}

// Undelete restores a soft-deleted resource (AIP-164).
func (s *Service) Undelete(ctx context.Context, key any, etag string) (proto.Message, error) {
	if err := s.implements(OpUndelete); err != nil {
		return nil, err
	}
	tenant, ck, err := s.scoped(ctx, key)
	if err == nil && s.refTenant != "" {
		// The references it comes back with are checked in the
		// caller's tenant.
		tenant, err = s.writeScope(ctx)
	}
	if err != nil {
		return nil, err
	}
	parent, pids, underParent := s.keyParent(key, ck)
	if s.canSwap(ctx, etag) && !underParent {
		if out, done, err := s.swapReturning(ctx, tenant, ck, etag, false); done {
			if err != nil {
				return nil, s.fail(ctx, err)
			}
			return out, nil
		}
	}
	var out proto.Message
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		p, err := s.load(tx, tenant, ck, etag, true)
		if err != nil {
			return err
		}
		r := p.ProtoReflect()
		if !r.Has(s.deleteTime.fd) {
			// AIP-164: Undelete of a resource that is not deleted is
			// ALREADY_EXISTS (HTTP 409).
			return Errorf(connect.CodeAlreadyExists, "%s is not deleted", s.res.Name).WithReason("RESOURCE_NOT_DELETED", "resource", s.res.Name)
		}
		if underParent {
			// A live resource under a soft-deleted parent is a state
			// Delete refuses to make (AIP-135, AIP-164), as Create does.
			if err := s.parentLiveFor(gormQuerier{tx}, parent, pids, "undeleting what it holds"); err != nil {
				return err
			}
		}
		r.Clear(s.deleteTime.fd)
		if s.purgeTime != nil {
			r.Clear(s.purgeTime.fd)
		}
		// A resource it refers to may have been removed while it was
		// deleted (see detach): it comes back only with its references.
		vs, err := s.missingRefs(gormQuerier{tx}, tenant, p, "", nil)
		if err != nil {
			return err
		}
		if len(vs) > 0 {
			return Errorf(connect.CodeFailedPrecondition, "%s cannot be restored: %s %s; restore or recreate it first, or update the deleted %s", s.res.Name, vs[0].Field, vs[0].Description, s.res.Name)
		}
		// So does the parent its field holds, live (AIP-164: nothing
		// live under a deleted resource).
		if err := s.checkHeldParent(gormQuerier{tx}, tenant, p, ""); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				return err
			}
			parent := e.info.GetMetadata()["parent"]
			return Errorf(connect.CodeFailedPrecondition, "%s cannot be restored: its parent %q does not exist or is deleted; restore or recreate it first, or update the deleted %s", s.res.Name, parent, s.res.Name).WithReason(e.Reason(), "parent", parent)
		}
		out, err = s.save(tx, p, ck, s.opt.now())
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

// staleEtag is the Aborted of an Update, Delete or Undelete of resource
// with an etag that is not the stored one: one message and one ErrorInfo
// whatever the method (AIP-193: the reason's metadata keys are stable).
func staleEtag(resource, sent, stored string) *Error {
	return Errorf(connect.CodeAborted, "etag %q is stale: %s changed since it was read (current etag %q); read it again and retry", sent, resource, stored).WithReason("ETAG_MISMATCH", "etag", sent, "resource", resource, "currentEtag", stored)
}

// load reads and locks the row whose key column holds ck on tx, deleted ones too when
// deleted is set, and checks etag when given.
func (s *Service) load(tx *gorm.DB, tenant tenantScope, ck rowKey, etag string, deleted bool) (proto.Message, error) {
	cur, err := s.find(tx, tenant, ck, deleted, true)
	if err != nil {
		return nil, err
	}
	p, err := s.toProto(cur)
	if err != nil {
		return nil, err
	}
	if etag != "" && s.etag != nil {
		if stored := p.ProtoReflect().Get(s.etag.fd).String(); stored != etag {
			return nil, staleEtag(s.res.Name, etag, stored)
		}
	}
	return p, nil
}

// save sets the update time to now, moves the etag on and writes the
// columns Delete and Undelete change (delete_time, purge_time,
// update_time, etag) of p to the row whose key column holds ck, deleted
// or not. It returns what was stored.
func (s *Service) save(tx *gorm.DB, p proto.Message, ck rowKey, now time.Time) (proto.Message, error) {
	r := p.ProtoReflect()
	if s.updateTime != nil {
		r.Set(s.updateTime.fd, protoreflect.ValueOfMessage(timestamppb.New(now).ProtoReflect()))
	}
	if s.etag != nil {
		r.Set(s.etag.fd, protoreflect.ValueOfString(nextEtag(r.Get(s.etag.fd).String())))
	}
	m, err := s.res.ToModel(p)
	if err != nil {
		return nil, err
	}
	// Unscoped: GORM would add its own "delete_time IS NULL" for a
	// gorm.DeletedAt column, and this row may be deleted.
	// Only the columns Delete and Undelete change are written.
	cols := s.swapColumns()
	for _, c := range s.refs {
		// Undelete attaches references again (see detach).
		for _, k := range c.parts {
			cols = append(cols, k.Name)
		}
	}
	kc := s.keyCond(ck)
	if err := tx.Unscoped().Model(m).Select(cols).Omit(clause.Associations).Where(kc.SQL, kc.Args...).Updates(m).Error; err != nil {
		return nil, err
	}
	// What ToModel stored (times to the microsecond), not what was asked.
	return s.toProto(m)
}

// heldChildren refuses the Delete of the resource named key while a live
// row of a resource that holds its parent in a field names it (Resource
// Manager's folders, projects and tag values: `parent`), as AIP-135 has
// a resource with children refused: FailedPrecondition.
func (s *Service) heldChildren(q querier, key any) error {
	name, ok := key.(string)
	if !ok || s.key.NamePattern == "" {
		return nil
	}
	for _, c := range s.res.HeldChildren {
		where := ormrt.QuoteIdent(s.dialect, c.Column) + " = ?"
		if c.DeleteTime != "" {
			where += " AND " + ormrt.QuoteIdent(s.dialect, c.DeleteTime) + " IS NULL"
		}
		found, err := anyRow(q, "SELECT 1 FROM "+ormrt.QuoteIdent(s.dialect, c.Table)+" WHERE "+where+" LIMIT 1", []any{name})
		if err != nil {
			return err
		}
		if found {
			return Errorf(connect.CodeFailedPrecondition, "%s has children (%s, whose parent it is): delete them first (AIP-135)", name, c.Name).WithReason("RESOURCE_HAS_CHILDREN", "key", name, "children", c.Name)
		}
	}
	return nil
}

// takesForce reports whether a Delete or BatchDelete of the resource
// takes AIP-135's force, which a refusal of a resource with children
// then suggests (Artifact Registry's DeleteRepository takes none).
func (s *Service) takesForce() bool {
	for _, m := range s.res.Methods {
		if m.Force != "" {
			return true
		}
	}
	return false
}

// removeChildren applies AIP-135 to the children of the row ck on tx,
// before the row itself is deleted: without force, live children make
// the call FailedPrecondition (any child, deleted or not, when the row is
// removed, since its foreign keys would refuse); with force, children
// are deleted the deepest first, soft deleted where they can be when the
// row itself is. Of a child with a Tenant, the caller's rows are those
// it sees and deletes; those of other tenants, which the caller may not
// delete, keep the row from being deleted, and the error neither names
// nor counts them.
func (s *Service) removeChildren(tx *gorm.DB, tenant tenantScope, key any, ck rowKey, force bool, now time.Time) error {
	for _, c := range s.res.Children {
		live, stays := s.childLive(c)
		if stays {
			continue
		}
		mine, args, err := s.childRows(c, ck, live, tenant)
		if err != nil {
			return err
		}
		table := ormrt.QuoteIdent(s.dialect, c.Table)
		if !force && !c.Singleton {
			found, err := anyRow(gormQuerier{tx}, "SELECT 1 FROM "+table+" WHERE "+mine+" LIMIT 1", args)
			if err != nil {
				return err
			}
			if found {
				hint := "delete them first"
				if s.takesForce() {
					hint += ", or set force to delete them with it"
				}
				return Errorf(connect.CodeFailedPrecondition, "%v has children (%s): %s (AIP-135)", key, c.Name, hint).WithReason("RESOURCE_HAS_CHILDREN", "key", fmt.Sprint(key), "children", c.Name)
			}
		} else {
			forced := func(table string) (string, []any, error) { return s.forcedSet(table, ck, tenant) }
			if err := s.childReferrers(tx, c, mine, args, live, forced); err != nil {
				return err
			}
			if err := s.childListReferred(tx, c, mine, args, forced); err != nil {
				return err
			}
			var res *gorm.DB
			if live != "" {
				res = tx.Exec("UPDATE "+table+" SET "+ormrt.QuoteIdent(s.dialect, live)+" = ? WHERE "+mine, append([]any{now.UTC().Truncate(time.Microsecond)}, args...)...)
			} else {
				res = tx.Exec("DELETE FROM "+table+" WHERE "+mine, args...)
			}
			if res.Error != nil {
				return res.Error
			}
		}
		if c.Tenant == nil {
			continue
		}
		// What is left is another tenant's.
		found, err := s.exists(gormQuerier{tx}, c.Table, c.Columns, ck, live, false)
		if err != nil {
			return err
		}
		if found {
			return Errorf(connect.CodeFailedPrecondition, "%v has children (%s) of other tenants, which this caller cannot delete: it cannot be deleted while they exist", key, c.Name).WithReason("RESOURCE_HAS_OTHER_TENANTS_CHILDREN", "key", fmt.Sprint(key), "children", c.Name)
		}
	}
	return nil
}

// childLive is the delete_time column of child c that a forced delete
// sets on its rows, or "" where it removes them; stays reports a child
// that the delete leaves as it is (see Child.Singleton).
func (s *Service) childLive(c Child) (live string, stays bool) {
	soft := s.deleteTime != nil
	if c.Singleton {
		return "", soft && c.Stays
	}
	if soft {
		return c.DeleteTime, false
	}
	return "", false
}

// forcedSet is the condition, and its arguments, on the rows of table
// that a forced delete of the row ck deletes with it: the row itself, and
// the rows of its children under it that it deletes (the caller's, see
// childRows); "" where table holds none of them.
func (s *Service) forcedSet(table string, ck rowKey, tenant tenantScope) (string, []any, error) {
	var conds []string
	var args []any
	if table == s.res.Table {
		conds, args = append(conds, s.match(s.keyColumns, "")), append(args, ck...)
	}
	for _, c := range s.res.Children {
		if c.Table != table {
			continue
		}
		live, stays := s.childLive(c)
		if stays {
			continue
		}
		where, more, err := s.childRows(c, ck, live, tenant)
		if err != nil {
			return "", nil, err
		}
		conds, args = append(conds, where), append(args, more...)
	}
	if len(conds) == 0 {
		return "", nil, nil
	}
	return "((" + strings.Join(conds, ") OR (") + "))", args, nil
}

// childRows is the condition, and its arguments, that selects the rows of
// child c under the row ck that a Delete sees: the live ones when live,
// the child's delete_time column, is set, else all; of the caller's
// tenant only where c has a Tenant.
func (s *Service) childRows(c Child, ck rowKey, live string, tenant tenantScope) (string, []any, error) {
	where, args := s.match(c.Columns, live), []any(ck)
	t := c.Tenant
	if t == nil {
		return where, args, nil
	}
	v, err := tenantValue(tenantKind(t.Type), t.Column, tenant.caller)
	if err != nil {
		// The caller's tenant is not one that column holds: none of
		// the rows are the caller's.
		return where + " AND 1 = 0", args, nil
	}
	q := func(n string) string { return ormrt.QuoteIdent(s.dialect, n) }
	if len(t.Key) == 0 {
		return where + " AND " + q(t.Column) + " = ?", append(args[:len(args):len(args)], v.Interface()), nil
	}
	cols, key := make([]string, len(t.Columns)), make([]string, len(t.Key))
	for i := range t.Columns {
		cols[i], key[i] = q(t.Columns[i]), q(t.Key[i])
	}
	in := " AND (" + strings.Join(cols, ", ") + ") IN (SELECT " + strings.Join(key, ", ") + " FROM " + q(t.Table) + " WHERE " + q(t.Column) + " = ?)"
	return where + in, append(args[:len(args):len(args)], v.Interface()), nil
}

// childReferrers applies referred and detach to the rows of child c that
// a forced delete deletes, those where selects (see childRows; the live
// ones when live, the child's delete_time, is set, since they are soft
// deleted; else every one, since they are removed): a live row that names
// one refuses the delete, naming its field, unless the delete deletes it
// too (forced, the rows of a table that it deletes: see forcedSet), in
// which case it loses its keys where the named row is removed, as its
// foreign key would keep that row; soft-deleted rows that name a removed
// one lose their keys.
func (s *Service) childReferrers(tx *gorm.DB, c Child, where string, args []any, live string, forced func(table string) (string, []any, error)) error {
	if len(c.Referrers) == 0 || len(c.Key) == 0 {
		return nil
	}
	q := func(n string) string { return ormrt.QuoteIdent(s.dialect, n) }
	list := func(cols []string) string {
		out := make([]string, len(cols))
		for i, c := range cols {
			out[i] = q(c)
		}
		return strings.Join(out, ", ")
	}
	// The child rows' keys, as a derived table: MySQL reads a table
	// that the same statement updates only through one.
	rows := "SELECT * FROM (SELECT " + list(c.Key) + " FROM " + q(c.Table) + " WHERE " + where + ") AS k"
	for _, r := range c.Referrers {
		if len(r.Keys) != len(c.Key) {
			continue
		}
		in := "(" + list(r.Keys) + ") IN (" + rows + ")"
		cond := in
		if r.DeleteTime != "" {
			cond += " AND " + q(r.DeleteTime) + " IS NULL"
		}
		gone, goneArgs, err := forced(r.Table)
		if err != nil {
			return err
		}
		condArgs := args
		if gone != "" {
			cond += " AND NOT " + gone
			condArgs = append(slices.Clip(args), goneArgs...)
		}
		found, err := anyRow(gormQuerier{tx}, "SELECT 1 FROM "+q(r.Table)+" WHERE "+cond+" LIMIT 1", condArgs)
		if err != nil {
			return err
		}
		if found {
			return Errorf(connect.CodeFailedPrecondition, "%s under it is referred to by %s of another resource; change or delete that first", c.Name, r.Name).WithReason("RESOURCE_REFERENCED", "resource", c.Name, "referrer", r.Name)
		}
		set := make([]string, len(r.Keys))
		for i, k := range r.Keys {
			set[i] = q(k) + " = NULL"
		}
		if gone != "" && live == "" {
			// Rows the delete deletes too name rows it removes: they
			// lose their keys first, whatever the order they go in.
			if err := tx.Exec("UPDATE "+q(r.Table)+" SET "+strings.Join(set, ", ")+" WHERE "+in+" AND "+gone, append(slices.Clip(args), goneArgs...)...).Error; err != nil {
				return err
			}
		}
		if live != "" || r.DeleteTime == "" {
			continue
		}
		if err := tx.Exec("UPDATE "+q(r.Table)+" SET "+strings.Join(set, ", ")+" WHERE "+in+" AND "+q(r.DeleteTime)+" IS NOT NULL", args...).Error; err != nil {
			return err
		}
	}
	return nil
}

// referred refuses the deletion of p while a live row of another
// resource names it in a google.api.resource_reference field, or in a
// list of them (listReferred): such a reference is checked when written
// and kept true here, as a foreign key would.
func (s *Service) referred(tx *gorm.DB, p proto.Message) error {
	if len(s.res.Referrers) == 0 && len(s.res.ListReferrers) == 0 {
		return nil
	}
	name := p.ProtoReflect().Get(s.key.fd).String()
	ck, err := s.columnKey(name)
	if err != nil {
		return err
	}
	for _, r := range s.res.Referrers {
		var found bool
		if r.Table == s.res.Table {
			// A row of its own type: not the row itself, which goes.
			q := "SELECT 1 FROM " + s.from + " WHERE " + s.match(r.Keys, r.DeleteTime) + " AND NOT (" + s.match(s.keyColumns, "") + ") LIMIT 1"
			found, err = anyRow(gormQuerier{tx}, q, append(slices.Clip(ck), ck...))
		} else {
			found, err = s.exists(gormQuerier{tx}, r.Table, r.Keys, ck, r.DeleteTime, false)
		}
		if err != nil {
			return err
		}
		if found {
			return Errorf(connect.CodeFailedPrecondition, "%s is referred to by %s of another resource; change or delete that first", name, r.Name).WithReason("RESOURCE_REFERENCED", "resource", name, "referrer", r.Name)
		}
	}
	for _, r := range s.res.ListReferrers {
		// A list of names holds it.
		if err := s.listReferred(gormQuerier{tx}, r, name, ck); err != nil {
			return err
		}
	}
	return nil
}

// detach clears the foreign key columns of the soft-deleted rows that
// refer to the row ck before it is removed (live ones have made referred
// refuse): the reference itself is kept, and Undelete of such a row is
// FailedPrecondition until the resource it names exists again. Without
// this a deleted row would hold its references forever, since nothing
// purges it. A row that names itself loses those keys too, which its own
// foreign key would hold.
func (s *Service) detach(tx *gorm.DB, ck rowKey) error {
	for _, r := range s.res.Referrers {
		if len(r.Keys) != len(ck) {
			continue
		}
		set := make([]string, len(r.Keys))
		for i, k := range r.Keys {
			set[i] = ormrt.QuoteIdent(s.dialect, k) + " = NULL"
		}
		update := "UPDATE " + ormrt.QuoteIdent(s.dialect, r.Table) + " SET " + strings.Join(set, ", ") + " WHERE " + s.match(r.Keys, "")
		if r.Table == s.res.Table {
			// The row names itself.
			if err := tx.Exec(update+" AND "+s.match(s.keyColumns, ""), append(slices.Clip(ck), ck...)...).Error; err != nil {
				return err
			}
		}
		if r.DeleteTime == "" {
			continue
		}
		if err := tx.Exec(update+" AND "+ormrt.QuoteIdent(s.dialect, r.DeleteTime)+" IS NOT NULL", ck...).Error; err != nil {
			return err
		}
	}
	return nil
}
