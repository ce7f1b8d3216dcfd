package crudrt

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	bufvalidate "buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"buf.build/go/protovalidate"
	"connectrpc.com/connect"
	pgvpb "github.com/envoyproxy/protoc-gen-validate/validate"
	"github.com/protoforge/protoforge/ormrt"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// immutable lists the changes of IMMUTABLE fields (AIP-203).
func (s *Service) immutable(stored, next proto.Message) []FieldViolation {
	var vs []FieldViolation
	a, b := stored.ProtoReflect(), next.ProtoReflect()
	for _, fd := range s.fb.immutable {
		if !a.Get(fd).Equal(b.Get(fd)) {
			vs = append(vs, FieldViolation{Field: joinPath(s.res.Field, string(fd.Name())), Description: "is immutable: it cannot change after creation"})
		}
	}
	return vs
}

// validate checks p, the message a write stores, against its
// protovalidate and protoc-gen-validate rules, its REQUIRED fields and the
// columns' own limits, and lists every violation. p's values with an
// AIP-202 format are first written in their canonical form, as stored
// (see canonicalValue). Violations found before, in vs, are listed
// first.
func (s *Service) validate(p proto.Message, vs ...FieldViolation) error {
	r := p.ProtoReflect()
	if s.rules.formats {
		// What is checked is what is stored: a canonical form may be
		// longer or shorter than the value sent. A value without its
		// format is left as it is, for the check to name.
		canonicalizeFormats(r)
	}
	for _, c := range s.keyRefs {
		// Another model's key, stored as that model stores it.
		if r.Has(c.fd) {
			r.Set(c.fd, protoreflect.ValueOfString(canonicalValue(r.Get(c.fd).String(), c.format())))
		}
	}
	// A key the database assigns is not there yet on a Create: its rules
	// (`gt: 0` on an id, say) hold for the value the database gives it.
	unassigned := ""
	if s.key != nil && s.key.AutoIncrement && !r.Has(s.key.fd) {
		unassigned = joinPath(s.res.Field, s.key.Path)
	}
	for _, fd := range s.fb.required {
		if !r.Has(fd) {
			vs = append(vs, FieldViolation{Field: joinPath(s.res.Field, string(fd.Name())), Description: "is required"})
		}
	}
	vs = append(vs, s.nested.requiredViolations(r, s.res.Field)...)
	// Without rules of its kind, a walk would find nothing.
	if s.rules.pgv {
		vs = append(vs, pgvViolations(s.res.Field, r)...)
	}
	if s.rules.formats {
		vs = append(vs, formatViolations(s.res.Field, r)...)
	}
	if s.rules.pv && !s.quick.holds(r) {
		pv, err := s.pvViolations(s.res.Field, p)
		if err != nil {
			return err
		}
		vs = append(vs, pv...)
	}
	for _, c := range s.limits {
		if n := utf8.RuneCountInString(r.Get(c.fd).String()); n > c.MaxLen {
			vs = append(vs, FieldViolation{Field: joinPath(s.res.Field, c.Path), Description: fmt.Sprintf("at most %d characters (got %d): the column holds no more", c.MaxLen, n)})
		}
	}
	for _, c := range s.sqliteMinLens {
		// The CHECK leaves a string that holds NUL to the server, as its
		// length() stops at the first one.
		if v := r.Get(c.fd).String(); !utf8.ValidString(v) && !strings.Contains(v, "\x00") {
			vs = append(vs, FieldViolation{Field: joinPath(s.res.Field, c.Path), Description: fmt.Sprintf("holds invalid UTF-8, whose characters SQLite counts otherwise than the rules do, so that the schema's CHECK (at least %d characters) could refuse it; send valid UTF-8, or use a bytes field", c.MinLen)})
		}
	}
	if unassigned != "" {
		vs = slices.DeleteFunc(vs, func(v FieldViolation) bool { return v.Field == unassigned })
	}
	if len(vs) > 0 {
		return InvalidArgument("", vs...)
	}
	return nil
}

// pvBoundsLength reports whether fd's protovalidate rules hold its
// length to at most n characters, as a column of n does: the rule's
// violation is the column's, which then need not be listed again.
func pvBoundsLength(fd protoreflect.FieldDescriptor, n int) bool {
	if fd == nil {
		return false
	}
	rules, ok := proto.GetExtension(fd.Options(), bufvalidate.E_Field).(*bufvalidate.FieldRules)
	if !ok || rules.GetIgnore() == bufvalidate.Ignore_IGNORE_ALWAYS || !rules.HasString() {
		return false
	}
	str := rules.GetString()
	return str.HasMaxLen() && str.GetMaxLen() <= uint64(n) || str.HasLen() && str.GetLen() <= uint64(n)
}

