package crudrt

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// nestedPlan holds the google.api.field_behavior marks that matter below
// the resource's own fields (AIP-203): REQUIRED, OUTPUT_ONLY and
// INPUT_ONLY fields of the messages the resource holds, at any depth. The
// resource's own fields are read by readBehaviors; well-known types have
// none.
type nestedPlan struct {
	required, outputOnly, inputOnly []protoreflect.FieldDescriptor
	// sub are the message fields (singular, repeated or map values) whose
	// messages have marks of their own or below.
	sub []nestedField
}

type nestedField struct {
	fd   protoreflect.FieldDescriptor
	plan *nestedPlan
}

// nestedPlanOf is the plan of md's message fields, or nil when no message
// below md has a mark. The plans of recursive messages refer to
// themselves: the walks follow the message they are given, which ends,
// so that a mark holds at any depth a message has.
func nestedPlanOf(md protoreflect.MessageDescriptor) *nestedPlan {
	// The messages below md, their own marks, and the message fields
	// that lead from each to the next.
	own := map[protoreflect.FullName]*nestedPlan{}
	var order []protoreflect.MessageDescriptor
	var visit func(protoreflect.MessageDescriptor)
	visit = func(m protoreflect.MessageDescriptor) {
		if own[m.FullName()] != nil || strings.HasPrefix(string(m.FullName()), "google.protobuf.") {
			return
		}
		b := readBehaviors(m)
		p := &nestedPlan{required: b.required, inputOnly: b.inputOnly}
		fields := m.Fields()
		for i := range fields.Len() {
			if fd := fields.Get(i); b.outputOnly[fd] {
				p.outputOnly = append(p.outputOnly, fd)
			}
		}
		own[m.FullName()] = p
		order = append(order, m)
		eachMessageField(m, func(_ protoreflect.FieldDescriptor, sub protoreflect.MessageDescriptor) { visit(sub) })
	}
	eachMessageField(md, func(_ protoreflect.FieldDescriptor, sub protoreflect.MessageDescriptor) { visit(sub) })
	// A message matters when it has marks or holds one that matters:
	// marked messages first, then those that hold them, until none is
	// added (a cycle adds nothing new).
	matters := map[protoreflect.FullName]bool{}
	for _, m := range order {
		p := own[m.FullName()]
		matters[m.FullName()] = len(p.required) > 0 || len(p.outputOnly) > 0 || len(p.inputOnly) > 0
	}
	for changed := true; changed; {
		changed = false
		for _, m := range order {
			if matters[m.FullName()] {
				continue
			}
			eachMessageField(m, func(_ protoreflect.FieldDescriptor, sub protoreflect.MessageDescriptor) {
				if matters[sub.FullName()] && !matters[m.FullName()] {
					matters[m.FullName()], changed = true, true
				}
			})
		}
	}
	link := func(m protoreflect.MessageDescriptor, p *nestedPlan) {
		eachMessageField(m, func(fd protoreflect.FieldDescriptor, sub protoreflect.MessageDescriptor) {
			if matters[sub.FullName()] {
				p.sub = append(p.sub, nestedField{fd, own[sub.FullName()]})
			}
		})
	}
	for _, m := range order {
		if matters[m.FullName()] {
			link(m, own[m.FullName()])
		}
	}
	// md's own marks are readBehaviors', not the plan's.
	root := &nestedPlan{}
	link(md, root)
	if len(root.sub) == 0 {
		return nil
	}
	return root
}

// eachMessageField calls fn with each field of md that holds messages
// (singular, repeated or map values) and the message it holds.
func eachMessageField(md protoreflect.MessageDescriptor, fn func(protoreflect.FieldDescriptor, protoreflect.MessageDescriptor)) {
	fields := md.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		m := fd.Message()
		if fd.IsMap() {
			m = fd.MapValue().Message()
		}
		if m != nil && !strings.HasPrefix(string(m.FullName()), "google.protobuf.") {
			fn(fd, m)
		}
	}
}

// maxRequiredViolations bounds the REQUIRED fields one answer names: a
// message nested ten thousand deep could miss one at every level.
const maxRequiredViolations = 100

// nestedPath is the path of a message of a walk, built as it goes deeper
// one segment at a time and spelled out only for a violation: spelling
// every prefix would cost the square of the depth.
type nestedPath struct {
	parent *nestedPath
	// seg is the segment ("a", "a[2]", `a["key"]`) after the parent's
	// path, or the whole path when parent is nil.
	seg string
}

// String spells p out.
func (p *nestedPath) String() string {
	var segs []string
	for q := p; q != nil; q = q.parent {
		segs = append(segs, q.seg)
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		if b.Len() > 0 && segs[i] != "" {
			b.WriteByte('.')
		}
		b.WriteString(segs[i])
	}
	return b.String()
}

