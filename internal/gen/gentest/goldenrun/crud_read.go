package goldenrun

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// getOne calls Get for key.
func (s *service) getOne(key protoreflect.Value) (proto.Message, error) {
	req := s.ops[opGet].newRequest()
	if err := s.setKey(opGet, req, key); err != nil {
		return nil, err
	}
	return s.call(opGet, req)
}

// expectGet checks that Get of key returns want.
func (s *service) expectGet(what string, key protoreflect.Value, want proto.Message) bool {
	if s.ops[opGet] == nil {
		return true
	}
	got, err := s.getOne(key)
	if err != nil {
		s.x.r.fail(s.step(opGet, what), "Get %s: error %v (code %v); want %s", keyString(key), err, codeOf(err), text(want))
		return false
	}
	if d := diff(want, got); d != "" {
		s.x.r.fail(s.step(opGet, what), "Get %s differs from what the service returned before: %s", keyString(key), d)
		return false
	}
	return true
}

// expectCode checks that err has code want.
func (s *service) expectCode(step string, err error, want codes.Code) bool {
	if got := codeOf(err); got != want {
		s.x.r.fail(step, "want code %v, got %v (error: %v)", want, got, err)
		return false
	}
	s.x.r.ok(step + ": " + want.String())
	return true
}

// missingKey is a key no row has.
func (s *service) missingKey() protoreflect.Value {
	k := s.mi.keys[0]
	switch k.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(s.mi.namePrefix + "no-such-key")
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(2_000_000_000)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(4_000_000_000)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(1 << 62)
	default:
		return protoreflect.ValueOfInt64(1 << 60)
	}
}

// get reads every created resource back, and a missing one.
func (s *service) get() {
	if s.ops[opGet] == nil {
		return
	}
	ok := true
	for _, row := range s.rows {
		ok = s.expectGet("after Create", s.keyOf(row), row) && ok
	}
	_, err := s.getOne(s.missingKey())
	ok = s.expectCode(s.step(opGet, "a missing resource"), err, codes.NotFound) && ok
	if ok {
		s.x.r.ok(s.step(opGet, ""))
	}
}

// listAll follows next_page_token from the first page to the last and
// checks the pages' sizes; set names the request's optional fields.
func (s *service) listAll(what string, set func(m *method, req protoreflect.Message)) ([]proto.Message, bool) {
	m := s.ops[opList]
	step := s.step(opList, what)
	itemsFd := s.itemsField(outputOf(m.desc))
	sizeFd, tokenFd := m.field("page_size"), m.field("page_token")
	nextFd := outputOf(m.desc).Fields().ByName("next_page_token")
	if itemsFd == nil || sizeFd == nil || tokenFd == nil || nextFd == nil {
		s.x.r.fail(step, "%s or its response lacks page_size, page_token, next_page_token or the repeated %s", m.desc.Input().FullName(), s.mi.desc.Name())
		return nil, false
	}
	var all []proto.Message
	token := ""
	for page := 1; ; page++ {
		req := m.newRequest()
		req.Set(sizeFd, protoreflect.ValueOfInt32(pageSize))
		req.Set(tokenFd, protoreflect.ValueOfString(token))
		if set != nil {
			set(m, req)
		}
		resp, err := s.call(opList, req)
		if err != nil {
			s.x.r.fail(step, "page %d: error %v (code %v)", page, err, codeOf(err))
			return nil, false
		}
		got := items(resp, itemsFd)
		if len(got) > pageSize {
			s.x.r.fail(step, "page %d holds %d resources; page_size is %d", page, len(got), pageSize)
			return nil, false
		}
		all = append(all, got...)
		token = resp.ProtoReflect().Get(nextFd).String()
		if token == "" {
			break
		}
		if len(got) == 0 {
			s.x.r.fail(step, "page %d is empty but has a next_page_token", page)
			return nil, false
		}
		if page > 1000 {
			s.x.r.fail(step, "more than 1000 pages")
			return nil, false
		}
	}
	return all, true
}

// expectSet checks that got holds exactly the resources of want, each
// equal, each once.
func (s *service) expectSet(step string, want map[string]proto.Message, got []proto.Message) bool {
	var problems []string
	seen := map[string]bool{}
	for _, g := range got {
		k := keyString(s.keyOf(g))
		switch w, ok := want[k]; {
		case seen[k]:
			problems = append(problems, fmt.Sprintf("%s listed twice", k))
		case !ok:
			problems = append(problems, fmt.Sprintf("unexpected resource %s: %s", k, text(g)))
		default:
			if d := diff(w, g); d != "" {
				problems = append(problems, fmt.Sprintf("resource %s differs: %s", k, d))
			}
		}
		seen[k] = true
	}
	var missing []string
	for k := range want {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("missing resources %v", sortedStrings(missing)))
	}
	if len(problems) > 0 {
		s.x.r.fail(step, "want %d resources, got %d: %s", len(want), len(got), strings.Join(problems, "; "))
		return false
	}
	return true
}

// expected is the baseline and the live created rows, by key.
func (s *service) expected() map[string]proto.Message {
	out := map[string]proto.Message{}
	for k, v := range s.baseline {
		out[k] = v
	}
	for k, v := range s.live {
		out[k] = v
	}
	return out
}

// list pages through every resource, then filters on a string field.
func (s *service) list(what string) {
	if s.ops[opList] == nil {
		return
	}
	got, ok := s.listAll(what, nil)
	if !ok {
		return
	}
	ok = s.expectSet(s.step(opList, what), s.expected(), got)
	if what == "after Create" {
		ok = s.listFiltered() && ok
	}
	if ok {
		s.x.r.ok(s.step(opList, what))
	}
}

// listFiltered lists with an AIP-160 filter `<field> = "<value>"` on a
// string field of the first created resource.
func (s *service) listFiltered() bool {
	m := s.ops[opList]
	filterFd := m.field("filter")
	if filterFd == nil || len(s.rows) == 0 {
		return true
	}
	fd := s.filterField()
	if fd == nil {
		return true
	}
	value := s.rows[0].ProtoReflect().Get(fd).String()
	filter := fmt.Sprintf("%s = %s", fd.Name(), strconv.Quote(value))
	what := "filter " + filter
	got, ok := s.listAll(what, func(_ *method, req protoreflect.Message) {
		req.Set(filterFd, protoreflect.ValueOfString(filter))
	})
	if !ok {
		return false
	}
	want := map[string]proto.Message{}
	for k, v := range s.expected() {
		if v.ProtoReflect().Get(fd).String() == value {
			want[k] = v
		}
	}
	if !s.expectSet(s.step(opList, what), want, got) {
		return false
	}
	s.x.r.ok(s.step(opList, what))
	return true
}

// filterField is a stored string field the client sets, or nil.
func (s *service) filterField() protoreflect.FieldDescriptor {
	fields := s.mi.desc.Fields()
	var key protoreflect.FieldDescriptor
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Kind() != protoreflect.StringKind || fd.IsList() || fd.IsMap() || s.mi.columns[fd] == "" || s.mi.serverManaged(fd) || fd == s.mi.tenant {
			continue
		}
		if s.mi.isKey(fd) {
			key = fd
			continue
		}
		if s.rows[0].ProtoReflect().Get(fd).String() != "" {
			return fd
		}
	}
	return key
}
