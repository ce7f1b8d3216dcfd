package goldenrun

import (
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// delete deletes the first created resource, after a stale etag and a
// missing key are refused; Get then says NotFound (hard delete) or shows
// delete_time (soft delete), and List no longer shows it.
func (s *service) delete() {
	m := s.ops[opDelete]
	if m == nil {
		return
	}
	row := s.rows[0]
	key := s.keyOf(row)
	ok := true
	etagFd := m.field("etag")
	newReq := func(key protoreflect.Value, etag string) (protoreflect.Message, bool) {
		req := m.newRequest()
		if err := s.setKey(opDelete, req, key); err != nil {
			s.x.r.fail(s.step(opDelete, ""), "%v", err)
			return nil, false
		}
		if etagFd != nil && etag != "" {
			req.Set(etagFd, protoreflect.ValueOfString(etag))
		}
		return req, true
	}
	if etagFd != nil && s.mi.etag != nil {
		req, good := newReq(key, "999999")
		if !good {
			return
		}
		_, err := s.call(opDelete, req)
		ok = s.expectCode(s.step(opDelete, "stale etag"), err, codes.Aborted) && ok
	}
	req, good := newReq(s.missingKey(), "")
	if !good {
		return
	}
	_, err := s.call(opDelete, req)
	ok = s.expectCode(s.step(opDelete, "a missing resource"), err, codes.NotFound) && ok

	etag := ""
	if s.mi.etag != nil {
		etag = row.ProtoReflect().Get(s.mi.etag).String()
	}
	req, _ = newReq(key, etag)
	got, err := s.call(opDelete, req)
	if err != nil {
		s.x.r.fail(s.step(opDelete, ""), "Delete %s: error %v (code %v)", keyString(key), err, codeOf(err))
		return
	}
	delete(s.live, keyString(key))
	returnsModel := outputOf(m.desc).FullName() == s.mi.desc.FullName()
	switch {
	case s.mi.softDelete && s.mi.deleteTime != nil:
		var after proto.Message
		if returnsModel {
			after = got
			ok = s.expectDeleted(s.step(opDelete, "returned resource"), row, got) && ok
		}
		if s.ops[opGet] != nil {
			stored, err := s.getOne(key)
			if err != nil {
				s.x.r.fail(s.step(opGet, "after a soft Delete"), "Get %s: error %v (code %v); want the resource with delete_time set", keyString(key), err, codeOf(err))
				ok = false
			} else {
				ok = s.expectDeleted(s.step(opGet, "after a soft Delete"), row, stored) && ok
				if after != nil {
					if d := diff(after, stored); d != "" {
						s.x.r.fail(s.step(opGet, "after a soft Delete"), "differs from what Delete returned: %s", d)
						ok = false
					}
				}
				after = stored
			}
		}
		if after != nil {
			s.rows[0] = after
		}
		if s.ops[opList] != nil {
			if sd := s.ops[opList].field("show_deleted"); sd != nil && after != nil {
				got, good := s.listAll("show_deleted after Delete", func(_ *method, req protoreflect.Message) {
					req.Set(sd, protoreflect.ValueOfBool(true))
				})
				want := s.expected()
				want[keyString(key)] = after
				if good && s.expectSet(s.step(opList, "show_deleted after Delete"), want, got) {
					s.x.r.ok(s.step(opList, "show_deleted after Delete"))
				} else {
					ok = false
				}
			}
		}
	default:
		if returnsModel {
			if d := diff(row, got); d != "" {
				s.x.r.fail(s.step(opDelete, "returned resource"), "a hard Delete returns the resource as it was: %s", d)
				ok = false
			}
		} else if got != nil && got.ProtoReflect().Descriptor().FullName() != "google.protobuf.Empty" {
			s.x.r.fail(s.step(opDelete, ""), "returned %s", got.ProtoReflect().Descriptor().FullName())
			ok = false
		}
		if s.ops[opGet] != nil {
			_, err := s.getOne(key)
			ok = s.expectCode(s.step(opGet, "after a hard Delete"), err, codes.NotFound) && ok
		}
	}
	if ok {
		s.x.r.ok(s.step(opDelete, ""))
	}
	s.list("after Delete")
}

// expectDeleted checks a soft-deleted resource: as before, with
// delete_time set and the managed fields moved on.
func (s *service) expectDeleted(step string, before, got proto.Message) bool {
	if got == nil || !got.ProtoReflect().IsValid() {
		s.x.r.fail(step, "no resource")
		return false
	}
	want := proto.Clone(before)
	problems := s.managedMoved(before, got, want)
	if !got.ProtoReflect().Has(s.mi.deleteTime) {
		problems = append(problems, "delete_time not set")
	}
	want.ProtoReflect().Set(s.mi.deleteTime, got.ProtoReflect().Get(s.mi.deleteTime))
	if d := diff(want, got); d != "" {
		problems = append(problems, "differs from the resource before Delete: "+d)
	}
	if len(problems) > 0 {
		s.x.r.fail(step, "%s\nbefore: %s\n   got: %s", strings.Join(problems, "; "), text(before), text(got))
		return false
	}
	return true
}

// undelete restores the resource delete removed.
func (s *service) undelete() {
	m := s.ops[opUndelete]
	if m == nil || s.ops[opDelete] == nil {
		return
	}
	row := s.rows[0]
	if s.mi.deleteTime == nil || !row.ProtoReflect().Has(s.mi.deleteTime) {
		s.x.r.fail(s.step(opUndelete, ""), "the resource Delete soft-deleted was not read back with delete_time; cannot undelete it")
		return
	}
	key := s.keyOf(row)
	req := m.newRequest()
	if err := s.setKey(opUndelete, req, key); err != nil {
		s.x.r.fail(s.step(opUndelete, ""), "%v", err)
		return
	}
	if fd := m.field("etag"); fd != nil && s.mi.etag != nil {
		req.Set(fd, row.ProtoReflect().Get(s.mi.etag))
	}
	got, err := s.call(opUndelete, req)
	if err != nil {
		s.x.r.fail(s.step(opUndelete, ""), "Undelete %s: error %v (code %v)", keyString(key), err, codeOf(err))
		return
	}
	want := proto.Clone(row)
	problems := s.managedMoved(row, got, want)
	want.ProtoReflect().Clear(s.mi.deleteTime)
	if d := diff(want, got); d != "" {
		problems = append(problems, "want the resource without delete_time: "+d)
	}
	if len(problems) > 0 {
		s.x.r.fail(s.step(opUndelete, ""), "%s\nbefore: %s\n   got: %s", strings.Join(problems, "; "), text(row), text(got))
		return
	}
	s.rows[0] = got
	s.live[keyString(key)] = got
	if s.expectGet("after Undelete", key, got) {
		s.x.r.ok(s.step(opUndelete, ""))
	}
	s.list("after Undelete")
}
