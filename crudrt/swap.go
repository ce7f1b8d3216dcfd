package crudrt

import (
	"context"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/protoforge/protoforge/crudrt/query"
)

// swapAttempts is how many times swap reads and writes again when the
// row changed in between, before it leaves the call to a transaction.
const swapAttempts = 3

// canSwap reports whether Delete and Undelete of this resource may run as
// swap: a soft delete that touches no other table (no children, no
// references either way), on a row whose etag tells whether it changed,
// outside a transaction the caller opened.
func (s *Service) canSwap(ctx context.Context) bool {
	if s.deleteTime == nil || s.etag == nil || len(s.res.Children) > 0 || len(s.res.Referrers) > 0 || len(s.refs) > 0 {
		return false
	}
	_, inTx := s.db.WithContext(ctx).Statement.ConnPool.(gorm.TxCommitter)
	return !inTx
}

// canSwapUpdate reports whether Update may write without a transaction:
// the row has an etag, no reference of it needs the referenced rows
// locked, and the caller opened no transaction.
func (s *Service) canSwapUpdate(ctx context.Context) bool {
	if s.etag == nil || len(s.refs) > 0 {
		return false
	}
	_, inTx := s.db.WithContext(ctx).Statement.ConnPool.(gorm.TxCommitter)
	return !inTx
}

// swap changes the row ck with two statements and no transaction: it
// reads the row (deleted ones too when deleted is set), checks etag when
// given, lets change set the new delete_time at now (it may refuse), and
// writes the columns Delete and Undelete change with an UPDATE that holds
// only while the row's etag is the one read; a row changed in between is read
// again. ok is false when the row kept changing: the caller then takes
// the transaction's way. The result is what was stored.
func (s *Service) swap(ctx context.Context, tenant tenantScope, ck rowKey, etag string, deleted bool, change func(r protoreflect.Message, now time.Time) error) (out proto.Message, ok bool, err error) {
	if out, done, err := s.swapReturning(ctx, tenant, ck, etag, !deleted); done {
		return out, true, err
	}
	db := s.db.WithContext(ctx)
	for range swapAttempts {
		cur, err := s.find(db, tenant, ck, deleted, false)
		if err != nil {
			return nil, true, err
		}
		p, err := s.toProto(cur)
		if err != nil {
			return nil, true, err
		}
		r := p.ProtoReflect()
		stored := r.Get(s.etag.fd).String()
		if etag != "" && stored != etag {
			return nil, true, staleEtag(s.res.Name, etag, stored)
		}
		now := s.opt.now()
		if err := change(r, now); err != nil {
			return nil, true, err
		}
		if s.updateTime != nil {
			r.Set(s.updateTime.fd, protoreflect.ValueOfMessage(timestamppb.New(now).ProtoReflect()))
		}
		r.Set(s.etag.fd, protoreflect.ValueOfString(nextEtag(stored)))
		m, err := s.res.ToModel(p)
		if err != nil {
			return nil, true, err
		}
		where := []query.Condition{s.keyCond(ck), tenant.cond(), {SQL: s.etag.quoted + " = ?", Args: []any{stored}}}
		var n int64
		err = s.retry(ctx, func() error {
			q := db.Unscoped().Model(m).Select(s.swapColumns()).Omit(clause.Associations)
			for _, c := range where {
				if c.SQL != "" {
					q = q.Where(c.SQL, c.Args...)
				}
			}
			res := q.Updates(m)
			n = res.RowsAffected
			return res.Error
		})
		if err != nil {
			return nil, true, err
		}
		if n == 1 {
			out, err := s.toProto(m)
			return out, true, err
		}
		// Changed since it was read: read it again.
		if err := ctx.Err(); err != nil {
			return nil, true, err
		}
	}
	return nil, false, nil
}

// swapColumns are the columns Delete and Undelete write.
func (s *Service) swapColumns() []string {
	cols := []string{}
	for _, c := range []*column{s.deleteTime, s.purgeTime, s.updateTime, s.etag} {
		if c != nil {
			cols = append(cols, c.Name)
		}
	}
	return cols
}
