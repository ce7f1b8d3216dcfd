package crudrt

import (
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt/pgv"
)

// behaviors are the google.api.field_behavior marks of a message's fields.
type behaviors struct {
	// required and immutable are in declaration order, the order of the
	// violations reported.
	required, immutable []protoreflect.FieldDescriptor
	outputOnly          map[protoreflect.FieldDescriptor]bool
	// inputOnly are the INPUT_ONLY fields (AIP-203): stored as written,
	// never in a response.
	inputOnly []protoreflect.FieldDescriptor
}

func readBehaviors(md protoreflect.MessageDescriptor) behaviors {
	b := behaviors{outputOnly: map[protoreflect.FieldDescriptor]bool{}}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if fd.Cardinality() == protoreflect.Required {
			// proto2's required (editions' LEGACY_REQUIRED): a message
			// without it does not marshal, so it is never stored.
			b.required = appendOnce(b.required, fd)
		}
		for _, fb := range fieldBehaviors(fd) {
			switch fb {
			case annotations.FieldBehavior_REQUIRED:
				b.required = appendOnce(b.required, fd)
			case annotations.FieldBehavior_OUTPUT_ONLY:
				b.outputOnly[fd] = true
			case annotations.FieldBehavior_IMMUTABLE:
				b.immutable = appendOnce(b.immutable, fd)
			case annotations.FieldBehavior_INPUT_ONLY:
				b.inputOnly = appendOnce(b.inputOnly, fd)
			}
		}
	}
	return b
}

// appendOnce appends fd to fds, the fields read so far in declaration
// order, unless it is already the last one (a behavior given twice).
func appendOnce(fds []protoreflect.FieldDescriptor, fd protoreflect.FieldDescriptor) []protoreflect.FieldDescriptor {
	if len(fds) > 0 && fds[len(fds)-1] == fd {
		return fds
	}
	return append(fds, fd)
}

// pgvViolations checks the protoc-gen-validate rules (`validate.rules`,
// `validate.required`, …) of m and of every message it holds; see package
// pgv. Paths are prefixed with prefix.
func pgvViolations(prefix string, m protoreflect.Message) []FieldViolation {
	vs := pgv.Check(m)
	if len(vs) == 0 {
		return nil
	}
	out := make([]FieldViolation, len(vs))
	for i, v := range vs {
		out[i] = FieldViolation{Field: joinPath(prefix, v.Field), Description: v.Description}
	}
	return out
}

// fieldBehaviors are fd's google.api.field_behavior marks.
func fieldBehaviors(fd protoreflect.FieldDescriptor) []annotations.FieldBehavior {
	fb, _ := proto.GetExtension(fd.Options(), annotations.E_FieldBehavior).([]annotations.FieldBehavior)
	return fb
}
