package goldenrun

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// updateFields are the fields Update may change: stored, set by the
// client, mutable scalars that name no other row (a foreign key or a
// resource_reference holds what names a stored row); strings first.
func (s *service) updateFields() []protoreflect.FieldDescriptor {
	var strs, others []protoreflect.FieldDescriptor
	fields := s.mi.desc.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		mi := s.mi
		if fd.IsList() || fd.IsMap() || fd.Message() != nil || mi.columns[fd] == "" || mi.serverManaged(fd) ||
			mi.isKey(fd) || mi.immutable[fd] || fd == mi.tenant || mi.refs[fd] != nil || mi.resRefs[fd] != nil || mi.selfRefs[fd] {
			continue
		}
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			continue
		}
		if r := fieldRules(fd); r.constant != nil || len(r.in) == 1 {
			continue
		}
		if fd.Kind() == protoreflect.StringKind {
			strs = append(strs, fd)
		} else {
			others = append(others, fd)
		}
	}
	return append(strs, others...)
}

// update changes one field with an update_mask naming it, while the
// message sent changes another too; then sends the old etag again.
func (s *service) update() {
	m := s.ops[opUpdate]
	if m == nil {
		return
	}
	step := s.step(opUpdate, "")
	fields := s.updateFields()
	if len(fields) == 0 {
		// A model of its key alone (and server-managed fields): nothing
		// to change.
		s.x.r.ok(s.step(opUpdate, "no field an update can change"))
		return
	}
	idx := min(1, len(s.rows)-1)
	before := s.rows[idx]
	masked := fields[0]
	sent := proto.Clone(before)
	v, err := another(masked, before.ProtoReflect().Get(masked), s.x.nextSeed())
	if !s.x.r.check(step, err) {
		return
	}
	sent.ProtoReflect().Set(masked, v)
	var unmasked protoreflect.FieldDescriptor
	if len(fields) > 1 {
		unmasked = fields[1]
		if v, err := another(unmasked, before.ProtoReflect().Get(unmasked), s.x.nextSeed()); err == nil {
			sent.ProtoReflect().Set(unmasked, v)
		}
	}
	req := m.newRequest()
	resFd, maskFd := s.resourceField(m.desc.Input()), m.field("update_mask")
	if resFd == nil {
		s.x.r.fail(step, "request %s has no %s field", m.desc.Input().FullName(), s.mi.desc.Name())
		return
	}
	req.Set(resFd, protoreflect.ValueOfMessage(sent.ProtoReflect()))
	mask := &fieldmaskpb.FieldMask{Paths: []string{string(masked.Name())}}
	what := fmt.Sprintf("update_mask %q", masked.Name())
	switch {
	case maskFd == nil:
		// No update mask: a full replacement (AIP-134), which writes
		// every field sent.
		what = "full replacement, the request having no update_mask"
	case unmasked != nil:
		what += fmt.Sprintf(" (%s changed too, unmasked)", unmasked.Name())
	}
	if maskFd != nil {
		req.Set(maskFd, protoreflect.ValueOfMessage(mask.ProtoReflect()))
	}
	got, err := s.call(opUpdate, req)
	if err != nil {
		s.x.r.fail(s.step(opUpdate, what), "error %v (code %v)\nsent: %s", err, codeOf(err), text(sent))
		return
	}
	want := proto.Clone(before)
	want.ProtoReflect().Set(masked, v)
	if maskFd == nil && unmasked != nil {
		want.ProtoReflect().Set(unmasked, sent.ProtoReflect().Get(unmasked))
	}
	var problems []string
	problems = append(problems, s.managedMoved(before, got, want)...)
	if d := diff(want, got); d != "" {
		problems = append(problems, "want only what was asked changed: "+d)
	}
	if len(problems) > 0 {
		s.x.r.fail(s.step(opUpdate, what), "%s\nbefore: %s\n   got: %s", strings.Join(problems, "; "), text(before), text(got))
		s.resync(idx)
		return
	}
	s.rows[idx] = got
	s.live[keyString(s.keyOf(got))] = got
	ok := s.expectGet("after Update", s.keyOf(got), got)
	if ok {
		s.x.r.ok(s.step(opUpdate, what))
	}

	// The etag the update made stale is refused.
	if s.mi.etag != nil && before.ProtoReflect().Get(s.mi.etag).String() != "" {
		stale := proto.Clone(got)
		if v, err := another(masked, got.ProtoReflect().Get(masked), s.x.nextSeed()); err == nil {
			stale.ProtoReflect().Set(masked, v)
		}
		stale.ProtoReflect().Set(s.mi.etag, before.ProtoReflect().Get(s.mi.etag))
		req := m.newRequest()
		req.Set(resFd, protoreflect.ValueOfMessage(stale.ProtoReflect()))
		if maskFd != nil {
			req.Set(maskFd, protoreflect.ValueOfMessage(mask.ProtoReflect()))
		}
		_, err := s.call(opUpdate, req)
		ok = s.expectCode(s.step(opUpdate, "stale etag"), err, codes.Aborted) && ok
		ok = s.expectGet("after an Update with a stale etag", s.keyOf(got), got) && ok
	}
	if ok {
		s.x.r.ok(step)
	}
}

// managedMoved checks the server-managed fields of a resource after a
// change: update_time set and not earlier than before, etag grown. It
// copies them from got into want.
func (s *service) managedMoved(before, got, want proto.Message) []string {
	var problems []string
	b, g, w := before.ProtoReflect(), got.ProtoReflect(), want.ProtoReflect()
	if fd := s.mi.updateTime; fd != nil {
		if !g.Has(fd) {
			problems = append(problems, "update_time not set")
		} else if b.Has(fd) && timeOf(g, fd) < timeOf(b, fd) {
			problems = append(problems, fmt.Sprintf("update_time went back: %s → %s", fieldText(b, fd), fieldText(g, fd)))
		}
		w.Set(fd, g.Get(fd))
	}
	if fd := s.mi.etag; fd != nil {
		old, cur := b.Get(fd).String(), g.Get(fd).String()
		if cur == old {
			problems = append(problems, fmt.Sprintf("etag did not change (%q)", cur))
		} else if o, err1 := strconv.ParseUint(old, 10, 64); err1 == nil {
			if c, err2 := strconv.ParseUint(cur, 10, 64); err2 == nil && c <= o {
				problems = append(problems, fmt.Sprintf("etag went back: %q → %q", old, cur))
			}
		}
		w.Set(fd, g.Get(fd))
	}
	for fd := range s.mi.outputOnly {
		if fd != s.mi.createTime && !s.mi.isKey(fd) {
			if g.Has(fd) {
				w.Set(fd, g.Get(fd))
			} else {
				w.Clear(fd)
			}
		}
	}
	return problems
}

func timeOf(m protoreflect.Message, fd protoreflect.FieldDescriptor) int64 {
	t := m.Get(fd).Message()
	fields := t.Descriptor().Fields()
	return t.Get(fields.ByName("seconds")).Int()*1e9 + int64(t.Get(fields.ByName("nanos")).Int())
}

// resync replaces the expected state of row idx with what Get returns
// now, so that one wrong result is reported once, not by every later
// check.
func (s *service) resync(idx int) {
	if s.ops[opGet] == nil {
		return
	}
	if got, err := s.getOne(s.keyOf(s.rows[idx])); err == nil {
		s.rows[idx] = got
		s.live[keyString(s.keyOf(got))] = got
	}
}
