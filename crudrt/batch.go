package crudrt

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/protoforge/protoforge/ormrt"
)

// BatchCreate validates every resource, reporting all violations with
// their index, then inserts them in one transaction: all or none (AIP-233).
func (s *Service) BatchCreate(ctx context.Context, msgs []proto.Message) ([]proto.Message, error) {
	return s.BatchCreateWithIDs(ctx, nil, msgs)
}

// BatchCreateWithIDs is BatchCreate with the id each resource identified
// by its name asks for (ids[i] for msgs[i]; empty: the server chooses).
func (s *Service) BatchCreateWithIDs(ctx context.Context, ids []string, msgs []proto.Message) ([]proto.Message, error) {
	return s.BatchCreateIn(ctx, "", nil, ids, msgs)
}

// BatchCreateIn is BatchCreateWithIDs for resources named under a parent
// (AIP-233): parents[i] is the parent of msgs[i], which must equal parent
// when both are given; either may be empty, not both.
func (s *Service) BatchCreateIn(ctx context.Context, parent string, parents, ids []string, msgs []proto.Message) ([]proto.Message, error) {
	if err := s.implements(OpBatchCreate); err != nil {
		return nil, err
	}
	if err := s.batchSize("requests", len(msgs)); err != nil {
		return nil, err
	}
	tenant, err := s.writeScope(ctx)
	if err != nil {
		return nil, err
	}
	prepared := make([]proto.Message, len(msgs))
	parentOf := make([]string, len(msgs)) // each request's parent, and its ids
	pidsOf := make([][]string, len(msgs))
	checked := map[string]bool{} // parents of the caller's tenant
	var vs []FieldViolation
	// AIP-233: a batch that spans parents may say so with "-" in place
	// of an id of its parent (publishers/-/shelves/-); each request then
	// names its own parent, which must lie under the batch's.
	var spans []string
	if parent != "" && len(s.parents) > 0 {
		if ids, err := s.parentIDs("parent", parent); err == nil && slices.Contains(ids, "-") {
			spans = ids
		}
	}
	for i, m := range msgs {
		if m == nil || !m.ProtoReflect().IsValid() {
			vs = append(vs, FieldViolation{Field: fmt.Sprintf("requests[%d].%s", i, s.res.Field), Description: "is required"})
			continue
		}
		id := ""
		if i < len(ids) {
			id = ids[i]
		}
		var pids []string
		if len(s.parents) > 0 {
			own := ""
			if i < len(parents) {
				own = parents[i]
			}
			field := fmt.Sprintf("requests[%d].parent", i)
			switch {
			case own == "" && spans != nil:
				vs = append(vs, FieldViolation{Field: field, Description: fmt.Sprintf("required: the batch's parent %q spans parents, and a resource is created under one (AIP-233)", parent)})
				continue
			case own == "":
				own, field = parent, "parent"
			case spans != nil:
				ids, err := s.parentIDs(field, own)
				if err == nil && !slices.Contains(ids, "-") && !underParent(idsKey(ids), spans) {
					vs = append(vs, FieldViolation{Field: field, Description: fmt.Sprintf("%q is not under the batch's parent %q (AIP-233)", own, parent)})
					continue
				}
			case parent != "" && own != parent:
				vs = append(vs, FieldViolation{Field: field, Description: fmt.Sprintf("%q differs from the batch's parent %q (AIP-233)", own, parent)})
				continue
			}
			if pids, err = s.parentIDs(field, own); err != nil {
				var e *Error
				if errors.As(err, &e) {
					vs = append(vs, violationsOf(e)...)
					continue
				}
				return nil, err
			}
			parentOf[i], pidsOf[i] = own, pids
		}
		p, err := s.prepareCreate(m, tenant, pids, id, false)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				return nil, err
			}
			for _, v := range violationsOf(e) {
				vs = append(vs, FieldViolation{Field: fmt.Sprintf("requests[%d].%s", i, v.Field), Description: v.Description})
			}
			continue
		}
		prepared[i] = p
		if s.tenantParents(tenant) && len(pids) > 0 && !checked[strings.Join(pids, "/")] {
			// The foreign key holds any tenant's parent.
			checked[strings.Join(pids, "/")] = true
			if err := s.parentOf(gormQuerier{s.db.WithContext(ctx)}, tenant, ormrt.NameOf(s.parentPattern, pids...), pids); err != nil {
				return nil, s.fail(ctx, err)
			}
		}
		if err := s.validateNew(prepared[i]); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				return nil, err
			}
			for _, v := range violationsOf(e) {
				vs = append(vs, FieldViolation{Field: fmt.Sprintf("requests[%d].%s", i, v.Field), Description: v.Description})
			}
		}
	}
	if len(vs) > 0 {
		return nil, InvalidArgument("", vs...)
	}
	out := make([]proto.Message, 0, len(msgs))
	failed := -1
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		out, failed = out[:0], -1 // a retried transaction starts over
		models := make([]any, len(prepared))
		for i, p := range prepared {
			m, err := s.res.ToModel(p)
			if err != nil {
				return err
			}
			models[i] = m
		}
		if err := s.lockUniqueValues(tx, models); err != nil {
			return err
		}
		live := map[string]bool{}
		for i := range prepared {
			if k := strings.Join(pidsOf[i], "/"); s.softDeletedParent(pidsOf[i]) && !live[k] {
				if err := s.parentLive(gormQuerier{tx}, parentOf[i], pidsOf[i]); err != nil {
					failed = i
					return err
				}
				live[k] = true
			}
		}
		for i, p := range prepared {
			if err := s.checkTargets(gormQuerier{tx}, tenant, p, fmt.Sprintf("requests[%d].%s", i, s.res.Field), nil); err != nil {
				return inRequest(err, "requests", i)
			}
			m := models[i]
			if err := tx.Omit(clause.Associations).Create(m).Error; err != nil {
				if k := classify(err); len(s.parents) > 0 && (k == DBErrorForeignKey || k == DBErrorCheck) {
					if e := s.batchParentMissing(ctx, i, p, err); e != err {
						return e
					}
				}
				failed = i
				return err
			}
			created, err := s.toProto(m)
			if err != nil {
				return err
			}
			out = append(out, created)
		}
		return nil
	})
	if err != nil && failed >= 0 {
		prefix := fmt.Sprintf("requests[%d].%s", failed, s.res.Field)
		err = s.foreignKeyMissing(ctx, prepared[failed], prefix, nil, err)
		return nil, inRequest(dbError(ctx, s.opt.logger, s.res.Name, prefix, err), "requests", failed)
	}
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

