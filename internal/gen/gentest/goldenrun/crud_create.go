package goldenrun

import (
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// newMessage builds a valid resource to create.
func (s *service) newMessage(o op) (proto.Message, bool) {
	msg, err := s.x.pop.message(s.mi, s.x.nextSeed())
	return msg, s.x.r.check(s.step(o, "build a valid "+string(s.mi.desc.Name())), err)
}

// create creates rowCount resources with Create, or stores them with
// GORM when the service has no Create.
func (s *service) create() bool {
	m := s.ops[opCreate]
	for i := 0; i < rowCount; i++ {
		msg, ok := s.newMessage(opCreate)
		if !ok {
			return false
		}
		if m == nil {
			got, err := s.storeWithGORM(msg)
			if !s.x.r.check(s.name+": store a row with GORM (no Create method)", err) {
				return false
			}
			s.add(got)
			continue
		}
		req := m.newRequest()
		fd := s.resourceField(m.desc.Input())
		if fd == nil {
			s.x.r.fail(s.step(opCreate, ""), "request %s has no field of %s", m.desc.Input().FullName(), s.mi.desc.FullName())
			return false
		}
		req.Set(fd, protoreflect.ValueOfMessage(msg.ProtoReflect()))
		s.setResourceID(m, req, msg)
		got, err := s.call(opCreate, req)
		if err != nil {
			s.x.r.fail(s.step(opCreate, ""), "error %v (code %v)\nsent: %s", err, codeOf(err), text(msg))
			return false
		}
		if !s.expectCreated(s.step(opCreate, ""), msg, got) {
			return false
		}
		s.add(got)
	}
	s.x.r.ok(s.step(opCreate, fmt.Sprintf("%d resources", rowCount)))
	if m != nil && !s.mi.autoKey {
		// A key the client chooses twice is AlreadyExists.
		if msg, ok := s.newMessage(opCreate); ok {
			msg.ProtoReflect().Set(s.mi.keys[0], s.keyOf(s.rows[0]))
			req := m.newRequest()
			req.Set(s.resourceField(m.desc.Input()), protoreflect.ValueOfMessage(msg.ProtoReflect()))
			s.setResourceID(m, req, msg)
			_, err := s.call(opCreate, req)
			s.expectCode(s.step(opCreate, "an existing key"), err, codes.AlreadyExists)
		}
	}
	return true
}

// setResourceID sets Create's AIP-133 `<resource>_id` of a resource
// identified by its name to the id of msg's name, which the server then
// assigns.
func (s *service) setResourceID(m *method, req protoreflect.Message, msg proto.Message) {
	if s.mi.namePrefix == "" {
		return
	}
	fd := m.field(protoreflect.Name(snakeCase(string(s.mi.desc.Name())) + "_id"))
	if fd == nil {
		return
	}
	name := msg.ProtoReflect().Get(s.mi.keys[0]).String()
	req.Set(fd, protoreflect.ValueOfString(strings.TrimPrefix(name, s.mi.namePrefix)))
}

// snakeCase turns "BookEntry" into "book_entry".
func snakeCase(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *service) add(m proto.Message) {
	s.rows = append(s.rows, m)
	s.live[keyString(s.keyOf(m))] = m
}

// storeWithGORM inserts msg as the ORM step does.
func (s *service) storeWithGORM(msg proto.Message) (proto.Message, error) {
	m, err := toModel(msg)
	if err != nil {
		return nil, err
	}
	if err := s.x.db.Session(&gorm.Session{}).Omit(clause.Associations).Create(m).Error; err != nil {
		return nil, err
	}
	return toProto(m)
}

// expectCreated checks a created resource: what was sent, plus the
// fields the server manages set as AIP-148/154/164 say.
func (s *service) expectCreated(step string, sent, got proto.Message) bool {
	if got == nil || !got.ProtoReflect().IsValid() {
		s.x.r.fail(step, "returned no resource")
		return false
	}
	mi := s.mi
	want := proto.Clone(sent)
	w, g := want.ProtoReflect(), got.ProtoReflect()
	var problems []string
	if mi.autoKey {
		if !g.Has(mi.keys[0]) {
			problems = append(problems, fmt.Sprintf("no %s assigned", mi.keys[0].Name()))
		}
		w.Set(mi.keys[0], g.Get(mi.keys[0]))
	}
	for _, fd := range []protoreflect.FieldDescriptor{mi.createTime, mi.updateTime} {
		if fd != nil {
			if !g.Has(fd) {
				problems = append(problems, fmt.Sprintf("%s not set", fd.Name()))
			}
			w.Set(fd, g.Get(fd))
		}
	}
	if mi.etag != nil {
		if g.Get(mi.etag).String() == "" {
			problems = append(problems, "etag not set")
		}
		w.Set(mi.etag, g.Get(mi.etag))
	}
	if mi.deleteTime != nil && g.Has(mi.deleteTime) {
		problems = append(problems, "delete_time set on a new resource: "+fieldText(g, mi.deleteTime))
	}
	for fd := range mi.outputOnly {
		if g.Has(fd) {
			w.Set(fd, g.Get(fd))
		} else {
			w.Clear(fd)
		}
	}
	for fd := range mi.ignored {
		w.Clear(fd)
	}
	if d := diff(want, got); d != "" {
		problems = append(problems, "differs from what was sent: "+d)
	}
	if len(problems) > 0 {
		s.x.r.fail(step, "%s\nsent: %s\n got: %s", strings.Join(problems, "; "), text(sent), text(got))
		return false
	}
	return true
}
