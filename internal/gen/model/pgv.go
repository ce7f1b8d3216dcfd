package model

import (
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt/pgv"
)

// pgvRules refuses the protoc-gen-validate rules that the generated CRUD
// servers cannot enforce, or that PGV itself refuses: a rule kind that does
// not fit its field, a pattern RE2 rejects, contradictory bounds (see
// pgv.Problems). Validation is complete or refused: a rule the server would
// skip is an error here, with its position. Every field of every model, of
// every request of a standard method, and of every message they hold, at
// any depth, is checked once.
func (b *builder) pgvRules(gen *protogen.Plugin) {
	b.eachCheckedMessage(gen, func(md protoreflect.MessageDescriptor) {
		file := gen.FilesByPath[md.ParentFile().Path()]
		if file == nil {
			return
		}
		fields := md.Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			for _, p := range pgv.Problems(fd) {
				b.errorf(file, fd, "%s", p)
			}
		}
	})
}

// eachCheckedMessage calls fn once with every message whose rules the
// generated servers apply: every model, every request of a standard
// method, and every message they hold, at any depth.
func (b *builder) eachCheckedMessage(gen *protogen.Plugin, fn func(protoreflect.MessageDescriptor)) {
	seen := map[protoreflect.FullName]bool{}
	var visit func(md protoreflect.MessageDescriptor)
	visit = func(md protoreflect.MessageDescriptor) {
		if seen[md.FullName()] {
			return
		}
		seen[md.FullName()] = true
		fn(md)
		fields := md.Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			if fd.IsMap() {
				fd = fd.MapValue()
			}
			if fd.Message() != nil {
				visit(fd.Message())
			}
		}
	}
	for _, m := range b.s.Models {
		visit(m.Desc)
	}
	for _, svc := range b.s.Services {
		for _, m := range svc.Methods {
			visit(m.Input.Desc)
		}
	}
}