// BatchDelete deletes the resources with keys in one transaction, each as
// Delete does: all or none (AIP-235). Under AllowMissing, a resource that
// does not exist is skipped. A key given more than once deletes
// its resource once, as BatchGet returns it for each time it is asked.
func (s *Service) BatchDelete(ctx context.Context, keys []any) error {
	return s.BatchDeleteIn(ctx, "", keys)
}

// BatchDeleteIn is BatchDelete under parent (AIP-235): a name that is not
// under it is InvalidArgument; "" or wildcards allow any parent.
func (s *Service) BatchDeleteIn(ctx context.Context, parent string, keys []any) error {
	_, err := s.BatchDeleteResources(ctx, parent, keys, false)
	return err
}

// BatchDeleteResources is BatchDeleteIn answering, as AIP-235 has a batch
// soft delete do, the resources deleted, one per key in the keys' order
// (a key given twice is answered twice): soft-deleted ones as stored,
// others as they were. Under AllowMissing a resource deleted already is
// answered as stored, and one that does not exist as a message holding
// its key or name alone, as Delete answers them. With force, a resource
// with children is deleted with them, as DeleteForce deletes it (AIP-135,
// hoisted as AIP-235 allows); without, it refuses the batch.
func (s *Service) BatchDeleteResources(ctx context.Context, parent string, keys []any, force bool) ([]proto.Message, error) {
	items := make([]BatchDeleteItem, len(keys))
	for i, k := range keys {
		items[i].Key = k
	}
	return s.BatchDeleteItems(ctx, parent, items, force)
}