// each calls fn with every message that field f of m holds, and its path
// under prefix: "a", "a[2]", `a["key"]`.
func (f nestedField) each(m protoreflect.Message, prefix *nestedPath, fn func(protoreflect.Message, *nestedPath)) {
	if !m.Has(f.fd) {
		return
	}
	name := string(f.fd.Name())
	v := m.Get(f.fd)
	switch {
	case f.fd.IsList():
		l := v.List()
		for i := range l.Len() {
			fn(l.Get(i).Message(), &nestedPath{prefix, fmt.Sprintf("%s[%d]", name, i)})
		}
	case f.fd.IsMap():
		v.Map().Range(func(k protoreflect.MapKey, v protoreflect.Value) bool {
			fn(v.Message(), &nestedPath{prefix, fmt.Sprintf("%s[%q]", name, k.String())})
			return true
		})
	default:
		fn(m.Mutable(f.fd).Message(), &nestedPath{prefix, name})
	}
}

// requiredViolations lists the REQUIRED fields that are not set in the
// messages m holds (a REQUIRED field of a message that is not there is
// not required), with their paths under prefix.
func (p *nestedPlan) requiredViolations(m protoreflect.Message, prefix string) []FieldViolation {
	var vs []FieldViolation
	p.required1(m, &nestedPath{seg: prefix}, &vs)
	return vs
}

func (p *nestedPlan) required1(m protoreflect.Message, prefix *nestedPath, vs *[]FieldViolation) {
	if p == nil {
		return
	}
	for _, f := range p.sub {
		f.each(m, prefix, func(sub protoreflect.Message, path *nestedPath) {
			if len(*vs) >= maxRequiredViolations {
				return
			}
			for _, fd := range f.plan.required {
				if !sub.Has(fd) {
					*vs = append(*vs, FieldViolation{Field: joinPath(path.String(), string(fd.Name())), Description: "is required"})
				}
			}
			f.plan.required1(sub, path, vs)
		})
	}
}

// clearOutputOnly clears the OUTPUT_ONLY fields of the messages m holds:
// values a client sent, which are the server's (AIP-203).
func (p *nestedPlan) clearOutputOnly(m protoreflect.Message) {
	p.clear(m, func(q *nestedPlan) []protoreflect.FieldDescriptor { return q.outputOnly })
}

// hideInputOnly clears the INPUT_ONLY fields of the messages m holds, a
// response: no response holds them (AIP-203).
func (p *nestedPlan) hideInputOnly(m protoreflect.Message) {
	p.clear(m, func(q *nestedPlan) []protoreflect.FieldDescriptor { return q.inputOnly })
}

// clear clears, in every message m holds at any depth, the fields that
// which picks from that message's plan.
func (p *nestedPlan) clear(m protoreflect.Message, which func(*nestedPlan) []protoreflect.FieldDescriptor) {
	if p == nil {
		return
	}
	for _, f := range p.sub {
		f.each(m, nil, func(sub protoreflect.Message, _ *nestedPath) {
			for _, fd := range which(f.plan) {
				sub.Clear(fd)
			}
			f.plan.clear(sub, which)
		})
	}
}

// keepOutputOnly gives the messages of next, the resource an update
// writes, the OUTPUT_ONLY values of stored, the resource it read: a
// message both hold in the same singular field keeps its stored values; in
// any other (one the update brought, a list or map element) they are
// cleared. Only the top-level fields touched by paths are visited: the
// others are stored's already.
func (p *nestedPlan) keepOutputOnly(next, stored protoreflect.Message, paths []string) {
	if p == nil {
		return
	}
	for _, f := range p.sub {
		name := string(f.fd.Name())
		touched := false
		for _, path := range paths {
			if path == name || strings.HasPrefix(path, name+".") {
				touched = true
				break
			}
		}
		if touched {
			f.keep(next, stored)
		}
	}
}

// keep reconciles field f of next with stored's, as keepOutputOnly says.
func (f nestedField) keep(next, stored protoreflect.Message) {
	if f.fd.IsList() || f.fd.IsMap() || !stored.Has(f.fd) || !next.Has(f.fd) {
		f.each(next, nil, func(sub protoreflect.Message, _ *nestedPath) {
			for _, fd := range f.plan.outputOnly {
				sub.Clear(fd)
			}
			f.plan.clearOutputOnly(sub)
		})
		return
	}
	n, s := next.Mutable(f.fd).Message(), stored.Get(f.fd).Message()
	for _, fd := range f.plan.outputOnly {
		if s.Has(fd) {
			n.Set(fd, s.Get(fd))
		} else {
			n.Clear(fd)
		}
	}
	for _, sub := range f.plan.sub {
		sub.keep(n, s)
	}
}

// hasInputOnly reports whether a message below the resource has an
// INPUT_ONLY field.
func (p *nestedPlan) hasInputOnly() bool {
	seen := map[*nestedPlan]bool{}
	var has func(*nestedPlan) bool
	has = func(q *nestedPlan) bool {
		if q == nil || seen[q] {
			return false
		}
		seen[q] = true
		if len(q.inputOnly) > 0 {
			return true
		}
		for _, f := range q.sub {
			if has(f.plan) {
				return true
			}
		}
		return false
	}
	return has(p)
}
