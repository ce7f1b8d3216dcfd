package goldenrun

import (
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// singleton exercises a singleton resource (AIP-156) under its parent
// (the ORM step's row of the parent model, or a name of the parent
// pattern): Get of one never written answers its name and defaults;
// Update without a mask stores the fields a valid message sets, and Get
// then answers what Update did; an Update again changes what it names;
// under a parent of the case that does not exist, Get is NotFound. List
// (AIP-156, across parents as AIP-159 reads) under the parent answers the
// one singleton as Get does, written or not, NotFound under a parent that
// does not exist, and across parents ("-" for every id) each parent's
// singleton once, among them this one.
func (s *service) singleton() {
	name := protoreflect.ValueOfString(s.mi.singletonName())
	key := s.mi.keys[0]
	if s.ops[opGet] != nil {
		got, err := s.getOne(name)
		if !s.x.r.check(s.step(opGet, "never written"), err) {
			return
		}
		want := got.ProtoReflect().New()
		want.Set(key, name)
		if s.mi.tenant != nil {
			want.Set(s.mi.tenant, got.ProtoReflect().Get(s.mi.tenant))
		}
		if d := diff(want.Interface(), got); d != "" {
			s.x.r.fail(s.step(opGet, "never written"), "want its name and defaults: %s", d)
			return
		}
		s.x.r.ok(s.step(opGet, "never written: its defaults"))
		s.listSingleton("never written", got)
		if s.mi.parent != nil {
			gone := strings.TrimPrefix(s.mi.singletonName(), s.mi.parentName)
			_, err := s.getOne(protoreflect.ValueOfString(s.mi.parentName + "-gone" + gone))
			s.expectCode(s.step(opGet, "under a parent that does not exist"), err, codes.NotFound)
		}
	}
	m := s.ops[opUpdate]
	if m == nil {
		return
	}
	msg, ok := s.newMessage(opUpdate)
	if !ok {
		return
	}
	msg.ProtoReflect().Set(key, name)
	if s.mi.etag != nil {
		msg.ProtoReflect().Clear(s.mi.etag)
	}
	req := m.newRequest()
	fd := s.resourceField(m.desc.Input())
	if fd == nil {
		s.x.r.fail(s.step(opUpdate, ""), "request %s has no field of %s", m.desc.Input().FullName(), s.mi.desc.FullName())
		return
	}
	req.Set(fd, protoreflect.ValueOfMessage(msg.ProtoReflect()))
	got, err := s.call(opUpdate, req)
	if err != nil {
		s.x.r.fail(s.step(opUpdate, "the first write"), "error %v (code %v)\nsent: %s", err, codeOf(err), text(msg))
		return
	}
	if !s.expectCreated(s.step(opUpdate, "the first write"), msg, got) {
		return
	}
	s.x.r.ok(s.step(opUpdate, "the first write stores it"))
	if !s.expectGet("after the first write", name, got) {
		return
	}
	s.rows = []proto.Message{got}
	s.listSingleton("after the first write", got)
	s.update()
	if len(s.rows) > 0 {
		s.expectGet("after Update", name, s.rows[0])
		s.listSingleton("after Update", s.rows[0])
	}
}

// listSingleton checks List of the singleton want under its parent, under
// a parent that does not exist, and across parents.
func (s *service) listSingleton(what string, want proto.Message) {
	m := s.ops[opList]
	if m == nil {
		return
	}
	parentFd := m.field("parent")
	if parentFd == nil {
		s.x.r.fail(s.step(opList, what), "%s has no parent", m.desc.Input().FullName())
		return
	}
	under := func(parent string) func(*method, protoreflect.Message) {
		return func(_ *method, req protoreflect.Message) { req.Set(parentFd, protoreflect.ValueOfString(parent)) }
	}
	got, ok := s.listAll(what+", under its parent", under(s.mi.parentName))
	if !ok {
		return
	}
	if len(got) != 1 || diff(want, got[0]) != "" {
		s.x.r.fail(s.step(opList, what+", under its parent"), "want the one singleton %s, got %d: %v", text(want), len(got), got)
		return
	}
	s.x.r.ok(s.step(opList, what+", under its parent: the one singleton"))
	req := m.newRequest()
	req.Set(parentFd, protoreflect.ValueOfString(s.mi.parentName+"-gone"))
	if sizeFd := m.field("page_size"); sizeFd != nil {
		req.Set(sizeFd, protoreflect.ValueOfInt32(pageSize))
	}
	_, err := s.call(opList, req)
	s.expectCode(s.step(opList, what+", under a parent that does not exist"), err, codes.NotFound)
	across := strings.Split(s.mi.parentPattern(), "/")
	for i, p := range across {
		if strings.HasPrefix(p, "{") {
			across[i] = "-"
		}
	}
	all, ok := s.listAll(what+", across parents", under(strings.Join(across, "/")))
	if !ok {
		return
	}
	key := s.keyOf(want)
	seen, found := map[string]bool{}, false
	for _, g := range all {
		k := keyString(s.keyOf(g))
		if seen[k] {
			s.x.r.fail(s.step(opList, what+", across parents"), "%s listed twice", k)
			return
		}
		seen[k] = true
		if k == keyString(key) {
			if d := diff(want, g); d != "" {
				s.x.r.fail(s.step(opList, what+", across parents"), "%s: %s", k, d)
				return
			}
			found = true
		}
	}
	if !found {
		s.x.r.fail(s.step(opList, what+", across parents"), "%s is not listed among %d", keyString(key), len(all))
		return
	}
	s.x.r.ok(s.step(opList, what+", across parents"))
}