// CheckRequest validates a request's own fields against their
// protovalidate and protoc-gen-validate rules and its REQUIRED field
// behaviors (AIP-203), before anything else happens: page sizes, filters,
// ids and the like. The resource the request carries is left to Create,
// Update and BatchCreate, which validate it once the server's fields are
// set. Requests without rules cost a map lookup.
func (s *Service) CheckRequest(req proto.Message) error {
	if req == nil || !req.ProtoReflect().IsValid() {
		return nil
	}
	r := req.ProtoReflect()
	md := r.Descriptor()
	cached, ok := s.requestRules.Load(md.FullName())
	if !ok {
		cached, _ = s.requestRules.LoadOrStore(md.FullName(), s.requestInfoOf(md))
	}
	return s.checkRequest(req, cached.(*requestInfo))
}

// pvViolations are m's violations of its protovalidate rules, their
// fields under prefix. A rule that cannot be evaluated for the value it
// is given (a CEL division by zero, say) is a violation of the field it
// is on: the value is the client's.
func (s *Service) pvViolations(prefix string, m proto.Message) ([]FieldViolation, error) {
	err := s.v.Validate(m)
	if err == nil {
		return nil, nil
	}
	var re *protovalidate.RuntimeError
	if errors.As(err, &re) {
		return s.pvRuntimeViolations(prefix, m)
	}
	return s.pvResult(prefix, m, err)
}

// pvResult is pvViolations of the error err of a validation of m, other
// than a RuntimeError.
func (s *Service) pvResult(prefix string, m proto.Message, err error) ([]FieldViolation, error) {
	var ve *protovalidate.ValidationError
	if errors.As(err, &ve) {
		out := make([]FieldViolation, len(ve.Violations))
		for i, v := range ve.Violations {
			out[i] = FieldViolation{Field: joinPath(prefix, protovalidate.FieldPathString(v.Proto.GetField())), Description: v.Proto.GetMessage()}
		}
		return out, nil
	}
	// Rules that do not compile are the server's fault, and their text
	// is the server's own: it is logged, not sent. protoc-gen-crud
	// refuses such rules, so only descriptors it did not see get here.
	s.opt.logger.Error("crud: validation rules cannot be applied", "resource", s.res.Name, "message", m.ProtoReflect().Descriptor().FullName(), "error", err)
	return nil, Errorf(connect.CodeInternal, "the validation rules of %s cannot be applied", m.ProtoReflect().Descriptor().FullName())
}

// maxRuntimeErrors bounds the rules one answer says could not be
// evaluated: each takes a validation of the whole message.
const maxRuntimeErrors = 16

// pvRuntimeViolations validates m again, as often as a rule cannot be
// evaluated: each time, the field (or message, for a message rule) whose
// rule failed is the last that protovalidate asked the filter about, and
// is left out of the next validation, so that the other fields are still
// checked and every violation is listed at once. protovalidate does not
// ask about each element of a list or map: when the same field fails
// again, the failure was an element's, and the whole list or map is named
// and left out instead.
func (s *Service) pvRuntimeViolations(prefix string, m proto.Message) ([]FieldViolation, error) {
	type target struct {
		msg  proto.Message
		desc protoreflect.Descriptor
	}
	var out []FieldViolation
	skip := map[target]int{} // → the index in out of its violation
	var last *target
	filter := protovalidate.FilterFunc(func(msg protoreflect.Message, d protoreflect.Descriptor) bool {
		t := target{msg.Interface(), d}
		last = &t
		_, skipped := skip[t]
		return !skipped
	})
	// One validation more than the rules it may leave out, so that the
	// last one reports the other violations.
	for range maxRuntimeErrors + 1 {
		last = nil
		err := s.v.Validate(m, protovalidate.WithFilter(filter))
		if err == nil {
			return out, nil
		}
		var re *protovalidate.RuntimeError
		if !errors.As(err, &re) {
			vs, err := s.pvResult(prefix, m, err)
			return append(out, vs...), err
		}
		if len(skip) == maxRuntimeErrors {
			return append(out, FieldViolation{Field: prefix, Description: fmt.Sprintf("more rules could not be evaluated for the values sent; %d are named", maxRuntimeErrors)}), nil
		}
		if last == nil {
			return append(out, FieldViolation{Field: prefix, Description: runtimeErrorText(re)}), nil
		}
		loc, found := locate(m.ProtoReflect(), last.msg)
		if i, again := skip[*last]; again {
			// Not this field's: an element's of the list or map that
			// holds it, or of one it holds.
			if !found || loc.collection == nil {
				return out, nil
			}
			col := target{loc.holder.Interface(), loc.collection}
			if _, done := skip[col]; done {
				return out, nil
			}
			out[i] = FieldViolation{Field: joinPath(prefix, loc.collectionPath()), Description: runtimeErrorText(re)}
			skip[col] = i
			continue
		}
		field := prefix
		if found {
			field = joinPath(prefix, loc.path())
			if _, isMessage := last.desc.(protoreflect.MessageDescriptor); !isMessage {
				field = joinPath(field, string(last.desc.Name()))
			}
		}
		skip[*last] = len(out)
		out = append(out, FieldViolation{Field: field, Description: runtimeErrorText(re)})
	}
	return out, nil
}

