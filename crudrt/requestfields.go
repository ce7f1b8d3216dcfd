package crudrt

import (
	"fmt"
	"slices"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// Unsupported refuses a request that sets one of the fields at paths,
// which the generated method does not serve (protoc-gen-crud warns of
// each): InvalidArgument with a violation per field set, so that nothing
// a client asks for is silently dropped. A path "requests.request_id"
// looks into each element of the repeated message field requests
// ("requests[2].request_id" in the violation).
func Unsupported(req proto.Message, paths ...string) error {
	if req == nil {
		return nil
	}
	var vs []FieldViolation
	for _, p := range paths {
		vs = unsupported(req.ProtoReflect(), "", strings.Split(p, "."), vs)
	}
	if len(vs) > 0 {
		return InvalidArgument("", vs...)
	}
	return nil
}

func unsupported(m protoreflect.Message, prefix string, path []string, vs []FieldViolation) []FieldViolation {
	fd := m.Descriptor().Fields().ByName(protoreflect.Name(path[0]))
	if fd == nil || !m.Has(fd) {
		return vs
	}
	name := prefix + path[0]
	if len(path) == 1 {
		return append(vs, FieldViolation{Field: name, Description: "is not supported by this server: leave it unset"})
	}
	switch {
	case fd.IsList() && fd.Message() != nil:
		l := m.Get(fd).List()
		for i := 0; i < l.Len(); i++ {
			vs = unsupported(l.Get(i).Message(), fmt.Sprintf("%s[%d].", name, i), path[1:], vs)
		}
	case fd.Message() != nil && !fd.IsMap():
		vs = unsupported(m.Get(fd).Message(), name+".", path[1:], vs)
	}
	return vs
}

// ReadMask is an AIP-157 read mask checked against the resource: Apply
// leaves in a response only the fields it names, and the required fields
// (proto2's, editions' LEGACY_REQUIRED) of every message it keeps, without
// which a message does not marshal. The zero ReadMask (no
// mask, or "*") keeps every field. A ReadMask of Service.ReadMask also
// clears the resource's INPUT_ONLY fields (AIP-203), as every response of
// the standard methods does.
type ReadMask struct {
	tree maskTree
	// hide are the resource's INPUT_ONLY fields, which no response holds
	// (AIP-203), and nested those of the messages it holds.
	hide   []protoreflect.FieldDescriptor
	nested *nestedPlan
	// res is the resource's message, whose responses are hidden from.
	res protoreflect.MessageDescriptor
}

// maskTree is a field mask as a tree of field names: a nil node keeps
// the whole field.
type maskTree map[protoreflect.Name]*maskNode

// maskNode is the part of a field that a mask keeps: some fields of a
// message, or some entries of a map (AIP-161 paths such as "labels.env").
type maskNode struct {
	fields maskTree
	// entries are the keys kept, as protoreflect.MapKey.Interface()
	// gives them (MapKey itself does not compare by value).
	entries map[any]bool
}

// ReadMask checks mask, the request's read_mask, against the resource's
// message: a path that names no field, goes through a repeated field or
// a scalar, or goes past a map's entry, is InvalidArgument naming
// read_mask. A path may end at one entry of a map ("labels.env", or
// "labels.`a.b`" for a key that is not an identifier, AIP-161): the map
// then keeps only the entries named. An empty mask and "*" keep every
// field (AIP-157).
func (s *Service) ReadMask(mask *fieldmaskpb.FieldMask) (ReadMask, error) {
	paths := mask.GetPaths()
	if len(paths) == 0 || (len(paths) == 1 && paths[0] == "*") {
		return s.hidden, nil
	}
	tree := maskTree{}
	for _, p := range paths {
		if inputOnlyPath(s.desc, p) {
			return ReadMask{}, InvalidArgument("", FieldViolation{Field: "read_mask", Description: fmt.Sprintf("%q is INPUT_ONLY: no response holds it (AIP-203)", p)})
		}
		if err := tree.add(s.desc, p); err != nil {
			return ReadMask{}, InvalidArgument("", FieldViolation{Field: "read_mask", Description: err.Error()})
		}
	}
	rm := s.hidden
	rm.tree = tree
	return rm, nil
}

func (t maskTree) add(md protoreflect.MessageDescriptor, path string) error {
	if path == "*" {
		return fmt.Errorf("%q: \"*\" stands alone in a read mask", path)
	}
	// A map key in backticks may hold dots.
	segs := splitUnquoted(path, '.')
	node := t
	for i, seg := range segs {
		fd := md.Fields().ByName(protoreflect.Name(seg))
		if fd == nil {
			return fmt.Errorf("%q: %s has no field %q", path, md.FullName(), seg)
		}
		last := i == len(segs)-1
		if !last && fd.IsMap() {
			// What follows is one key of the map, as in an update mask.
			_, key, _, err := mapKey(path, fd, strings.Join(segs[i+1:], "."))
			if err != nil {
				return err
			}
			child, seen := node[fd.Name()]
			switch {
			case seen && child == nil:
				// The whole map is kept already.
			case !seen:
				node[fd.Name()] = &maskNode{entries: map[any]bool{key.Interface(): true}}
			default:
				child.entries[key.Interface()] = true
			}
			return nil
		}
		if !last && (fd.Message() == nil || fd.IsList()) {
			return fmt.Errorf("%q: %s is not a singular message, so a path cannot go into it", path, fd.Name())
		}
		child, seen := node[fd.Name()]
		switch {
		case seen && child == nil:
			// The whole field is kept already.
			return nil
		case last:
			node[fd.Name()] = nil
			return nil
		case !seen:
			child = &maskNode{fields: maskTree{}}
			node[fd.Name()] = child
		}
		node, md = child.fields, fd.Message()
	}
	return nil
}

// Apply leaves in m only the fields of the mask, and passes err through.
func (r ReadMask) Apply(m proto.Message, err error) (proto.Message, error) {
	if err == nil && m != nil {
		r.apply(m.ProtoReflect())
	}
	return m, err
}

// ApplyAll is Apply for each message of a List or batch call.
func (r ReadMask) ApplyAll(ms []proto.Message, err error) ([]proto.Message, error) {
	if err == nil {
		for _, m := range ms {
			if m != nil {
				r.apply(m.ProtoReflect())
			}
		}
	}
	return ms, err
}

// apply prunes m to the mask and clears its hidden fields.
func (r ReadMask) apply(m protoreflect.Message) {
	if r.tree != nil {
		r.tree.prune(m)
	}
	if r.res == nil || m.Descriptor() != r.res {
		return // nothing hidden, or not the resource (Empty)
	}
	for _, fd := range r.hide {
		m.Clear(fd)
	}
	r.nested.hideInputOnly(m)
}

func (t maskTree) prune(m protoreflect.Message) {
	// Range allows changes to the field it is at.
	m.Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
		child, keep := t[fd.Name()]
		switch {
		case !keep && fd.Cardinality() == protoreflect.Required:
			// proto2's required (editions' LEGACY_REQUIRED): a message
			// without it does not marshal, so every mask keeps it.
		case !keep:
			m.Clear(fd)
		case child == nil:
		case fd.IsMap():
			// The entries not named go; a key named that the map does
			// not hold stays absent.
			entries := m.Mutable(fd).Map()
			var drop []protoreflect.MapKey
			entries.Range(func(k protoreflect.MapKey, _ protoreflect.Value) bool {
				if !child.entries[k.Interface()] {
					drop = append(drop, k)
				}
				return true
			})
			for _, k := range drop {
				entries.Clear(k)
			}
			if entries.Len() == 0 {
				m.Clear(fd)
			}
		default:
			child.fields.prune(m.Mutable(fd).Message())
		}
		return true
	})
}

// hiddenMask is the ReadMask of a response without a read mask
// (Service.hidden): every field but the INPUT_ONLY ones.
func (s *Service) hiddenMask() ReadMask {
	if len(s.fb.inputOnly) == 0 && !s.nested.hasInputOnly() {
		return ReadMask{}
	}
	return ReadMask{hide: s.fb.inputOnly, nested: s.nested, res: s.desc}
}

// inputOnlyPath reports whether a field path names an INPUT_ONLY field, or
// goes through one.
func inputOnlyPath(md protoreflect.MessageDescriptor, path string) bool {
	for _, seg := range strings.Split(path, ".") {
		if md == nil {
			return false
		}
		fd := md.Fields().ByName(protoreflect.Name(seg))
		if fd == nil {
			return false
		}
		if slices.Contains(fieldBehaviors(fd), annotations.FieldBehavior_INPUT_ONLY) {
			return true
		}
		if fd.IsMap() {
			return false // a map key follows
		}
		md = fd.Message()
	}
	return false
}