// BatchDeleteItem is one Delete request of a BatchDelete that takes
// them (AIP-235's `repeated DeleteBookRequest requests`): the resource's
// key (or name), and the request's etag, force and allow_missing.
type BatchDeleteItem struct {
	Key                 any
	Etag                string
	Force, AllowMissing bool
}

// BatchDeleteItems is BatchDeleteResources of Delete requests, each
// checked as Delete checks it: a stale etag is Aborted and deletes
// nothing of the batch; an item's Force (or force) deletes its resource's
// children; under its AllowMissing (or AllowMissing) a resource that does
// not exist is skipped. A resource named twice is deleted once, with its
// first item's Force and AllowMissing, and every item's etag checked
// against it as it was before the batch.
func (s *Service) BatchDeleteItems(ctx context.Context, parent string, items []BatchDeleteItem, force bool) ([]proto.Message, error) {
	if err := s.implements(OpBatchDelete); err != nil {
		return nil, err
	}
	field := s.keysField(OpBatchDelete)
	if err := s.batchSize(field.list, len(items)); err != nil {
		return nil, err
	}
	keys := make([]any, len(items))
	for i, it := range items {
		keys[i] = it.Key
	}
	cks, err := s.batchKeys(field, parent, keys)
	if err != nil {
		return nil, err
	}
	seen := make(map[string]int, len(cks))
	firstOf := make([]int, len(cks)) // the index of each key's first time
	var unique []int
	for i, ck := range cks {
		k := fmt.Sprintf("%#v", ck)
		j, ok := seen[k]
		if !ok {
			j = i
			seen[k] = i
			unique = append(unique, i)
		}
		firstOf[i] = j
	}
	tenant, err := s.deleteScope(ctx)
	if err != nil {
		return nil, err
	}
	done := make([]proto.Message, len(keys))
	failed := -1
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		failed = -1
		clear(done) // a retried transaction starts over
		// Every etag is checked before anything is deleted, in the
		// order of the keys, as the rows are then locked: a resource
		// that does not exist is deleted already, its etag ignored
		// (AIP-135), or NotFound below.
		for _, i := range keyOrder(cks, func(ck rowKey) rowKey { return ck }) {
			if items[i].Etag == "" {
				continue
			}
			if _, err := s.load(tx, tenant, cks[i], items[i].Etag, false); err != nil && !missing(s.fail(ctx, err)) {
				failed = i
				return err
			}
		}
		// In the order of the keys, as BatchUpdate locks its rows.
		var pending []int
		for _, j := range keyOrder(unique, func(i int) rowKey { return cks[i] }) {
			pending = append(pending, unique[j])
		}
		for len(pending) > 0 {
			// A resource referred to by another that the batch deletes
			// too waits for it: the batch deletes its resources as a
			// set, whatever their order (AIP-235).
			var later []int
			var first error
			for _, i := range pending {
				p, err := s.remove(tx, tenant, keys[i], "", force || items[i].Force)
				if err != nil && (items[i].AllowMissing || allowMissing(ctx)) && missing(s.fail(ctx, err)) {
					// AIP-235: deleted already.
					if p, err = s.absent(tx, tenant, cks[i]); p == nil && err == nil {
						p = s.keyOnly(keys[i])
					}
				}
				var e *Error
				if err != nil && errors.As(err, &e) && e.Reason() == "RESOURCE_REFERENCED" && len(pending) > 1 {
					if first == nil {
						first, failed = err, i
					}
					later = append(later, i)
					continue
				}
				if err != nil {
					failed = i
					return err
				}
				done[i] = p
			}
			if len(later) == len(pending) {
				return first // no resource left that another does not refer to
			}
			pending, failed = later, -1
		}
		return nil
	})
	if err != nil && failed >= 0 {
		if err = s.fail(ctx, err); missing(err) {
			err = resourceNotFound(s.res.Name, fmt.Sprint(keys[failed])) // as Delete names it
		}
		return nil, inRequest(err, field.list, failed)
	}
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	out := make([]proto.Message, len(keys))
	for i, j := range firstOf {
		out[i] = done[j]
		if j != i {
			out[i] = proto.Clone(done[j]) // a key given twice gets two messages
		}
	}
	return out, nil
}

