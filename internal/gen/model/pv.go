package model

import (
	"errors"
	"strings"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// pvRules refuses the protovalidate rules that do not compile: a CEL
// expression that does not type-check, a predefined rule that is not
// known, standard rules that do not fit their field. The generated
// servers would answer Internal to every write of such a message: the
// rule is an error here, with its position. The messages checked are
// pgvRules's.
func (b *builder) pvRules(gen *protogen.Plugin) {
	files := new(protoregistry.Files)
	for _, f := range gen.Files {
		// A file registered twice is one of a name already there.
		_ = files.RegisterFile(f.Desc)
	}
	v, err := protovalidate.New(protovalidate.WithExtensionTypeResolver(extensionResolver{dynamicpb.NewTypes(files)}))
	if err != nil {
		panic(err)
	}
	b.eachCheckedMessage(gen, func(md protoreflect.MessageDescriptor) {
		file := gen.FilesByPath[md.ParentFile().Path()]
		if file == nil {
			return
		}
		for _, p := range pvProblems(v, md) {
			b.errorf(file, p.desc, "its protovalidate rules do not compile: %s; fix them", p.text)
		}
	})
}

// pvProblem is a rule of desc, a field or message, that does not compile.
type pvProblem struct {
	desc protoreflect.Descriptor
	text string
}

// pvProblems are the rules of md's fields and md itself that do not
// compile. protovalidate compiles rules when it first validates a message
// of their type, and reports the first that fails: the failing rule is
// the last that it asked the filter about, which is left out of the next
// validation, until none fails. A field that holds a message whose rules
// do not compile is reported at that message, not at the field.
func pvProblems(v protovalidate.Validator, md protoreflect.MessageDescriptor) []pvProblem {
	var out []pvProblem
	skip := map[protoreflect.Descriptor]bool{}
	var last protoreflect.Descriptor
	filter := protovalidate.FilterFunc(func(_ protoreflect.Message, d protoreflect.Descriptor) bool {
		last = d
		return !skip[d]
	})
	// Every field and md are asked about once each at most.
	for range md.Fields().Len() + 2 {
		last = nil
		err := v.Validate(dynamicpb.NewMessage(md), protovalidate.WithFilter(filter))
		var ce *protovalidate.CompilationError
		if !errors.As(err, &ce) || last == nil || skip[last] {
			return out
		}
		skip[last] = true
		if fd, ok := last.(protoreflect.FieldDescriptor); ok && fd.Message() != nil && ce.Unwrap() != nil &&
			strings.HasPrefix(ce.Unwrap().Error(), "failed to compile embedded type ") {
			// The rules of the message the field holds, which that
			// message reports.
			continue
		}
		out = append(out, pvProblem{last, compilationText(ce)})
	}
	return out
}

// compilationText is a CompilationError's text on one line.
func compilationText(ce *protovalidate.CompilationError) string {
	text := ce.Error()
	if cause := ce.Unwrap(); cause != nil {
		text = cause.Error()
	}
	return strings.Join(strings.Fields(text), " ")
}

// extensionResolver finds the extensions of predefined rules linked into
// the plugin, then those the request's files declare.
type extensionResolver struct{ files *dynamicpb.Types }

func (r extensionResolver) FindExtensionByName(name protoreflect.FullName) (protoreflect.ExtensionType, error) {
	if t, err := protoregistry.GlobalTypes.FindExtensionByName(name); err == nil {
		return t, nil
	}
	return r.files.FindExtensionByName(name)
}

func (r extensionResolver) FindExtensionByNumber(message protoreflect.FullName, field protoreflect.FieldNumber) (protoreflect.ExtensionType, error) {
	if t, err := protoregistry.GlobalTypes.FindExtensionByNumber(message, field); err == nil {
		return t, nil
	}
	return r.files.FindExtensionByNumber(message, field)
}
