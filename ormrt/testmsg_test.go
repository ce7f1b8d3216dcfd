package ormrt_test

import (
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"

	_ "google.golang.org/protobuf/types/known/anypb"
	_ "google.golang.org/protobuf/types/known/durationpb"
	_ "google.golang.org/protobuf/types/known/structpb"
	_ "google.golang.org/protobuf/types/known/timestamppb"
)

// Field numbers of test.v1.Sample.
const (
	fInts    protoreflect.FieldNumber = 1  // repeated int64
	fCounts  protoreflect.FieldNumber = 2  // map<string, int64>
	fNames   protoreflect.FieldNumber = 3  // map<int64, string>
	fDoubles protoreflect.FieldNumber = 4  // repeated double
	fBlobs   protoreflect.FieldNumber = 5  // repeated bytes
	fInner   protoreflect.FieldNumber = 6  // Inner
	fStruct  protoreflect.FieldNumber = 7  // google.protobuf.Struct
	fValue   protoreflect.FieldNumber = 8  // google.protobuf.Value
	fAny     protoreflect.FieldNumber = 9  // google.protobuf.Any
	fInners  protoreflect.FieldNumber = 10 // repeated Inner
	fColor   protoreflect.FieldNumber = 11 // Color
	fColors  protoreflect.FieldNumber = 12 // repeated Color
	fList    protoreflect.FieldNumber = 13 // google.protobuf.ListValue
	fFloats  protoreflect.FieldNumber = 14 // repeated float
	fU64s    protoreflect.FieldNumber = 15 // repeated uint64
	fStr     protoreflect.FieldNumber = 16 // string
	fOptStr  protoreflect.FieldNumber = 17 // optional string
	fTimes   protoreflect.FieldNumber = 18 // repeated google.protobuf.Timestamp
	fDurs    protoreflect.FieldNumber = 19 // map<string, google.protobuf.Duration>
	fInt64   protoreflect.FieldNumber = 20 // int64
)

var (
	sampleDesc protoreflect.MessageDescriptor
	innerDesc  protoreflect.MessageDescriptor
	colorDesc  protoreflect.EnumDescriptor
)

func init() {
	fd, err := protodesc.NewFile(sampleFile(), protoregistry.GlobalFiles)
	if err != nil {
		panic(err)
	}
	sampleDesc = fd.Messages().ByName("Sample")
	innerDesc = fd.Messages().ByName("Inner")
	colorDesc = fd.Enums().ByName("Color")
}

