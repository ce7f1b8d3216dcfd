package crudrt

import (
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
	// Deletes answer Empty, which protos name in operation_info without
	// importing it: it is linked here, so that it is always found.
	_ "google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// OperationName is the message long-running methods return (AIP-151).
const OperationName = "google.longrunning.Operation"

// lroTypes are the messages a long-running method answers with, and the
// fields it sets.
type lroTypes struct {
	op, meta                     protoreflect.MessageType
	name, done, response, metaFd protoreflect.FieldDescriptor
	// The metadata's fields AIP-151's examples give it, where it has
	// them: create_time and end_time (Timestamp), target and verb (string);
	// start_time stands for create_time where there is none (Firestore's,
	// Spanner's metadata).
	createTime, endTime, target, verb protoreflect.FieldDescriptor
}

// optionalField is the field name of shape of metadata message md,
// outside any oneof, or nil.
func optionalField(md protoreflect.MessageDescriptor, name protoreflect.Name, shape string) protoreflect.FieldDescriptor {
	if fd := md.Fields().ByName(name); fd != nil && shapeIs(fd, shape) && (fd.ContainingOneof() == nil || fd.ContainingOneof().IsSynthetic()) {
		return fd
	}
	return nil
}

// resolveLRO finds google.longrunning.Operation and the metadata message
// among the linked types and checks the operation's fields.
func resolveLRO(metadata string) (*lroTypes, error) {
	op, err := protoregistry.GlobalTypes.FindMessageByName(OperationName)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (the generated code of the proto that returns it links it)", OperationName, err)
	}
	meta, err := protoregistry.GlobalTypes.FindMessageByName(protoreflect.FullName(metadata))
	if err != nil {
		return nil, fmt.Errorf("operation metadata %s: %w", metadata, err)
	}
	l := &lroTypes{op: op, meta: meta}
	fields := op.Descriptor().Fields()
	var errs []error
	want := func(name protoreflect.Name, shape string) protoreflect.FieldDescriptor {
		fd := fields.ByName(name)
		if fd == nil || !shapeIs(fd, shape) {
			errs = append(errs, fmt.Errorf("%s has no field %s of %s", OperationName, name, shape))
			return nil
		}
		return fd
	}
	l.name, l.done = want("name", "string"), want("done", "bool")
	l.response, l.metaFd = want("response", "google.protobuf.Any"), want("metadata", "google.protobuf.Any")
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	md := meta.Descriptor()
	l.createTime, l.endTime = optionalField(md, "create_time", "google.protobuf.Timestamp"), optionalField(md, "end_time", "google.protobuf.Timestamp")
	if l.createTime == nil {
		l.createTime = optionalField(md, "start_time", "google.protobuf.Timestamp")
	}
	l.target, l.verb = optionalField(md, "target", "string"), optionalField(md, "verb", "string")
	return l, nil
}

// operation is the done long-running operation that answers method m
// with out: named operations/<uuid>, its response out, its metadata
// telling when it began and ended (both now: it is done when returned),
// its target (see target) and its verb.
func (s *Service) operation(m *method, out proto.Message, began time.Time, target string) (proto.Message, error) {
	l := m.lro
	resp, err := anypb.New(out)
	if err != nil {
		return nil, err
	}
	meta := l.meta.New()
	if l.createTime != nil {
		meta.Set(l.createTime, protoreflect.ValueOfMessage(timestamppb.New(began).ProtoReflect()))
	}
	if l.endTime != nil {
		meta.Set(l.endTime, protoreflect.ValueOfMessage(timestamppb.New(s.opt.now()).ProtoReflect()))
	}
	targetFd := l.target
	if targetFd == nil && s.res.Field != "" {
		// A metadata without target may name the resource by a field
		// called after it (Firestore's IndexOperationMetadata.index).
		targetFd = optionalField(l.meta.Descriptor(), protoreflect.Name(s.res.Field), "string")
	}
	if targetFd != nil && target != "" {
		meta.Set(targetFd, protoreflect.ValueOfString(target))
	}
	if l.verb != nil {
		meta.Set(l.verb, protoreflect.ValueOfString(verbs[m.Op]))
	}
	md, err := anypb.New(meta.Interface())
	if err != nil {
		return nil, err
	}
	op := l.op.New()
	op.Set(l.name, protoreflect.ValueOfString("operations/"+uuid.NewString()))
	op.Set(l.done, protoreflect.ValueOfBool(true))
	op.Set(l.response, protoreflect.ValueOfMessage(resp.ProtoReflect()))
	op.Set(l.metaFd, protoreflect.ValueOfMessage(md.ProtoReflect()))
	return op.Interface(), nil
}

// target is what an operation of method m on request r acted on, by
// resource name: the resource out when it is one, else the name the
// request gives (a Delete that answers Empty), else the request's parent
// (a batch); "" for resources without names.
func (s *Service) target(m *method, r protoreflect.Message, out proto.Message) string {
	if s.key == nil || s.key.NamePattern == "" {
		return ""
	}
	if o := out.ProtoReflect(); o.Descriptor() == s.desc {
		return o.Get(s.key.fd).String()
	}
	for _, fd := range []protoreflect.FieldDescriptor{m.name, m.key, m.parent} {
		if fd != nil && r.Get(fd).String() != "" {
			return r.Get(fd).String()
		}
	}
	return ""
}

// verbs are the metadata's verbs of the long-running operations, as
// AIP-151's examples spell them.
var verbs = map[Op]string{
	OpCreate: "create", OpUpdate: "update", OpDelete: "delete", OpUndelete: "undelete",
	OpBatchCreate: "batchCreate", OpBatchUpdate: "batchUpdate", OpBatchDelete: "batchDelete",
}

// answerType is the type method m answers with: the operation of a
// long-running method, its response otherwise.
func (m *method) answerType() protoreflect.MessageType {
	if m.lro != nil {
		return m.lro.op
	}
	return m.respType
}