// batchSize refuses a batch of more than MaxBatchSize, naming the
// request's repeated field.
func (s *Service) batchSize(field string, n int) error {
	if n > s.opt.limits.MaxBatchSize {
		return InvalidArgument("", FieldViolation{Field: field, Description: fmt.Sprintf("at most %d per call (got %d)", s.opt.limits.MaxBatchSize, n)})
	}
	return nil
}

// batchField names the elements of a batch request's repeated field in
// errors: list[i], or list[i].inner for a list of requests.
type batchField struct{ list, inner string }

// at is the path of the i-th element's key or name.
func (f batchField) at(i int) string {
	if f.inner == "" {
		return fmt.Sprintf("%s[%d]", f.list, i)
	}
	return fmt.Sprintf("%s[%d].%s", f.list, i, f.inner)
}

// keysField is the request's repeated field of keys, names or requests of
// the resource's method op (BatchGet, BatchDelete), for errors: as its
// description names it, else "names" or the key's plural, as
// protoc-gen-crud recognises them.
func (s *Service) keysField(op Op) batchField {
	for i := range s.methods {
		if m := &s.methods[i]; m.Op == op {
			switch {
			case m.Keys != "":
				return batchField{list: m.Keys}
			case m.Names != "":
				return batchField{list: m.Names}
			case m.Requests != "" && m.RequestKey != "":
				return batchField{m.Requests, m.RequestKey}
			case m.Requests != "":
				return batchField{m.Requests, m.RequestName}
			}
		}
	}
	if s.key.NamePattern != "" {
		return batchField{list: "names"}
	}
	return batchField{list: s.key.Path + "s"}
}

// violationsOf returns the field violations an InvalidArgument carries.
func violationsOf(e *Error) []FieldViolation {
	var out []FieldViolation
	for _, d := range e.details {
		if br, ok := protoadapt.MessageV2Of(d).(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				out = append(out, FieldViolation{Field: fv.GetField(), Description: fv.GetDescription()})
			}
		}
	}
	return out
}

// batchParentMissing reports the foreign key violation (or the refusal
// of too long a parent id) of the i-th insert of a batch: NotFound naming
// its parent when that does not exist. The check reads outside the failed
// transaction.
func (s *Service) batchParentMissing(ctx context.Context, i int, p proto.Message, err error) error {
	ids, nerr := s.nameIDs(s.key.Path, p.ProtoReflect().Get(s.key.fd).String())
	if nerr != nil {
		return err
	}
	pids := ids[:len(ids)-1]
	parent := ormrt.NameOf(s.parentPattern, pids...)
	e := s.parentMissing(s.db.WithContext(ctx), parent, pids, err)
	var pe *Error
	if e == err || !errors.As(e, &pe) {
		return e
	}
	if pe.Code() == connect.CodeNotFound {
		// The message of the status, not its Error(), which starts with
		// the code's name.
		return Errorf(connect.CodeNotFound, "requests[%d]: %s", i, pe.ce.Message()).WithReason("PARENT_NOT_FOUND", "request", strconv.Itoa(i), "parent", parent)
	}
	var vs []FieldViolation
	for _, v := range violationsOf(pe) {
		vs = append(vs, FieldViolation{Field: fmt.Sprintf("requests[%d].%s", i, v.Field), Description: v.Description})
	}
	if len(vs) == 0 {
		return e
	}
	return InvalidArgument("", vs...)
}

// BatchUpdateItem is one update of a BatchUpdate: the resource, with its
// key or name, and the fields to change (nil: the batch's mask, or else
// the fields the resource populates, as Update reads no mask).
type BatchUpdateItem struct {
	Resource proto.Message
	Mask     *fieldmaskpb.FieldMask
}

// BatchUpdate applies every update in one transaction, each as Update
// does: all or none (AIP-234).
func (s *Service) BatchUpdate(ctx context.Context, updates []BatchUpdateItem) ([]proto.Message, error) {
	return s.BatchUpdateIn(ctx, "", nil, updates)
}