func sampleFile() *descriptorpb.FileDescriptorProto {
	type (
		L = descriptorpb.FieldDescriptorProto_Label
		T = descriptorpb.FieldDescriptorProto_Type
	)
	const (
		opt = descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL
		rep = descriptorpb.FieldDescriptorProto_LABEL_REPEATED
	)
	field := func(name string, num int32, label L, typ T, typeName string) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{
			Name:     proto.String(name),
			Number:   proto.Int32(num),
			Label:    label.Enum(),
			Type:     typ.Enum(),
			JsonName: proto.String(jsonName(name)),
		}
		if typeName != "" {
			f.TypeName = proto.String(typeName)
		}
		return f
	}
	entry := func(name string, key, val T, valName string) *descriptorpb.DescriptorProto {
		return &descriptorpb.DescriptorProto{
			Name: proto.String(name),
			Field: []*descriptorpb.FieldDescriptorProto{
				field("key", 1, opt, key, ""),
				field("value", 2, opt, val, valName),
			},
			Options: &descriptorpb.MessageOptions{MapEntry: proto.Bool(true)},
		}
	}
	const (
		i64  = descriptorpb.FieldDescriptorProto_TYPE_INT64
		u64  = descriptorpb.FieldDescriptorProto_TYPE_UINT64
		str  = descriptorpb.FieldDescriptorProto_TYPE_STRING
		dbl  = descriptorpb.FieldDescriptorProto_TYPE_DOUBLE
		flt  = descriptorpb.FieldDescriptorProto_TYPE_FLOAT
		byt  = descriptorpb.FieldDescriptorProto_TYPE_BYTES
		msg  = descriptorpb.FieldDescriptorProto_TYPE_MESSAGE
		enum = descriptorpb.FieldDescriptorProto_TYPE_ENUM
	)
	optStr := field("opt_str", 17, opt, str, "")
	optStr.Proto3Optional = proto.Bool(true)
	optStr.OneofIndex = proto.Int32(0)
	return &descriptorpb.FileDescriptorProto{
		Name:    proto.String("ormrt_test/sample.proto"),
		Package: proto.String("test.v1"),
		Syntax:  proto.String("proto3"),
		Dependency: []string{
			"google/protobuf/any.proto",
			"google/protobuf/duration.proto",
			"google/protobuf/struct.proto",
			"google/protobuf/timestamp.proto",
		},
		EnumType: []*descriptorpb.EnumDescriptorProto{{
			Name: proto.String("Color"),
			Value: []*descriptorpb.EnumValueDescriptorProto{
				{Name: proto.String("COLOR_UNSPECIFIED"), Number: proto.Int32(0)},
				{Name: proto.String("COLOR_RED"), Number: proto.Int32(1)},
				{Name: proto.String("COLOR_GREEN"), Number: proto.Int32(2)},
			},
		}},
		MessageType: []*descriptorpb.DescriptorProto{
			{
				Name: proto.String("Inner"),
				Field: []*descriptorpb.FieldDescriptorProto{
					field("id", 1, opt, i64, ""),
					field("name", 2, opt, str, ""),
				},
			},
			{
				Name: proto.String("Sample"),
				Field: []*descriptorpb.FieldDescriptorProto{
					field("ints", 1, rep, i64, ""),
					field("counts", 2, rep, msg, ".test.v1.Sample.CountsEntry"),
					field("names", 3, rep, msg, ".test.v1.Sample.NamesEntry"),
					field("doubles", 4, rep, dbl, ""),
					field("blobs", 5, rep, byt, ""),
					field("inner", 6, opt, msg, ".test.v1.Inner"),
					field("st", 7, opt, msg, ".google.protobuf.Struct"),
					field("val", 8, opt, msg, ".google.protobuf.Value"),
					field("any", 9, opt, msg, ".google.protobuf.Any"),
					field("inners", 10, rep, msg, ".test.v1.Inner"),
					field("color", 11, opt, enum, ".test.v1.Color"),
					field("colors", 12, rep, enum, ".test.v1.Color"),
					field("list", 13, opt, msg, ".google.protobuf.ListValue"),
					field("floats", 14, rep, flt, ""),
					field("u64s", 15, rep, u64, ""),
					field("str", 16, opt, str, ""),
					optStr,
					field("times", 18, rep, msg, ".google.protobuf.Timestamp"),
					field("durs", 19, rep, msg, ".test.v1.Sample.DursEntry"),
					field("int64", 20, opt, i64, ""),
				},
				NestedType: []*descriptorpb.DescriptorProto{
					entry("CountsEntry", str, i64, ""),
					entry("NamesEntry", i64, str, ""),
					entry("DursEntry", str, msg, ".google.protobuf.Duration"),
				},
				OneofDecl: []*descriptorpb.OneofDescriptorProto{{Name: proto.String("_opt_str")}},
			},
		},
	}
}

func jsonName(s string) string {
	out := make([]byte, 0, len(s))
	up := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '_':
			up = true
		case up && 'a' <= c && c <= 'z':
			out = append(out, c-'a'+'A')
			up = false
		default:
			out = append(out, c)
			up = false
		}
	}
	return string(out)
}

// newSample returns an empty test.v1.Sample.
func newSample() protoreflect.Message {
	return dynamicpb.NewMessage(sampleDesc)
}

// fieldOf returns the descriptor of field num of m.
func fieldOf(t testing.TB, m protoreflect.Message, num protoreflect.FieldNumber) protoreflect.FieldDescriptor {
	t.Helper()
	fd := m.Descriptor().Fields().ByNumber(num)
	if fd == nil {
		t.Fatalf("%s has no field %d", m.Descriptor().FullName(), num)
	}
	return fd
}
