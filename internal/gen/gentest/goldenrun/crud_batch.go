package goldenrun

import (
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// batch creates two resources with BatchCreate, reads them with BatchGet,
// changes them with BatchUpdate and deletes them with BatchDelete.
func (s *service) batch() {
	var batchRows []proto.Message
	if m := s.ops[opBatchCreate]; m != nil {
		step := s.step(opBatchCreate, "")
		reqsFd := m.field("requests")
		itemsFd := s.itemsField(outputOf(m.desc))
		if reqsFd == nil || reqsFd.Message() == nil || itemsFd == nil {
			s.x.r.fail(step, "%s has no repeated requests, or its response no repeated %s", m.desc.Input().FullName(), s.mi.desc.Name())
			return
		}
		resFd := s.resourceField(reqsFd.Message())
		if resFd == nil {
			s.x.r.fail(step, "%s has no field of %s", reqsFd.Message().FullName(), s.mi.desc.FullName())
			return
		}
		req := m.newRequest()
		l := req.Mutable(reqsFd).List()
		var sent []proto.Message
		for i := 0; i < 2; i++ {
			msg, ok := s.newMessage(opBatchCreate)
			if !ok {
				return
			}
			sent = append(sent, msg)
			item := l.NewElement()
			item.Message().Set(resFd, protoreflect.ValueOfMessage(msg.ProtoReflect()))
			if s.mi.namePrefix != "" {
				if idFd := reqsFd.Message().Fields().ByName(protoreflect.Name(snakeCase(string(s.mi.desc.Name())) + "_id")); idFd != nil {
					item.Message().Set(idFd, protoreflect.ValueOfString(strings.TrimPrefix(msg.ProtoReflect().Get(s.mi.keys[0]).String(), s.mi.namePrefix)))
				}
			}
			l.Append(item)
		}
		resp, err := s.call(opBatchCreate, req)
		if err != nil {
			s.x.r.fail(step, "error %v (code %v)", err, codeOf(err))
			return
		}
		got := items(resp, itemsFd)
		if len(got) != len(sent) {
			s.x.r.fail(step, "sent %d resources, got %d back", len(sent), len(got))
			return
		}
		ok := true
		for i := range got {
			ok = s.expectCreated(fmt.Sprintf("%s: resource %d", step, i), sent[i], got[i]) && ok
		}
		if !ok {
			return
		}
		for _, g := range got {
			s.add(g)
			batchRows = append(batchRows, g)
			s.expectGet("after BatchCreate", s.keyOf(g), g)
		}
		s.x.r.ok(step)
	} else {
		for _, r := range s.rows[1:] {
			if _, live := s.live[keyString(s.keyOf(r))]; live {
				batchRows = append(batchRows, r)
			}
		}
	}
	if len(batchRows) == 0 {
		return
	}
	var keys []protoreflect.Value
	for _, r := range batchRows {
		keys = append(keys, s.keyOf(r))
	}
	if m := s.ops[opBatchGet]; m != nil {
		step := s.step(opBatchGet, "")
		req := m.newRequest()
		itemsFd := s.itemsField(outputOf(m.desc))
		if err := s.setKeys(opBatchGet, req, keys); err != nil || itemsFd == nil {
			s.x.r.fail(step, "%v (or no repeated %s in the response)", err, s.mi.desc.Name())
			return
		}
		resp, err := s.call(opBatchGet, req)
		if err != nil {
			s.x.r.fail(step, "error %v (code %v)", err, codeOf(err))
		} else {
			got := items(resp, itemsFd)
			ok := len(got) == len(batchRows)
			if !ok {
				s.x.r.fail(step, "asked %d resources, got %d", len(batchRows), len(got))
			}
			for i := 0; ok && i < len(got); i++ {
				if d := diff(batchRows[i], got[i]); d != "" {
					s.x.r.fail(step, "resource %d (in the order asked): %s", i, d)
					ok = false
				}
			}
			missing := m.newRequest()
			if err := s.setKeys(opBatchGet, missing, append(keys[:1:1], s.missingKey())); err == nil {
				_, err := s.call(opBatchGet, missing)
				ok = s.expectCode(s.step(opBatchGet, "a missing resource"), err, codes.NotFound) && ok
			}
			if ok {
				s.x.r.ok(step)
			}
		}
	}
	s.batchUpdate(batchRows)
	if m := s.ops[opBatchDelete]; m != nil {
		step := s.step(opBatchDelete, "")
		req := m.newRequest()
		if !s.x.r.check(step, s.setKeys(opBatchDelete, req, keys)) {
			return
		}
		if _, err := s.call(opBatchDelete, req); err != nil {
			s.x.r.fail(step, "error %v (code %v)", err, codeOf(err))
			return
		}
		ok := true
		for _, r := range batchRows {
			key := s.keyOf(r)
			delete(s.live, keyString(key))
			if s.ops[opGet] == nil {
				continue
			}
			got, err := s.getOne(key)
			switch {
			case s.mi.softDelete && s.mi.deleteTime != nil:
				if err != nil {
					s.x.r.fail(s.step(opGet, "after a soft BatchDelete"), "Get %s: error %v (code %v); want the resource with delete_time set", keyString(key), err, codeOf(err))
					ok = false
				} else if !got.ProtoReflect().Has(s.mi.deleteTime) {
					s.x.r.fail(s.step(opGet, "after a soft BatchDelete"), "Get %s: delete_time not set: %s", keyString(key), text(got))
					ok = false
				}
			default:
				ok = s.expectCode(s.step(opGet, "after a hard BatchDelete"), err, codes.NotFound) && ok
			}
		}
		if ok {
			s.x.r.ok(step)
		}
	}
}

// batchUpdate changes one field of each of rows with BatchUpdate, the
// update_mask naming it, and checks what comes back and what is stored;
// then sends a batch whose second resource is missing, which is NotFound
// and changes none.
func (s *service) batchUpdate(rows []proto.Message) {
	m := s.ops[opBatchUpdate]
	if m == nil {
		return
	}
	step := s.step(opBatchUpdate, "")
	reqsFd := m.field("requests")
	itemsFd := s.itemsField(outputOf(m.desc))
	if reqsFd == nil || reqsFd.Message() == nil || itemsFd == nil {
		s.x.r.fail(step, "%s has no repeated requests, or its response no repeated %s", m.desc.Input().FullName(), s.mi.desc.Name())
		return
	}
	resFd, maskFd := s.resourceField(reqsFd.Message()), reqsFd.Message().Fields().ByName("update_mask")
	if resFd == nil || maskFd == nil {
		s.x.r.fail(step, "%s has no field of %s, or no update_mask", reqsFd.Message().FullName(), s.mi.desc.FullName())
		return
	}
	fields := s.updateFields()
	if len(fields) == 0 {
		s.x.r.ok(s.step(opBatchUpdate, "no field an update can change"))
		return
	}
	fd := fields[0]
	mask := &fieldmaskpb.FieldMask{Paths: []string{string(fd.Name())}}
	build := func(msgs []proto.Message) protoreflect.Message {
		req := m.newRequest()
		l := req.Mutable(reqsFd).List()
		for _, msg := range msgs {
			item := l.NewElement()
			item.Message().Set(resFd, protoreflect.ValueOfMessage(msg.ProtoReflect()))
			item.Message().Set(maskFd, protoreflect.ValueOfMessage(mask.ProtoReflect()))
			l.Append(item)
		}
		return req
	}
	var sent, want []proto.Message
	for _, r := range rows {
		v, err := another(fd, r.ProtoReflect().Get(fd), s.x.nextSeed())
		if !s.x.r.check(step, err) {
			return
		}
		msg := proto.Clone(r)
		msg.ProtoReflect().Set(fd, v)
		sent = append(sent, msg)
		want = append(want, proto.Clone(msg))
	}
	resp, err := s.call(opBatchUpdate, build(sent))
	if err != nil {
		s.x.r.fail(step, "error %v (code %v)", err, codeOf(err))
		return
	}
	got := items(resp, itemsFd)
	if len(got) != len(sent) {
		s.x.r.fail(step, "sent %d updates, got %d resources back", len(sent), len(got))
		return
	}
	ok := true
	for i := range got {
		problems := s.managedMoved(rows[i], got[i], want[i])
		if d := diff(want[i], got[i]); d != "" {
			problems = append(problems, "want only "+string(fd.Name())+" changed: "+d)
		}
		if len(problems) > 0 {
			s.x.r.fail(step, "resource %d: %s", i, strings.Join(problems, "; "))
			ok = false
			continue
		}
		rows[i] = got[i]
		s.live[keyString(s.keyOf(got[i]))] = got[i]
		ok = s.expectGet("after BatchUpdate", s.keyOf(got[i]), got[i]) && ok
	}
	if !ok {
		return
	}
	// All or none: the first update is rolled back with the missing one.
	first := proto.Clone(rows[0])
	if v, err := another(fd, first.ProtoReflect().Get(fd), s.x.nextSeed()); err == nil {
		first.ProtoReflect().Set(fd, v)
	}
	missing := proto.Clone(rows[0])
	missing.ProtoReflect().Set(s.mi.keys[0], s.missingKey())
	_, err = s.call(opBatchUpdate, build([]proto.Message{first, missing}))
	ok = s.expectCode(s.step(opBatchUpdate, "a missing resource"), err, codes.NotFound) && ok
	ok = s.expectGet("after a BatchUpdate that failed", s.keyOf(rows[0]), rows[0]) && ok
	if ok {
		s.x.r.ok(step)
	}
}
