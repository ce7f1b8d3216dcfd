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
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gorm.io/gorm"
)

// immutable refuses changes of IMMUTABLE fields (AIP-203).
func (s *Service) immutable(stored, next proto.Message) error {
	var vs []FieldViolation
	a, b := stored.ProtoReflect(), next.ProtoReflect()
	for _, fd := range s.fb.immutable {
		if !a.Get(fd).Equal(b.Get(fd)) {
			vs = append(vs, FieldViolation{Field: joinPath(s.res.Field, string(fd.Name())), Description: "is immutable: it cannot change after creation"})
		}
	}
	if len(vs) > 0 {
		return InvalidArgument("", vs...)
	}
	return nil
}

// validate checks p, the message a write stores, against its
// protovalidate and protoc-gen-validate rules, its REQUIRED fields and the
// columns' own limits, and lists every violation. p's values with an
// AIP-202 format are first written in their canonical form, as stored
// (see canonicalValue).
func (s *Service) validate(p proto.Message) error {
	var vs []FieldViolation
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
	if s.rules.pv {
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
	if unassigned != "" {
		vs = slices.DeleteFunc(vs, func(v FieldViolation) bool { return v.Field == unassigned })
	}
	if len(vs) > 0 {
		return InvalidArgument("", vs...)
	}
	return nil
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
// fields under prefix.
func (s *Service) pvViolations(prefix string, m proto.Message) ([]FieldViolation, error) {
	err := s.v.Validate(m)
	if err == nil {
		return nil, nil
	}
	var ve *protovalidate.ValidationError
	if !errors.As(err, &ve) {
		return nil, Errorf(connect.CodeInternal, "validation: %v", err)
	}
	out := make([]FieldViolation, len(ve.Violations))
	for i, v := range ve.Violations {
		out[i] = FieldViolation{Field: joinPath(prefix, protovalidate.FieldPathString(v.Proto.GetField())), Description: v.Proto.GetMessage()}
	}
	return out, nil
}

// requestInfoOf finds what checking requests of type md takes.
func (s *Service) requestInfoOf(md protoreflect.MessageDescriptor) *requestInfo {
	return &requestInfo{
		rules:    rulesIn(md, s.desc.FullName(), map[protoreflect.FullName]bool{}),
		required: readBehaviors(md).required,
	}
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
	if !info.rules.any() {
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
	return false
}

// checkRefs checks on db that every google.api.resource_reference field
// of p that is set names a resource that exists (and is not deleted); a
// name of the wrong form or of a missing resource is InvalidArgument
// naming the field under prefix.
func (s *Service) checkRefs(db *gorm.DB, p proto.Message, prefix string) error {
	return s.checkRefsOn(gormQuerier{db}, p, prefix)
}

// checkRefsOn is checkRefs on q.
func (s *Service) checkRefsOn(q querier, p proto.Message, prefix string) error {
	vs, err := s.missingRefs(q, p, prefix)
	if err != nil {
		return err
	}
	if len(vs) > 0 {
		return InvalidArgument("", vs...)
	}
	return nil
}

// missingRefs lists the references of p that checkRefs refuses, and
// locks the rows of those it accepts.
func (s *Service) missingRefs(db querier, p proto.Message, prefix string) ([]FieldViolation, error) {
	r := p.ProtoReflect()
	var vs []FieldViolation
	for _, c := range s.refs {
		name := r.Get(c.fd).String()
		if name == "" {
			continue
		}
		ref := c.RefersTo
		field := joinPath(prefix, c.Path)
		ids, err := scanIDs(ref.Pattern, name, len(ref.Columns))
		if err != nil {
			vs = append(vs, FieldViolation{Field: field, Description: fmt.Sprintf("want a %s name, %s, got %q", ref.Name, ref.Pattern, name)})
			continue
		}
		// The row found stays locked until the write commits, so that a
		// concurrent Delete of it waits and then sees the reference.
		found, err := s.exists(db, ref.Table, ref.Columns, anys(ids), ref.DeleteTime, true)
		if err != nil {
			return nil, err
		}
		if !found {
			vs = append(vs, FieldViolation{Field: field, Description: fmt.Sprintf("%s %q does not exist", ref.Name, name)})
		}
	}
	return vs, nil
}