// BatchUpdateIn is BatchUpdate under parent, with the batch's own mask
// (AIP-234): a resource that is not under parent ("" or wildcards allow
// any) is InvalidArgument, and so is an update whose own mask is set and
// differs from a batch mask that is set. Every refusal that reading the
// request can tell is reported at once, with the index of its update; the
// updates then run in order, and the first that fails (NotFound, Aborted
// on a stale etag…) rolls back all, naming its index. A resource named by
// two updates is refused: their order would decide what is stored.
func (s *Service) BatchUpdateIn(ctx context.Context, parent string, mask *fieldmaskpb.FieldMask, updates []BatchUpdateItem) ([]proto.Message, error) {
	if err := s.implements(OpBatchUpdate); err != nil {
		return nil, err
	}
	if err := s.batchSize("requests", len(updates)); err != nil {
		return nil, err
	}
	var pids []string
	if parent != "" {
		var err error
		if pids, err = s.parentIDs("parent", parent); err != nil {
			return nil, err
		}
	}
	if len(mask.GetPaths()) == 0 {
		if qm := queryMask(ctx); qm != nil {
			mask = qm // the update_mask query parameter of a REST request (RESTGuard)
		}
	}
	type planned struct {
		msg   proto.Message
		paths []string
		ck    rowKey
	}
	plans := make([]planned, len(updates))
	var vs []FieldViolation
	at := func(i int, err error) error {
		var e *Error
		if !errors.As(err, &e) || e.Code() != connect.CodeInvalidArgument {
			return err
		}
		for _, v := range violationsOf(e) {
			vs = append(vs, FieldViolation{Field: fmt.Sprintf("requests[%d].%s", i, v.Field), Description: v.Description})
		}
		return nil
	}
	first := map[string]int{}
	for i, u := range updates {
		msg := u.Resource
		if msg == nil || !msg.ProtoReflect().IsValid() {
			vs = append(vs, FieldViolation{Field: fmt.Sprintf("requests[%d].%s", i, s.res.Field), Description: "is required"})
			continue
		}
		m := u.Mask
		if len(mask.GetPaths()) > 0 {
			if len(m.GetPaths()) > 0 && !sameFields(m.GetPaths(), mask.GetPaths()) {
				vs = append(vs, FieldViolation{Field: fmt.Sprintf("requests[%d].update_mask", i), Description: fmt.Sprintf("%q differs from the batch's update_mask %q: set one of them, or the same (AIP-234)", strings.Join(m.GetPaths(), ","), strings.Join(mask.GetPaths(), ","))})
				continue
			}
			m = mask
		}
		paths, err := s.maskPaths(msg, m)
		if err != nil {
			if m == mask {
				return nil, err // the batch's own mask: "update_mask"
			}
			if err = at(i, err); err != nil {
				return nil, err
			}
			continue
		}
		key := msg.ProtoReflect().Get(s.key.fd).Interface()
		keyField := fmt.Sprintf("requests[%d].%s", i, joinPath(s.res.Field, s.key.Path))
		ck, err := s.columnKey(key)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				return nil, err
			}
			for _, v := range violationsOf(e) {
				vs = append(vs, FieldViolation{Field: keyField, Description: v.Description})
			}
			continue
		}
		if pids != nil && !underParent(ck, pids) {
			vs = append(vs, FieldViolation{Field: keyField, Description: fmt.Sprintf("%v is not under parent %q (AIP-234)", key, parent)})
			continue
		}
		id := fmt.Sprintf("%#v", ck)
		if j, ok := first[id]; ok {
			vs = append(vs, FieldViolation{Field: keyField, Description: fmt.Sprintf("names the resource of requests[%d] again: update each resource once per batch", j)})
			continue
		}
		first[id] = i
		plans[i] = planned{msg, paths, ck}
	}
	if len(vs) > 0 {
		return nil, InvalidArgument("", vs...)
	}
	tenant, err := s.writeScope(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]proto.Message, len(updates))
	failed := -1
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		vs, failed = vs[:0], -1 // a retried transaction starts over
		// The rows are read and locked in the order of their keys, the
		// same for every batch: two batches that name the same rows in
		// different orders would otherwise each hold a row the other
		// waits for (PostgreSQL breaks such deadlocks a second apart).
		rows := make([]any, len(plans))
		for _, i := range keyOrder(plans, func(p planned) rowKey { return p.ck }) {
			cur, err := s.find(tx, tenant, plans[i].ck, true, true) // deleted too: updated refuses them
			if err != nil {
				failed = i
				return err
			}
			rows[i] = cur
		}
		models := make([]any, len(plans))
		writes := make([]bool, len(plans)) // else updated left the row as it is
		for i, p := range plans {
			m, write, err := s.updated(gormQuerier{tx}, tenant, rows[i], p.msg, p.paths, false, fmt.Sprintf("requests[%d].%s", i, s.res.Field))
			if err != nil {
				if err = at(i, err); err != nil {
					failed = i
					return err
				}
				continue // every update is checked; none is written
			}
			models[i], writes[i] = m, write
		}
		if len(vs) > 0 {
			return InvalidArgument("", vs...)
		}
		// The unique values the rows will hold, locked in one order
		// before any is written (see lockUniqueValues): batches that give
		// rows the same unique values in other orders would deadlock.
		var written []any
		for i := range plans {
			if writes[i] {
				written = append(written, models[i])
			}
		}
		if err := s.lockUniqueValues(tx, written); err != nil {
			return err
		}
		for i, p := range plans {
			m := models[i]
			kc := s.keyCond(p.ck)
			if writes[i] {
				if err := tx.Model(m).Select(s.updateColumns(p.paths)).Omit(clause.Associations).Where(kc.SQL, kc.Args...).Updates(m).Error; err != nil {
					failed = i
					return err
				}
			}
			var err error
			if out[i], err = s.toProto(m); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		return out, nil
	}
	if failed < 0 {
		return nil, s.fail(ctx, err)
	}
	prefix := fmt.Sprintf("requests[%d].%s", failed, s.res.Field)
	err = s.foreignKeyMissing(ctx, plans[failed].msg, prefix, plans[failed].paths, err)
	return nil, inRequest(dbError(ctx, s.opt.logger, s.res.Name, prefix, err), "requests", failed)
}

