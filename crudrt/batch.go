package crudrt

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"go.einride.tech/aip/resourcename"
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
	if err := s.batchSize(len(msgs)); err != nil {
		return nil, err
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	prepared := make([]proto.Message, len(msgs))
	checked := map[string]bool{} // parents of the caller's tenant
	var vs []FieldViolation
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
			case own == "":
				own, field = parent, "parent"
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
		}
		p, err := s.prepareCreate(m, tenant, pids, id)
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
			if err := s.parentOf(gormQuerier{s.db.WithContext(ctx)}, tenant, resourcename.Sprint(s.parentPattern, pids...), pids); err != nil {
				return nil, s.fail(ctx, err)
			}
		}
		if err := s.validate(prepared[i]); err != nil {
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
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		out = out[:0] // a retried transaction starts over
		for i, p := range prepared {
			if err := s.checkRefs(tx, p, fmt.Sprintf("requests[%d].%s", i, s.res.Field)); err != nil {
				return err
			}
			m, err := s.res.ToModel(p)
			if err != nil {
				return err
			}
			if err := tx.Omit(clause.Associations).Create(m).Error; err != nil {
				if len(s.parents) > 0 && classify(err) == DBErrorForeignKey {
					return s.batchParentMissing(ctx, i, p, err)
				}
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
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

// BatchDelete deletes the resources with keys in one transaction, each as
// Delete does: all or none (AIP-235). A key given more than once deletes
// its resource once, as BatchGet returns it for each time it is asked.
func (s *Service) BatchDelete(ctx context.Context, keys []any) error {
	return s.BatchDeleteIn(ctx, "", keys)
}

// BatchDeleteIn is BatchDelete under parent (AIP-235): a name that is not
// under it is InvalidArgument; "" or wildcards allow any parent.
func (s *Service) BatchDeleteIn(ctx context.Context, parent string, keys []any) error {
	if err := s.implements(OpBatchDelete); err != nil {
		return err
	}
	if err := s.batchSize(len(keys)); err != nil {
		return err
	}
	cks, err := s.batchKeys("names", parent, keys)
	if err != nil {
		return err
	}
	seen := make(map[string]bool, len(cks))
	unique := keys[:0:0]
	for i, ck := range cks {
		if k := fmt.Sprintf("%#v", ck); !seen[k] {
			seen[k] = true
			unique = append(unique, keys[i])
		}
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return err
	}
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		for _, k := range unique {
			if _, err := s.remove(tx, tenant, k, "", false); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail(ctx, err)
}

func (s *Service) batchSize(n int) error {
	if n > s.opt.limits.MaxBatchSize {
		return InvalidArgument("", FieldViolation{Field: "requests", Description: fmt.Sprintf("at most %d per call (got %d)", s.opt.limits.MaxBatchSize, n)})
	}
	return nil
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

// batchParentMissing reports the foreign key violation of the i-th insert
// of a batch: NotFound naming its parent when that does not exist. The
// check reads outside the failed transaction.
func (s *Service) batchParentMissing(ctx context.Context, i int, p proto.Message, err error) error {
	ids, nerr := s.nameIDs(s.key.Path, p.ProtoReflect().Get(s.key.fd).String())
	if nerr != nil {
		return err
	}
	pids := ids[:len(ids)-1]
	parent := resourcename.Sprint(s.parentPattern, pids...)
	if e := s.parentMissing(s.db.WithContext(ctx), parent, pids, err); e != err {
		return Errorf(connect.CodeNotFound, "requests[%d]: %s", i, e.Error()).WithReason("PARENT_NOT_FOUND", "request", strconv.Itoa(i), "parent", parent)
	}
	return err
}
