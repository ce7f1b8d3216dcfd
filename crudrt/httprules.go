package crudrt

import (
	"fmt"
	"log/slog"
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
// A path that bindings of the service share with another HTTP method
// is bound for each of them too, so that vanguard's router, which tries
// literals first and does not go back, reaches them all (see
// shadowedBindings): PATCH /v2/billingAccounts/x/cmekSettings reaches
// `/v2/{name=*/*}/cmekSettings` beside a GET of
// `/v2/{name=billingAccounts/*}/cmekSettings`, and Artifact Registry's
// GetFile at `/v1/{name=…/files/**}` a file's path of one segment beside
// DeleteFile and UpdateFile at `…/files/*`. RESTGuard reads the path so
// that a "**" variable and one of its segments give the same value.
//
// It sees the bindings of sd alone: for a transcoder that serves several
// services, use ServicesWithRules, which sees them all. Past the bound on
// shared paths (see ServicesWithRules), it binds those it found, the
// routes past them are as the router takes them, and it logs
// ServicesWithRules' error, which names the bindings, as a warning with
// slog's default logger.
func ServiceWithRules(sd protoreflect.ServiceDescriptor, rules ...*annotations.HttpRule) protoreflect.ServiceDescriptor {
	out, err := ServicesWithRules([]protoreflect.ServiceDescriptor{sd}, rules...)
	if err != nil {
		slog.Warn("crudrt: ServiceWithRules: some routes stay as the router takes them", "service", sd.FullName(), "error", err)
	}
	return out[0]
}

// ServicesWithRules is ServiceWithRules of each of services, for one
// transcoder that serves them all, as a server that serves the services
// of an API on one port does: the paths that bindings share are bound
// across the services, so that a literal of one service's binding does
// not hide the "*" of another's (a POST of
// `/v1/projects/special/things/{id}` beside a GET of
// `/v1/{name=projects/*/things/*}` in another service would otherwise
// answer that GET of /v1/projects/special/things/x 405). A request that
// bindings of two services match, of one HTTP method, reaches the one with
// a literal where the other has "*" ("**") at the first segment they
// differ in, as within a service; two bindings of one HTTP method and
// path template are refused by the transcoder.
//
// The paths bindings share are bounded (1024 across the services):
// bindings with literals at many positions share paths in numbers that
// double with each position. Past the bound it returns an error naming
// the bindings whose shared paths exceed it, with the services bound up
// to the bound.
func ServicesWithRules(services []protoreflect.ServiceDescriptor, rules ...*annotations.HttpRule) ([]protoreflect.ServiceDescriptor, error) {
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
	// The methods of all the services, one after the other.
	var all []protoreflect.MethodDescriptor
	for _, sd := range services {
		for i := range sd.Methods().Len() {
			all = append(all, sd.Methods().Get(i))
		}
	}
	final := make([]*annotations.HttpRule, len(all))
	changed := make([]bool, len(all))
	for i, md := range all {
		if own, _ := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule); own != nil {
			final[i] = own
			continue
		}
		if r := bySelector[md.FullName()]; r != nil {
			r.Selector = ""
			final[i], changed[i] = r, true
		}
	}
	err := shadowedBindings(all, final, changed)
	out := make([]protoreflect.ServiceDescriptor, len(services))
	at := 0
	for s, sd := range services {
		methods := sd.Methods()
		ruled := &ruledMethods{MethodDescriptors: methods, at: make([]protoreflect.MethodDescriptor, methods.Len())}
		for i := range methods.Len() {
			md := all[at]
			ruled.at[i] = md
			if changed[at] {
				opts, _ := proto.Clone(md.Options()).(*descriptorpb.MethodOptions)
				if opts == nil {
					opts = &descriptorpb.MethodOptions{}
				}
				proto.SetExtension(opts, annotations.E_Http, final[at])
				ruled.at[i] = &ruledMethod{MethodDescriptor: md, opts: opts}
			}
			at++
		}
		out[s] = &ruledService{ServiceDescriptor: sd, methods: ruled}
	}
	return out, err
}

// maxSharedPaths bounds the paths shadowedBindings adds to those of the
// bindings: hundreds of times what public APIs share.
const maxSharedPaths = 1024