// runtimeErrorText describes a RuntimeError ("error evaluating div:
// division by zero") to the client.
func runtimeErrorText(re *protovalidate.RuntimeError) string {
	text := "the rule could not be evaluated"
	if cause := re.Unwrap(); cause != nil {
		if rest, ok := strings.CutPrefix(cause.Error(), "error evaluating "); ok {
			if id, why, ok := strings.Cut(rest, ": "); ok {
				return fmt.Sprintf("rule %q could not be evaluated for this value: %s", id, why)
			}
		}
		return text + " for this value: " + cause.Error()
	}
	return text + " for this value"
}

// messageLocation is where a message is in the one a validation was
// given: its path's segments ("a", "b[2]", `c["key"]`), and, when it is
// an element of a list or a map's value, the message holding that field
// and the field.
type messageLocation struct {
	segs       []string
	holder     protoreflect.Message
	collection protoreflect.FieldDescriptor
}

// path spells the location's path.
func (l messageLocation) path() string { return strings.Join(l.segs, ".") }

// collectionPath spells the path of the list or map the message is an
// element of.
func (l messageLocation) collectionPath() string {
	segs := slices.Clone(l.segs)
	last := segs[len(segs)-1]
	segs[len(segs)-1] = last[:strings.IndexByte(last, '[')]
	return strings.Join(segs, ".")
}

// locate finds target, a message root holds at any depth (no segments
// for root itself), in one walk whose cost is the size of root.
func locate(root protoreflect.Message, target proto.Message) (messageLocation, bool) {
	var loc messageLocation
	var segs []string // the path down to the message being looked in
	var walk func(m protoreflect.Message) bool
	walk = func(m protoreflect.Message) bool {
		if m.Interface() == target {
			loc.segs = slices.Clone(segs)
			return true
		}
		found := false
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			name := string(fd.Name())
			if fd.IsExtension() {
				name = "[" + string(fd.FullName()) + "]"
			}
			try := func(sub protoreflect.Message, seg string, element bool) {
				segs = append(segs, seg)
				if walk(sub) {
					found = true
					if element && len(loc.segs) == len(segs) {
						loc.holder, loc.collection = m, fd
					}
				}
				segs = segs[:len(segs)-1]
			}
			switch {
			case fd.IsList() && fd.Message() != nil:
				l := v.List()
				for i := 0; i < l.Len() && !found; i++ {
					try(l.Get(i).Message(), fmt.Sprintf("%s[%d]", name, i), true)
				}
			case fd.IsMap() && fd.MapValue().Message() != nil:
				v.Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
					try(v.Message(), fmt.Sprintf("%s[%q]", name, k.String()), true)
					return !found
				})
			case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
				try(v.Message(), name, false)
			}
			return !found
		})
		return found
	}
	ok := walk(root)
	return loc, ok
}

// requestInfoOf finds what checking requests of type md takes.
func (s *Service) requestInfoOf(md protoreflect.MessageDescriptor) *requestInfo {
	info := &requestInfo{
		rules:    rulesIn(md, s.desc.FullName(), map[protoreflect.FullName]bool{}),
		required: readBehaviors(md).required,
	}
	if info.rules.pv && !info.rules.pgv && !info.rules.formats {
		info.quick = newQuickRules(md, s.desc.FullName())
	}
	return info
}

