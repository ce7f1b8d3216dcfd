package crudrt

import (
	"slices"
	"strings"

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
//
// A binding whose path ends in "**" is bound for one segment too ("*" in
// its place) where another binding of the service takes that path with
// another HTTP method: vanguard answers such a request 405 without trying
// the "**" route (Artifact Registry's GetFile at
// `/v1/{name=…/files/**}`, beside DeleteFile and UpdateFile at
// `…/files/*`). RESTGuard reads the path so that both bindings give the
// variable the same value.
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
	final := make([]*annotations.HttpRule, methods.Len())
	changed := make([]bool, methods.Len())
	for i := range methods.Len() {
		md := methods.Get(i)
		if own, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule); own != nil {
			final[i] = own
			continue
		}
		if r := bySelector[md.FullName()]; r != nil {
			r.Selector = ""
			final[i], changed[i] = r, true
		}
	}
	oneSegmentBindings(final, changed)
	for i := range methods.Len() {
		md := methods.Get(i)
		out.at[i] = md
		if !changed[i] {
			continue
		}
		opts, _ := proto.Clone(md.Options()).(*descriptorpb.MethodOptions)
		if opts == nil {
			opts = &descriptorpb.MethodOptions{}
		}
		proto.SetExtension(opts, annotations.E_Http, final[i])
		out.at[i] = &ruledMethod{MethodDescriptor: md, opts: opts}
	}
	return &ruledService{ServiceDescriptor: sd, methods: out}
}

// oneSegmentBindings adds to rules, the google.api.http rules of a
// service's methods (nil: none), a binding with "*" in place of the
// final "**" of each binding's path where another binding takes that path
// with another HTTP method and none with its own, and marks the rules it
// changes (copies of them).
func oneSegmentBindings(rules []*annotations.HttpRule, changed []bool) {
	type binding struct {
		method int
		rule   *annotations.HttpRule
		route  restRoute
	}
	var all []binding
	for i, r := range rules {
		if r == nil {
			continue
		}
		for _, b := range append([]*annotations.HttpRule{r}, r.GetAdditionalBindings()...) {
			if rt, ok := parseRESTRule(b, nil); ok {
				all = append(all, binding{i, b, rt})
			}
		}
	}
	shape := func(rt restRoute) string { return strings.Join(rt.segs, "/") + ":" + rt.verb }
	taken := map[string]map[string]bool{} // shape → HTTP methods
	for _, b := range all {
		if taken[shape(b.route)] == nil {
			taken[shape(b.route)] = map[string]bool{}
		}
		taken[shape(b.route)][b.route.method] = true
	}
	for _, b := range all {
		segs := b.route.segs
		if len(segs) == 0 || segs[len(segs)-1] != "**" {
			continue
		}
		one := b.route
		one.segs = append(slices.Clone(segs[:len(segs)-1]), "*")
		methods := taken[shape(one)]
		if len(methods) == 0 || methods[one.method] {
			continue
		}
		_, path := httpRulePattern(b.rule)
		at := strings.LastIndex(path, "**")
		extra := proto.Clone(b.rule).(*annotations.HttpRule)
		extra.AdditionalBindings = nil
		setHTTPRulePath(extra, path[:at]+"*"+path[at+2:])
		if !changed[b.method] {
			rules[b.method] = proto.Clone(rules[b.method]).(*annotations.HttpRule)
			changed[b.method] = true
		}
		rules[b.method].AdditionalBindings = append(rules[b.method].AdditionalBindings, extra)
		methods[one.method] = true
	}
}

// httpRulePattern is the HTTP method and the path of a rule's pattern
// ("", "" for none).
func httpRulePattern(r *annotations.HttpRule) (method, path string) {
	switch p := r.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return "GET", p.Get
	case *annotations.HttpRule_Put:
		return "PUT", p.Put
	case *annotations.HttpRule_Post:
		return "POST", p.Post
	case *annotations.HttpRule_Delete:
		return "DELETE", p.Delete
	case *annotations.HttpRule_Patch:
		return "PATCH", p.Patch
	case *annotations.HttpRule_Custom:
		return p.Custom.GetKind(), p.Custom.GetPath()
	}
	return "", ""
}

// setHTTPRulePath sets the path of a rule's pattern, of the same kind.
func setHTTPRulePath(r *annotations.HttpRule, path string) {
	switch p := r.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		p.Get = path
	case *annotations.HttpRule_Put:
		p.Put = path
	case *annotations.HttpRule_Post:
		p.Post = path
	case *annotations.HttpRule_Delete:
		p.Delete = path
	case *annotations.HttpRule_Patch:
		p.Patch = path
	case *annotations.HttpRule_Custom:
		p.Custom.Path = path
	}
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
