package crudrt

import (
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
)

// ServiceWithRules is sd with rules as the google.api.http options of the
// methods they select, for a transcoder that reads a service's REST
// bindings from its descriptor, such as vanguard.NewServiceWithSchema. A
// rule binds the method whose full name is its selector, exactly; the
// second and later rules of one method are its additional bindings, and
// a method that has a google.api.http option of its own keeps it.
//
// Prefer it to vanguard.WithRules, whose selectors also bind every method
// whose name they begin: GetShelf's rule would bind GetShelfConfig too,
// and the transcoder then refuses the two routes GetShelf has twice.
func ServiceWithRules(sd protoreflect.ServiceDescriptor, rules ...*annotations.HttpRule) protoreflect.ServiceDescriptor {
	bySelector := map[protoreflect.FullName]*annotations.HttpRule{}
	for _, r := range rules {
		name := protoreflect.FullName(r.GetSelector())
		if prev := bySelector[name]; prev != nil {
			extra := proto.Clone(r).(*annotations.HttpRule)
			extra.Selector = ""
			prev.AdditionalBindings = append(prev.AdditionalBindings, extra)
			continue
		}
		bySelector[name] = proto.Clone(r).(*annotations.HttpRule)
	}
	methods := sd.Methods()
	out := &ruledMethods{MethodDescriptors: methods, at: make([]protoreflect.MethodDescriptor, methods.Len())}
	for i := range methods.Len() {
		md := methods.Get(i)
		out.at[i] = md
		r := bySelector[md.FullName()]
		if r == nil || proto.HasExtension(md.Options(), annotations.E_Http) {
			continue
		}
		opts, _ := proto.Clone(md.Options()).(*descriptorpb.MethodOptions)
		if opts == nil {
			opts = &descriptorpb.MethodOptions{}
		}
		r.Selector = ""
		proto.SetExtension(opts, annotations.E_Http, r)
		out.at[i] = &ruledMethod{MethodDescriptor: md, opts: opts}
	}
	return &ruledService{ServiceDescriptor: sd, methods: out}
}

type ruledService struct {
	protoreflect.ServiceDescriptor
	methods *ruledMethods
}

func (s *ruledService) Methods() protoreflect.MethodDescriptors { return s.methods }

type ruledMethods struct {
	protoreflect.MethodDescriptors
	at []protoreflect.MethodDescriptor
}

func (m *ruledMethods) Get(i int) protoreflect.MethodDescriptor { return m.at[i] }

func (m *ruledMethods) ByName(name protoreflect.Name) protoreflect.MethodDescriptor {
	for _, md := range m.at {
		if md.Name() == name {
			return md
		}
	}
	return nil
}

type ruledMethod struct {
	protoreflect.MethodDescriptor
	opts *descriptorpb.MethodOptions
}

func (m *ruledMethod) Options() protoreflect.ProtoMessage { return m.opts }