// checkRequest is CheckRequest of a valid request of the type of info.
func (s *Service) checkRequest(req proto.Message, info *requestInfo) error {
	r := req.ProtoReflect()
	var vs []FieldViolation
	for _, fd := range info.required {
		if !r.Has(fd) {
			vs = append(vs, FieldViolation{Field: string(fd.Name()), Description: "is required"})
		}
	}
	if !info.rules.any() || info.quick.holds(r) {
		if len(vs) > 0 {
			return InvalidArgument("", vs...)
		}
		return nil
	}
	c := proto.Clone(req)
	skip := clearResource(c.ProtoReflect(), s.desc, "", 2)
	keep := func(v FieldViolation) {
		for _, p := range skip {
			if v.Field == p || strings.HasPrefix(v.Field, p+".") || strings.HasPrefix(v.Field, p+"[") {
				return
			}
		}
		vs = append(vs, v)
	}
	if info.rules.pgv {
		for _, v := range pgvViolations("", c.ProtoReflect()) {
			keep(v)
		}
	}
	if info.rules.formats {
		for _, v := range formatViolations("", c.ProtoReflect()) {
			keep(v)
		}
	}
	if info.rules.pv {
		pv, err := s.pvViolations("", c)
		if err != nil {
			return err
		}
		for _, v := range pv {
			keep(v)
		}
	}
	if len(vs) > 0 {
		return InvalidArgument("", vs...)
	}
	return nil
}

// requestInfo is what checking one request type takes: whether it has
// validation rules outside the resource, and its REQUIRED fields.
type requestInfo struct {
	rules    ruleKinds
	required []protoreflect.FieldDescriptor
	// quick, where the request's rules are protovalidate's alone,
	// spares the copy and protovalidate's walk of a request that
	// passes them (see quickRules).
	quick *quickRules
}

// clearResource clears the fields of m that hold the resource, down to
// depth levels (BatchCreate's requests[i].book), and returns their paths.
func clearResource(m protoreflect.Message, resource protoreflect.MessageDescriptor, prefix string, depth int) []string {
	var paths []string
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := prefix + string(fd.Name())
		switch {
		case fd.Message() == nil || fd.IsMap():
		case fd.Message().FullName() == resource.FullName():
			paths = append(paths, path)
			m.Clear(fd)
		case depth > 1 && fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				paths = append(paths, clearResource(l.Get(i).Message(), resource, fmt.Sprintf("%s[%d].", path, i), depth-1)...)
			}
		case depth > 1:
			paths = append(paths, clearResource(v.Message(), resource, path+".", depth-1)...)
		}
		return true
	})
	for i, p := range paths {
		paths[i] = strings.TrimSuffix(p, ".")
	}
	return paths
}

// ruleKinds are the kinds of validation rules a message carries: pv
// protovalidate's, pgv protoc-gen-validate's, formats AIP-202's
// (google.api.field_info).format. Each walk runs only where its kind is
// found.
type ruleKinds struct{ pv, pgv, formats bool }

func (k ruleKinds) any() bool { return k.pv || k.pgv || k.formats }

// rulesIn are the kinds of rules md, or a message it holds other than
// the resource (named skip; none when empty), carries.
func rulesIn(md protoreflect.MessageDescriptor, skip protoreflect.FullName, seen map[protoreflect.FullName]bool) ruleKinds {
	var k ruleKinds
	if md.FullName() == skip || seen[md.FullName()] {
		return k
	}
	seen[md.FullName()] = true
	k.pv = proto.HasExtension(md.Options(), bufvalidate.E_Message)
	oneofs := md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		o := oneofs.Get(i).Options()
		k.pv = k.pv || proto.HasExtension(o, bufvalidate.E_Oneof)
		k.pgv = k.pgv || proto.HasExtension(o, pgvpb.E_Required)
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		k.pv = k.pv || proto.HasExtension(fd.Options(), bufvalidate.E_Field)
		k.pgv = k.pgv || proto.HasExtension(fd.Options(), pgvpb.E_Rules)
		k.formats = k.formats || formatOf(fd) != annotations.FieldInfo_FORMAT_UNSPECIFIED
		if fd.IsMap() {
			fd = fd.MapValue()
		}
		if fd.Message() != nil {
			in := rulesIn(fd.Message(), skip, seen)
			k.pv, k.pgv, k.formats = k.pv || in.pv, k.pgv || in.pgv, k.formats || in.formats
		}
	}
	return k
}