// idsKey is the ids of a name as the key underParent reads.
func idsKey(ids []string) rowKey {
	k := make(rowKey, len(ids))
	for i, id := range ids {
		k[i] = id
	}
	return k
}

// sameFields reports whether two masks name the same paths, in any order
// and however often.
func sameFields(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// keyOrder is the indexes of items in one order of their keys, the same
// for every call: transactions that lock rows in it never wait for each
// other in a cycle.
func keyOrder[T any](items []T, key func(T) rowKey) []int {
	order := make([]int, len(items))
	spelled := make([]string, len(items))
	for i := range order {
		order[i], spelled[i] = i, fmt.Sprintf("%#v", key(items[i]))
	}
	slices.SortStableFunc(order, func(a, b int) int { return strings.Compare(spelled[a], spelled[b]) })
	return order
}

// inRequest names the element of a batch that err, a status, is about,
// the i-th of the request's repeated field: its message starts
// "field[i]: ", and its ErrorInfo says "index": "i", as BatchGet's
// NotFound does. Field violations name their element already, and an
// error of the transaction or the database (Unavailable, a conflict, the
// end of the caller's context) is about no element.
func inRequest(err error, field string, i int) error {
	var e *Error
	if !errors.As(err, &e) || e.Code() == connect.CodeInvalidArgument && len(violationsOf(e)) > 0 {
		return err
	}
	switch e.Code() {
	case connect.CodeNotFound, connect.CodeAlreadyExists, connect.CodeFailedPrecondition, connect.CodeInvalidArgument:
	case connect.CodeAborted:
		if e.Reason() != "ETAG_MISMATCH" {
			return err
		}
	default:
		return err
	}
	msg := fmt.Sprintf("%s[%d]", field, i)
	if !strings.HasPrefix(e.ce.Message(), msg) { // else it names the request
		msg += ": " + e.ce.Message()
	} else {
		msg = e.ce.Message()
	}
	out := Errorf(e.Code(), "%s", msg)
	out.details = e.details
	out.WithReason(e.Reason(), "index", strconv.Itoa(i))
	for k, v := range e.info.GetMetadata() {
		out.WithReason(e.Reason(), k, v)
	}
	return out
}
