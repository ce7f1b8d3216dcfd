package goldenrun

import (
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// batch creates two resources with BatchCreate, reads them with BatchGet
// and deletes them with BatchDelete.
func (s *service) batch() {
	var batchRows []proto.Message
	if m := s.ops[opBatchCreate]; m != nil {
		step := s.step(opBatchCreate, "")
		reqsFd := m.field("requests")
		itemsFd := s.itemsField(m.desc.Output())
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
		itemsFd := s.itemsField(m.desc.Output())
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