// hasRefs reports whether p sets a google.api.resource_reference field.
func (s *Service) hasRefs(p proto.Message) bool {
	for _, c := range s.refs {
		if p.ProtoReflect().Get(c.fd).String() != "" {
			return true
		}
	}
	for _, c := range s.listRefs {
		if p.ProtoReflect().Get(c.fd).List().Len() > 0 {
			return true
		}
	}
	return false
}

// checkTargets checks on q, before a Create of p, what p names: its
// references (checkRefsOn), its foreign keys to models with a tenant
// field (tenantForeignKeys, of the fields of paths; nil: all) and its held
// parent (checkHeldParent), in the caller's tenant, with prefix before
// the fields' paths.
func (s *Service) checkTargets(q querier, tenant tenantScope, p proto.Message, prefix string, paths []string) error {
	if err := s.checkRefsOn(q, tenant, p, prefix, paths); err != nil {
		return err
	}
	if err := s.tenantForeignKeys(q, tenant, p, prefix, paths); err != nil {
		return err
	}
	return s.checkHeldParent(q, tenant, p, "")
}

// checkRefsOn checks on q that every google.api.resource_reference field
// of p that is set names a resource that exists (and is not deleted, and
// is of the caller's tenant where it has a tenant field), and so does
// every name of a list of them that a write of paths (nil: all) writes; a
// name of the wrong form or of a missing resource is InvalidArgument
// naming the field under prefix (the element, book.authors[2], in a list).
func (s *Service) checkRefsOn(q querier, tenant tenantScope, p proto.Message, prefix string, paths []string) error {
	vs, err := s.missingRefs(q, tenant, p, prefix, paths)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		return InvalidArgument("", vs...)
	}
	return nil
}

// missingRefs lists the references of p that checkRefsOn refuses, those
// of lists of paths (nil: all) included, and locks the rows of those it
// accepts.
func (s *Service) missingRefs(db querier, tenant tenantScope, p proto.Message, prefix string, paths []string) ([]FieldViolation, error) {
	r := p.ProtoReflect()
	var vs []FieldViolation
	for _, c := range s.refs {
		name := r.Get(c.fd).String()
		if name == "" {
			continue
		}
		ref := c.RefersTo
		if slices.Contains(ref.Literals, name) {
			// A name that no stored resource has (`_deleted-topic_`):
			// stored as sent, its key columns NULL.
			continue
		}
		field := joinPath(prefix, c.Path)
		ids, err := scanIDs(ref.Pattern, name, len(ref.Columns))
		if err != nil {
			vs = append(vs, FieldViolation{Field: field, Description: fmt.Sprintf("want a %s name, %s, got %q", ref.Name, ormrt.PatternText(ref.Pattern), name)})
			continue
		}
		// The row found stays locked until the write commits, so that a
		// concurrent Delete of it waits and then sees the reference.
		// Another tenant's resource does not exist, to the caller.
		found, err := s.existsInTenant(db, ref.Tenant, tenant, ref.Table, ref.Columns, anys(ids), ref.DeleteTime, true)
		if err != nil {
			return nil, err
		}
		if !found {
			vs = append(vs, FieldViolation{Field: field, Description: fmt.Sprintf("%s %q does not exist", ref.Name, name)})
		}
	}
	for _, c := range s.listRefs {
		if !inPaths(paths, c.Path) {
			continue
		}
		missing, err := s.missingInList(db, tenant, c, r.Get(c.fd).List(), joinPath(prefix, c.Path))
		if err != nil {
			return nil, err
		}
		vs = append(vs, missing...)
	}
	return vs, nil
}

// rulesSeeTimes reports whether a validation rule could see the values of
// the create and update times: a rule of theirs (protovalidate's,
// protoc-gen-validate's, a format, REQUIRED), a rule of the resource's
// message, which may read any field, or a oneof holding one.
func (s *Service) rulesSeeTimes() bool {
	md := s.desc
	if proto.HasExtension(md.Options(), bufvalidate.E_Message) {
		return true
	}
	for _, c := range []*column{s.createTime, s.updateTime} {
		if c == nil || c.fd == nil {
			continue
		}
		fd := c.fd
		if fd.ContainingOneof() != nil || slices.Contains(s.fb.required, fd) ||
			proto.HasExtension(fd.Options(), bufvalidate.E_Field) || proto.HasExtension(fd.Options(), pgvpb.E_Rules) ||
			formatOf(fd) != annotations.FieldInfo_FORMAT_UNSPECIFIED {
			return true
		}
	}
	return false
}
