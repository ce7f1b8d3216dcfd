package goldenrun

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/anypb"
)

// operationName is the message of long-running methods (AIP-151).
const operationName = "google.longrunning.Operation"

// operationInfo is md's (google.longrunning.operation_info): the full
// names of its response and metadata messages, resolved from md's
// package; ok is false for a method that is not long-running.
func operationInfo(md protoreflect.MethodDescriptor) (resp, meta protoreflect.FullName, ok bool) {
	if md.Output().FullName() != operationName {
		return "", "", false
	}
	xt, err := protoregistry.GlobalTypes.FindExtensionByName("google.longrunning.operation_info")
	if err != nil || !proto.HasExtension(md.Options(), xt) {
		return "", "", false
	}
	info := proto.GetExtension(md.Options(), xt).(proto.Message).ProtoReflect()
	qualify := func(name string) protoreflect.FullName {
		name = strings.TrimPrefix(name, ".")
		if _, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name)); err == nil {
			return protoreflect.FullName(name)
		}
		return md.ParentFile().Package().Append(protoreflect.Name(name))
	}
	fields := info.Descriptor().Fields()
	return qualify(info.Get(fields.ByName("response_type")).String()), qualify(info.Get(fields.ByName("metadata_type")).String()), true
}

// outputOf is what md answers with: the response of a long-running
// method's operation, its output otherwise.
func outputOf(md protoreflect.MethodDescriptor) protoreflect.MessageDescriptor {
	if resp, _, ok := operationInfo(md); ok {
		if d, err := protoregistry.GlobalFiles.FindDescriptorByName(resp); err == nil {
			if msg, ok := d.(protoreflect.MessageDescriptor); ok {
				return msg
			}
		}
	}
	return md.Output()
}

// unwrapOperation checks the operation a long-running method answered
// with (done, named operations/…, its metadata of the declared type, its
// response of the declared type) and returns the response; other
// answers are returned as they are.
func unwrapOperation(md protoreflect.MethodDescriptor, out proto.Message) (proto.Message, error) {
	resp, meta, ok := operationInfo(md)
	if !ok || out == nil {
		return out, nil
	}
	op := out.ProtoReflect()
	get := func(name protoreflect.Name) protoreflect.Value { return op.Get(op.Descriptor().Fields().ByName(name)) }
	if !get("done").Bool() {
		return nil, fmt.Errorf("%s answered an operation that is not done: %v", md.FullName(), out)
	}
	if name := get("name").String(); !strings.HasPrefix(name, "operations/") || len(name) == len("operations/") {
		return nil, fmt.Errorf("%s answered an operation named %q; want operations/<id>", md.FullName(), name)
	}
	if op.Has(op.Descriptor().Fields().ByName("error")) {
		return nil, fmt.Errorf("%s answered a done operation with an error where it returns errors directly: %v", md.FullName(), out)
	}
	var got [2]proto.Message
	for i, f := range []struct {
		field protoreflect.Name
		want  protoreflect.FullName
	}{{"metadata", meta}, {"response", resp}} {
		a, ok := get(f.field).Message().Interface().(*anypb.Any)
		if !ok || a == nil || a.MessageName() != f.want {
			return nil, fmt.Errorf("%s answered an operation whose %s is %v; want a %s", md.FullName(), f.field, a, f.want)
		}
		m, err := a.UnmarshalNew()
		if err != nil {
			return nil, fmt.Errorf("%s: the operation's %s: %v", md.FullName(), f.field, err)
		}
		got[i] = m
	}
	// The metadata tells when the operation began and ended.
	md2 := got[0].ProtoReflect()
	for _, name := range []protoreflect.Name{"create_time", "end_time"} {
		if fd := md2.Descriptor().Fields().ByName(name); fd != nil && !fd.IsList() && fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Timestamp" && !md2.Has(fd) {
			return nil, fmt.Errorf("%s answered an operation whose metadata has no %s: %v", md.FullName(), name, got[0])
		}
	}
	return got[1], nil
}
