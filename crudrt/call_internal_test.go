package crudrt

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

// TestRespond: a List or batch response is filled through the generated
// struct's field when there is one, and through protoreflect otherwise,
// with the same result; an item of another type is refused either way.
// (FileDescriptorSet's `file` stands for a response's resources.)
func TestRespond(t *testing.T) {
	mt := (&descriptorpb.FileDescriptorSet{}).ProtoReflect().Type()
	fd := mt.Descriptor().Fields().ByName("file")
	i := goField(mt, fd)
	if i < 0 || reflect.TypeOf(descriptorpb.FileDescriptorSet{}).Field(i).Name != "File" {
		t.Fatalf("goField(FileDescriptorSet, file) = %d; want the index of File", i)
	}
	scalar := (&descriptorpb.FileDescriptorProto{}).ProtoReflect().Type()
	if j := goField(scalar, scalar.Descriptor().Fields().ByName("name")); j != -1 {
		t.Errorf("goField of a string field = %d; want -1", j)
	}
	items := []proto.Message{&descriptorpb.FileDescriptorProto{Name: proto.String("a")}, &descriptorpb.FileDescriptorProto{Name: proto.String("b")}}
	var got []proto.Message
	for _, field := range []int{i, -1} {
		m := &method{Method: &Method{Name: "List"}, respType: mt, items: fd, itemsField: field}
		resp, err := m.respond(items, nil)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, resp.Interface())
		if _, err := m.respond([]proto.Message{&descriptorpb.DescriptorProto{}}, nil); err == nil {
			t.Errorf("field %d: a DescriptorProto among files was accepted", field)
		}
		if _, err := m.respond([]proto.Message{(*descriptorpb.FileDescriptorProto)(nil)}, nil); err == nil {
			t.Errorf("field %d: a nil file was accepted", field)
		}
	}
	want := &descriptorpb.FileDescriptorSet{File: []*descriptorpb.FileDescriptorProto{items[0].(*descriptorpb.FileDescriptorProto), items[1].(*descriptorpb.FileDescriptorProto)}}
	for _, g := range got {
		if !proto.Equal(g, want) {
			t.Errorf("respond gave %v; want %v", g, want)
		}
	}
}

// TestResourceNotFoundLongName: a NotFound names its resource in the
// message only when the name is short; a long one is said once, in the
// details, so that the status fits the trailers clients read.
func TestResourceNotFoundLongName(t *testing.T) {
	short := resourceNotFound("x.v1.Book", "shelves/a/books/b")
	if msg := short.ce.Message(); msg != `x.v1.Book "shelves/a/books/b" not found` {
		t.Errorf("short name: message %q", msg)
	}
	name := "shelves/" + strings.Repeat("é", 800)
	long := resourceNotFound("x.v1.Book", name)
	if msg := long.ce.Message(); strings.Contains(msg, "é") || len(msg) > 200 {
		t.Errorf("long name: message %q repeats it", msg)
	}
	if got := long.info.Metadata["name"]; !strings.HasPrefix(got, "shelves/éé") {
		t.Errorf("long name: metadata name %q", got)
	}
}

// TestOwnFieldNames: the violations of `parent` and `name` a method's
// request names otherwise name its fields (Pub/Sub's
// ListSubscriptionsRequest.project, GetSubscriptionRequest.subscription);
// others, and other errors, are left as they are. (FieldDescriptorProto's
// `extendee` and `type_name` stand for such fields.)
func TestOwnFieldNames(t *testing.T) {
	fields := (&descriptorpb.FieldDescriptorProto{}).ProtoReflect().Descriptor().Fields()
	m := &method{Method: &Method{Name: "List"}, parent: fields.ByName("extendee"), name: fields.ByName("type_name")}
	err := m.ownFieldNames(InvalidArgument("", FieldViolation{Field: "parent", Description: "want projects/{project}"},
		FieldViolation{Field: "name", Description: "is required"}, FieldViolation{Field: "filter", Description: "bad"}))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("ownFieldNames = %v; want an *Error", err)
	}
	want := []FieldViolation{{"extendee", "want projects/{project}"}, {"type_name", "is required"}, {"filter", "bad"}}
	if got := violationsOf(e); !reflect.DeepEqual(got, want) {
		t.Errorf("violations = %v; want %v", got, want)
	}
	if want := "invalid request: extendee: want projects/{project}; type_name: is required; filter: bad"; e.ce.Message() != want {
		t.Errorf("message = %q; want %q", e.ce.Message(), want)
	}
	other := Errorf(connect.CodeNotFound, "parent %q not found", "projects/x")
	if got := m.ownFieldNames(other); got != error(other) {
		t.Errorf("ownFieldNames of a NotFound = %v; want it unchanged", got)
	}
	plain := &method{Method: &Method{Name: "Create"}, resource: fields.ByName("options")}
	in := InvalidArgument("", FieldViolation{Field: "parent", Description: "x"})
	if got := plain.ownFieldNames(in); got != error(in) {
		t.Errorf("ownFieldNames of a method without such fields = %v; want it unchanged", got)
	}
}