// shadowedBindings adds to rules, the google.api.http rules of methods
// (nil: none), the bindings that let vanguard's router reach every
// binding, and marks the rules it changes (copies of them). The router
// tries a literal segment before "*" and "**" and does not go back once a
// path and custom verb match a route of some HTTP method: a PATCH of
// /v2/billingAccounts/x/cmekSettings meets GetCmekSettings' GET
// /v2/{name=billingAccounts/*}/cmekSettings and is answered 405, never
// reaching UpdateCmekSettings' PATCH /v2/{name=*/*}/cmekSettings.
//
// So every path that two bindings (or two such paths) share is a route
// of its own, which takes each HTTP method of the bindings that match all
// of its requests: each is bound there too, its path with the shared
// path's literals ("**" with its segments) in place of its "*" (and
// "**"), its variables' names and its body kept. The router then takes
// every request to a route of the HTTP method of every binding that
// matches it. Of two bindings of one HTTP method that match a request
// (google.api.http gives them no order), the router takes the one with a
// literal where the other has "*", at the first segment they differ in,
// as it did before.
//
// Past maxSharedPaths shared paths, it binds those it found and returns
// an error naming the bindings that share the next one.
func shadowedBindings(methods []protoreflect.MethodDescriptor, rules []*annotations.HttpRule, changed []bool) error {
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
	type shape struct {
		segs    []string
		verb    string
		methods map[string]bool // the HTTP methods bound at it
		from    []int           // the bindings (in all) that share it
	}
	key := func(segs []string, verb string) string { return strings.Join(segs, "/") + ":" + verb }
	shapes := map[string]*shape{}
	var order []*shape
	add := func(segs []string, verb string) *shape {
		k := key(segs, verb)
		if shapes[k] == nil {
			shapes[k] = &shape{segs: segs, verb: verb, methods: map[string]bool{}}
			order = append(order, shapes[k])
		}
		return shapes[k]
	}
	for i, b := range all {
		s := add(b.route.segs, b.route.verb)
		s.methods[b.route.method] = true
		s.from = append(s.from, i)
	}
	// Shared paths of shared paths too, up to none new, or up to
	// maxSharedPaths of them: each round compares every new path with all
	// before it, and bindings with literals at many positions share paths
	// in numbers that double with each position.
	var over []int // the bindings that share a path past the bound
	for done, bound := 0, len(order)+maxSharedPaths; done < len(order) && over == nil; {
		n := len(order)
		for i := done; i < n && over == nil; i++ {
			for j := 0; j < i; j++ {
				a, b := order[i], order[j]
				if a.verb != b.verb {
					continue
				}
				segs, ok := sharedSegments(a.segs, b.segs)
				if !ok || shapes[key(segs, a.verb)] != nil {
					continue
				}
				from := slices.Compact(slices.Sorted(slices.Values(append(slices.Clone(a.from), b.from...))))
				if len(order) == bound {
					over = from
					break
				}
				add(segs, a.verb).from = from
			}
		}
		done = n
	}
	var err error
	if over != nil {
		names := make([]string, len(over))
		for i, b := range over {
			method, path := httpRulePattern(all[b].rule)
			names[i] = fmt.Sprintf("%s %s (%s)", method, path, methods[all[b].method].FullName())
		}
		err = fmt.Errorf("REST bindings share more than %d paths, each bound as a route of its own so that the router reaches every binding; these bindings share paths past the bound: %s",
			maxSharedPaths, strings.Join(names, ", "))
	}
	// The bindings with literals first, so that each shared path takes,
	// of the bindings of one HTTP method, the one the router prefers.
	slices.SortStableFunc(all, func(a, b binding) int { return compareSegments(a.route.segs, b.route.segs) })
	for _, s := range order {
		for _, b := range all {
			if b.route.verb != s.verb || s.methods[b.route.method] {
				continue
			}
			if segs, ok := sharedSegments(b.route.segs, s.segs); !ok || key(segs, "") != key(s.segs, "") {
				continue // b does not match all of s's requests
			}
			extra := proto.Clone(b.rule).(*annotations.HttpRule)
			extra.AdditionalBindings = nil
			_, path := httpRulePattern(b.rule)
			setHTTPRulePath(extra, specializedPath(path, s.segs))
			if !changed[b.method] {
				rules[b.method] = proto.Clone(rules[b.method]).(*annotations.HttpRule)
				changed[b.method] = true
			}
			rules[b.method].AdditionalBindings = append(rules[b.method].AdditionalBindings, extra)
			s.methods[b.route.method] = true
		}
	}
	return err
}

// sharedSegments is the path segments of the requests that match both
// a and b (literals, "*" and a final "**"); ok is false for none.
func sharedSegments(a, b []string) (segs []string, ok bool) {
	for i := 0; ; i++ {
		switch {
		case i == len(a) && i == len(b):
			return segs, true
		case i < len(b) && b[i] == "**" && (i == len(a) || a[i] != "**"):
			a, b = b, a
		}
		switch {
		case i < len(a) && a[i] == "**":
			if i == len(b) {
				return nil, false // "**" takes one segment at least
			}
			return append(segs, b[i:]...), true
		case i == len(a) || i == len(b):
			return nil, false
		case a[i] == "*":
			segs = append(segs, b[i])
		case b[i] == "*" || a[i] == b[i]:
			segs = append(segs, a[i])
		default:
			return nil, false
		}
	}
}

// compareSegments orders paths' segments as the router tries them: a
// literal before "*", "*" before "**", at the first place they differ.
func compareSegments(a, b []string) int {
	rank := func(s string) int {
		switch s {
		case "*":
			return 1
		case "**":
			return 2
		}
		return 0
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if c := rank(a[i]) - rank(b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

// specializedPath is the path template path with segs, which match only
// requests that path matches, in place of its segments: a "*" becomes
// segs' literal at its place, a final "**" segs' remaining segments; the
// variables, their names and the custom verb are kept.
func specializedPath(path string, segs []string) string {
	var b strings.Builder
	at, depth := 0, 0
	for i := 0; i < len(path); {
		switch c := path[i]; {
		case c == ':' && depth == 0:
			b.WriteString(path[i:])
			return b.String()
		case c == '/' || c == '=' || c == '}':
			if c == '}' {
				depth--
			}
			b.WriteByte(c)
			i++
		case c == '{':
			depth++
			end := i + strings.IndexAny(path[i:], "=}")
			b.WriteString(path[i:end])
			if path[end] == '}' {
				// {name} is {name=*}.
				b.WriteString("=" + segs[at])
				at++
			}
			i = end
		default: // a literal, "*" or "**"
			end := i + strings.IndexAny(path[i:]+"/", "/}:")
			if path[i:end] == "**" {
				b.WriteString(strings.Join(segs[at:], "/"))
				at = len(segs)
			} else {
				b.WriteString(segs[at])
				at++
			}
			i = end
		}
	}
	return b.String()
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
