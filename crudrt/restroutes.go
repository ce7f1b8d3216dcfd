package crudrt

import (
	"encoding/json"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

// restRoute is a REST route as RESTGuard reads it: which requests it
// matches, and which fields of its request the path and the body set.
type restRoute struct {
	method string
	segs   []string // literals, "*" and "**"
	verb   string   // the custom verb after ':', or ""
	// vars are the field paths (proto names) that path variables set, body
	// the one the body sets; bodyAll says the body is the whole request.
	vars    [][]string
	varSegs [][2]int // the segments (first, count) of each of vars
	body    []string
	bodyAll bool
	input   protoreflect.MessageDescriptor // nil when not linked in
}

// restRoutes reads rules, and the google.api.http annotations of every
// method of the services they name and of every other service linked into
// the program, into routes. Rules it cannot read
// are left out: the transcoder refuses them itself.
func restRoutes(rules []*annotations.HttpRule) []restRoute {
	var out []restRoute
	services := map[protoreflect.FullName]bool{}
	var add func(rule *annotations.HttpRule, input protoreflect.MessageDescriptor)
	add = func(rule *annotations.HttpRule, input protoreflect.MessageDescriptor) {
		if input == nil {
			if d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(rule.GetSelector())); err == nil {
				if m, ok := d.(protoreflect.MethodDescriptor); ok {
					input = m.Input()
					services[m.Parent().FullName()] = true
				}
			}
		}
		if r, ok := parseRESTRule(rule, input); ok {
			out = append(out, r)
		}
		for _, b := range rule.GetAdditionalBindings() {
			add(b, input)
		}
	}
	for _, rule := range rules {
		add(rule, nil)
	}
	// Every service linked into the program: one whose methods all carry
	// google.api.http annotations has no default rules to be named by.
	protoregistry.GlobalFiles.RangeFiles(func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			services[f.Services().Get(i).FullName()] = true
		}
		return true
	})
	for _, name := range slices.Sorted(maps.Keys(services)) {
		d, _ := protoregistry.GlobalFiles.FindDescriptorByName(name)
		sd, ok := d.(protoreflect.ServiceDescriptor)
		if !ok {
			continue
		}
		for i := range sd.Methods().Len() {
			m := sd.Methods().Get(i)
			if rule, ok := proto.GetExtension(m.Options(), annotations.E_Http).(*annotations.HttpRule); ok && rule != nil && rule.GetPattern() != nil {
				add(rule, m.Input())
			}
		}
	}
	return out
}

func parseRESTRule(rule *annotations.HttpRule, input protoreflect.MessageDescriptor) (restRoute, bool) {
	r := restRoute{input: input}
	var path string
	if r.method, path = httpRulePattern(rule); r.method == "" {
		return r, false
	}
	switch body := rule.GetBody(); body {
	case "":
	case "*":
		r.bodyAll = true
	default:
		r.body = strings.Split(body, ".")
	}
	if !strings.HasPrefix(path, "/") {
		return r, false
	}
	// Split at slashes outside braces; a ':' outside braces in the last
	// segment starts the verb.
	var top []string
	depth, start := 0, 1
	for i := 1; i <= len(path); i++ {
		if i == len(path) || (path[i] == '/' && depth == 0) {
			top = append(top, path[start:i])
			start = i + 1
			continue
		}
		switch path[i] {
		case '{':
			depth++
		case '}':
			depth--
		}
	}
	if last := top[len(top)-1]; !strings.HasSuffix(last, "}") || strings.Contains(last[strings.LastIndexByte(last, '}'):], ":") {
		depth = 0
		for i := 0; i < len(last); i++ {
			switch last[i] {
			case '{':
				depth++
			case '}':
				depth--
			case ':':
				if depth == 0 {
					r.verb = last[i+1:]
					top[len(top)-1] = last[:i]
					i = len(last)
				}
			}
		}
	}
	for _, s := range top {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			name, pattern, ok := strings.Cut(s[1:len(s)-1], "=")
			if !ok {
				pattern = "*"
			}
			r.vars = append(r.vars, strings.Split(name, "."))
			r.varSegs = append(r.varSegs, [2]int{len(r.segs), len(strings.Split(pattern, "/"))})
			r.segs = append(r.segs, strings.Split(pattern, "/")...)
			continue
		}
		r.segs = append(r.segs, s)
	}
	return r, true
}

// bodyIsMessage reports whether the route's body is a message: the whole
// request, or a field that holds one (not a value such as a string or a
// number, body: "ratio", which an empty body leaves unset).
func (r *restRoute) bodyIsMessage() bool {
	if r.bodyAll {
		return true
	}
	if len(r.body) == 0 {
		return false
	}
	_, fds := r.fields(strings.Join(r.body, "."))
	if len(fds) != len(r.body) {
		return true // not linked in: as the transcoder reads it
	}
	last := fds[len(fds)-1]
	return last.Message() != nil && !last.IsList() && !last.IsMap()
}

// matches reports whether a request with this method and escaped path is
// one of the route's.
func (r *restRoute) matches(method, escapedPath string) bool {
	return method == r.method && r.matchesPath(escapedPath)
}

// matchesPath reports whether a request with this escaped path, of any
// method, is one of the route's.
func (r *restRoute) matchesPath(escapedPath string) bool {
	if !strings.HasPrefix(escapedPath, "/") {
		return false
	}
	// As the transcoder reads a path: what follows the first colon of
	// the last segment is the verb, which a route without one never
	// matches (/v1/things/1:peek is not /v1/things/{id}'s).
	segs := strings.Split(escapedPath[1:], "/")
	verb := ""
	if last := segs[len(segs)-1]; strings.Contains(last, ":") {
		segs[len(segs)-1], verb, _ = strings.Cut(last, ":")
	}
	return verb == r.verb && matchSegments(r.segs, segs)
}

// scalars reads the path variables of escapedPath and the query vals that
// set number, bool or enum fields of the route's request as protojson
// reads the same values in a JSON body (see scalarValue), so that REST
// takes and refuses what Connect and gRPC do where the transcoder reads
// them its own way (" 1" as 1, "1e1" not at all, with encoding/json's
// words). So are query values of the well-known types that JSON writes
// as a string, a number or a bool (Timestamp, Duration, the wrappers),
// which the transcoder read with a quote added or not ("\"x\"" as x, and
// refused the empty StringValue), and which it then gets quoted. A
// FieldMask is read as the JSON codec reads one (several query parameters
// are one list of paths, as update_mask is, where the transcoder kept the
// last, and proto names are taken). It returns
// escapedPath and vals with each value in the form the transcoder reads
// ("1e1" as "10"; vals nil when none changed), or the error of the first
// value protojson refuses, naming its field.
func (r *restRoute) scalars(escapedPath string, vals url.Values) (string, url.Values, *Error) {
	check := func(key, v string, index int) (string, *Error) {
		parts, fds := r.fields(key)
		if len(fds) == 0 || len(fds) != len(parts) {
			return v, nil // not a field: the transcoder answers it
		}
		fd := fds[len(fds)-1]
		if fd.IsMap() {
			return v, nil
		}
		switch fd.Kind() {
		case protoreflect.StringKind, protoreflect.GroupKind:
			return v, nil
		case protoreflect.BytesKind:
			if index < 0 {
				return v, nil
			}
		case protoreflect.MessageKind:
			if index < 0 || queryWKT(fd.Message()) == wktNone {
				return v, nil // the transcoder refuses a message in the path
			}
			if fd.Message().FullName() == fieldMaskName && !r.otherMask(key) {
				return v, nil // RESTGuard reads it
			}
		}
		canon, desc, ok := scalarValue(fd, v)
		if !ok {
			field := strings.Join(parts, ".")
			if fd.IsList() && index >= 0 {
				// The value's place among the key's, as a body's
				// list names it.
				field += "[" + strconv.Itoa(index) + "]"
			}
			return "", InvalidArgument("", FieldViolation{Field: field, Description: desc}).WithReason("MALFORMED_REQUEST")
		}
		return canon, nil
	}
	if parts, ok := r.segments(escapedPath); ok {
		changed := false
		for i, v := range r.vars {
			at := r.varSegs[i]
			if at[1] != 1 || at[0] >= len(parts) {
				continue
			}
			value, err := url.PathUnescape(parts[at[0]])
			if err != nil {
				continue // the transcoder refuses the escape
			}
			canon, e := check(strings.Join(v, "."), value, -1)
			if e != nil {
				return "", nil, e
			}
			if canon != value {
				parts[at[0]], changed = url.PathEscape(canon), true
			}
		}
		if changed {
			escapedPath = r.joined(parts)
		}
	}
	var out url.Values
	for _, key := range slices.Sorted(maps.Keys(vals)) {
		vs, changed := vals[key], false
		if r.otherMask(key) && vals[key+".paths"] == nil {
			// A FieldMask read as the JSON codec reads one in a body
			// (crudrt.JSON): comma lists of paths, a list given by
			// several parameters, each segment in proto names
			// ("fooBar" as foo_bar, "foo_bar" as it is, map keys in
			// backticks), handed to the transcoder as its paths, which
			// it would read with protojson, refusing "foo_bar" and "*".
			var paths []string
			for _, v := range vs {
				for _, p := range splitMask(v) {
					paths = append(paths, jsonMaskPath(splitUnquoted(p, '.'), nil))
				}
			}
			if out == nil {
				out = maps.Clone(vals)
			}
			delete(out, key)
			if len(paths) == 0 {
				out[key] = []string{`""`} // an empty mask, set
			} else {
				out[key+".paths"] = paths
			}
			continue
		}
		for i, v := range vs {
			canon, e := check(key, v, i)
			if e != nil {
				return "", nil, e
			}
			if canon != v {
				if !changed {
					vs, changed = slices.Clone(vs), true
				}
				vs[i] = canon
			}
		}
		if changed {
			if out == nil {
				out = maps.Clone(vals)
			}
			out[key] = vs
		}
	}
	return escapedPath, out, nil
}

// otherMask reports whether the query parameter key names a FieldMask of
// the route's request that RESTGuard does not read itself (update_mask,
// read masks): one the transcoder reads from a single value.
func (r *restRoute) otherMask(key string) bool {
	parts, fds := r.fields(key)
	if len(fds) == 0 || len(fds) != len(parts) {
		return false
	}
	fd := fds[len(fds)-1]
	if fd.IsList() || fd.Message() == nil || fd.Message().FullName() != fieldMaskName {
		return false
	}
	if len(fds) == 1 {
		if fd.Name() == "update_mask" && r.takesMask() {
			return false
		}
		for _, rm := range r.readMasks() {
			if rm == fd {
				return false
			}
		}
	}
	return true
}

// Kinds of well-known message types whose JSON is a single value, which a
// query parameter can set.
const (
	wktNone   = iota
	wktString // written as a JSON string: Timestamp, Duration, FieldMask, StringValue, BytesValue
	wktValue  // a wrapper of a number or a bool, written as that value
)

// queryWKT is how a query parameter sets a field of message type md.
func queryWKT(md protoreflect.MessageDescriptor) int {
	switch md.FullName() {
	case "google.protobuf.Timestamp", "google.protobuf.Duration", "google.protobuf.StringValue", "google.protobuf.BytesValue",
		"google.protobuf.FieldMask":
		return wktString
	case "google.protobuf.Int32Value", "google.protobuf.Int64Value", "google.protobuf.UInt32Value", "google.protobuf.UInt64Value",
		"google.protobuf.FloatValue", "google.protobuf.DoubleValue", "google.protobuf.BoolValue":
		return wktValue
	}
	return wktNone
}

// scalarValue reads v, the text of a path variable or query parameter that
// sets field fd (a number, bool or enum, a list of them, or a well-known
// type that JSON writes as one value), as protojson reads the same value
// in a JSON body: a number as in a JSON string ("1e1" and "8.0" for an
// integer, "NaN"; not " 1" nor "01"), a bool as the JSON literal true or
// false, an enum by name or number, a Timestamp, a Duration, a
// StringValue or a BytesValue as a JSON string. It returns an integer's
// value in decimal, a value written as a JSON string in JSON (quoted, as
// the transcoder passes it to protojson), other values as they are, or
// protojson's words for a value it refuses.
func scalarValue(fd protoreflect.FieldDescriptor, v string) (canon, desc string, ok bool) {
	kind, inner := fd.Kind(), protoreflect.FieldDescriptor(nil)
	var elem []byte
	if kind == protoreflect.MessageKind {
		switch queryWKT(fd.Message()) {
		case wktString:
			elem, _ = json.Marshal(v)
		case wktValue:
			inner = fd.Message().Fields().ByName("value")
			kind = inner.Kind()
		}
	}
	if kind == protoreflect.BytesKind {
		elem, _ = json.Marshal(v)
	}
	if elem == nil {
		if plainScalar(kind, v) {
			return v, "", true // as protojson reads it, and in its canonical form
		}
		switch {
		case kind == protoreflect.BoolKind && (v == "true" || v == "false"):
			elem = []byte(v)
		case kind == protoreflect.EnumKind && canonicalInt(v):
			elem = []byte(v)
		default:
			elem, _ = json.Marshal(v)
		}
	}
	if fd.IsList() {
		elem = append(append([]byte{'['}, elem...), ']')
	}
	name, _ := json.Marshal(fd.JSONName())
	doc := append(append(append(append([]byte{'{'}, name...), ':'), elem...), '}')
	m := dynamicpb.NewMessage(fd.ContainingMessage())
	if err := protojson.Unmarshal(doc, m); err != nil {
		return "", protojsonAt.ReplaceAllString(err.Error(), ""), false
	}
	switch kind {
	case protoreflect.MessageKind:
		s, _ := json.Marshal(v)
		return string(s), "", true
	case protoreflect.BytesKind:
		return v, "", true // the transcoder reads base64 as protojson does
	}
	val := m.Get(fd)
	if fd.IsList() {
		val = val.List().Get(0)
	}
	if inner != nil {
		val = val.Message().Get(inner)
	}
	switch kind {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind,
		protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return strconv.FormatInt(val.Int(), 10), "", true
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return strconv.FormatUint(val.Uint(), 10), "", true
	}
	return v, "", true
}

// plainScalar reports whether v is a value of kind k in the form the
// transcoder reads as protojson does (decimal integers in range, without
// leading zeros or a sign other than minus; true or false), which most
// requests send: no need to ask protojson.
func plainScalar(k protoreflect.Kind, v string) bool {
	var err error
	switch k {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		var n int64
		n, err = strconv.ParseInt(v, 10, 32)
		return err == nil && strconv.FormatInt(n, 10) == v
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return canonicalInt(v)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		var n uint64
		n, err = strconv.ParseUint(v, 10, 32)
		return err == nil && strconv.FormatUint(n, 10) == v
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		var n uint64
		n, err = strconv.ParseUint(v, 10, 64)
		return err == nil && strconv.FormatUint(n, 10) == v
	case protoreflect.BoolKind:
		return v == "true" || v == "false"
	}
	return false
}

// canonicalInt reports whether v is an integer as JSON writes one: an
// optional minus and digits, without leading zeros.
func canonicalInt(v string) bool {
	n, err := strconv.ParseInt(v, 10, 64)
	return err == nil && strconv.FormatInt(n, 10) == v
}

// keepEscapedSlashes is escapedPath, which matches the route, with each
// escaped slash inside a variable of several segments escaped once more
// ("%252F"), so that the transcoder, which unescapes such variables
// whole, leaves it "%2F" as google.api.http does.
func (r *restRoute) keepEscapedSlashes(escapedPath string) string {
	parts, ok := r.segments(escapedPath)
	last := len(r.segs) - 1
	tail := last >= 0 && r.segs[last] == "**" && !slices.Contains(r.segs[:last], "**")
	if tail && !ok {
		// A final "**" takes the segments after the others: its
		// variable's are read up to the end. The transcoder keeps "%2F"
		// in such a variable, and reads "%252F" as "%2F" too, as it does
		// in a variable of one segment, which ServiceWithRules may bind
		// in its place (see shadowedBindings): the path is written so
		// that either reads the value google.api.http gives.
		p := strings.TrimPrefix(escapedPath, "/")
		if r.verb != "" {
			p = strings.TrimSuffix(p, ":"+r.verb)
		}
		parts, ok = strings.Split(p, "/"), len(strings.Split(p, "/")) >= last
	}
	if !ok || len(parts) != len(r.segs) && !tail {
		return escapedPath
	}
	slash := strings.NewReplacer("%2F", "%252F", "%2f", "%252f")
	for _, at := range r.varSegs {
		end := at[0] + at[1]
		if tail && end == len(r.segs) {
			end = len(parts)
		} else if at[1] < 2 {
			continue
		}
		for i := at[0]; i < end && i < len(parts); i++ {
			parts[i] = slash.Replace(parts[i])
		}
	}
	return r.joined(parts)
}

// segments is the escaped path, one of the route's, split into its
// segments without the custom verb; ok is false for a route with "**",
// whose variables' places depend on the path.
func (r *restRoute) segments(escapedPath string) (parts []string, ok bool) {
	if slices.Contains(r.segs, "**") {
		return nil, false
	}
	p := strings.TrimPrefix(escapedPath, "/")
	if r.verb != "" {
		p = strings.TrimSuffix(p, ":"+r.verb)
	}
	return strings.Split(p, "/"), true
}

// joined is the escaped path of segments parts, with the route's verb.
func (r *restRoute) joined(parts []string) string {
	p := "/" + strings.Join(parts, "/")
	if r.verb != "" {
		p += ":" + r.verb
	}
	return p
}

// matchSegments matches a route's segments to a path's, as the transcoder
// does: "*" takes one segment, an empty one too (/v1/books/ is the route
// /v1/books/{id} with an empty id), "**" any number.
func matchSegments(segs, parts []string) bool {
	if len(segs) == 0 {
		return len(parts) == 0
	}
	switch segs[0] {
	case "**":
		for i := 0; i <= len(parts); i++ {
			if matchSegments(segs[1:], parts[i:]) {
				return true
			}
		}
		return false
	case "*":
		return len(parts) > 0 && matchSegments(segs[1:], parts[1:])
	}
	if len(parts) == 0 {
		return false
	}
	lit, err := url.PathUnescape(parts[0])
	return err == nil && lit == segs[0] && matchSegments(segs[1:], parts[1:])
}

// conflict reports whether the query parameter key names a field that the
// route's path or body sets (or a field inside one, or one that holds
// one), and which of the two.
func (r *restRoute) conflict(key string) (string, bool) {
	path, known := r.resolve(key)
	for _, v := range r.vars {
		if prefixOf(path, v) || prefixOf(v, path) {
			return "the URL path", true
		}
	}
	if (r.bodyAll && known) || (r.body != nil && (prefixOf(path, r.body) || prefixOf(r.body, path))) {
		return "the request body", true
	}
	return "", false
}

// resolve turns a query parameter key, whose parts are proto or JSON
// names, into proto names where the request's descriptor knows them, and
// reports whether it knows them all.
func (r *restRoute) resolve(key string) ([]string, bool) {
	parts, fds := r.fields(key)
	return parts, len(fds) == len(parts)
}

// fields resolves the parts of a query parameter key against the route's
// request, as far as its descriptor knows them: the parts, those resolved
// in proto names, and the fields of those resolved.
func (r *restRoute) fields(key string) ([]string, []protoreflect.FieldDescriptor) {
	parts := strings.Split(key, ".")
	var fds []protoreflect.FieldDescriptor
	md := r.input
	for i, p := range parts {
		if md == nil {
			break
		}
		fd := md.Fields().ByName(protoreflect.Name(p))
		if fd == nil {
			fd = md.Fields().ByJSONName(p)
		}
		if fd == nil {
			break
		}
		parts[i] = string(fd.Name())
		fds = append(fds, fd)
		md = fd.Message()
	}
	return parts, fds
}

// single reports whether the query parameter key names a field of the
// route's request that holds one value (not repeated; a scalar, or a
// well-known type that JSON writes as one value, such as a Timestamp),
// and its path in proto names.
func (r *restRoute) single(key string) (string, bool) {
	parts, fds := r.fields(key)
	if len(fds) != len(parts) {
		return "", false
	}
	fd := fds[len(fds)-1]
	return strings.Join(parts, "."), !fd.IsList() && !fd.IsMap() && (fd.Message() == nil || queryWKT(fd.Message()) != wktNone)
}

// intoScalar reports whether the query parameter key goes on past a
// field of the route's request that holds no fields (`filter.x`), or
// into a map (`attrs.k`, which google.api.http does not map to query
// parameters and the transcoder answered 500), and that field's path
// and what it is.
func (r *restRoute) intoScalar(key string) (field, what string, ok bool) {
	parts, fds := r.fields(key)
	for i, fd := range fds {
		if i == len(parts)-1 {
			break
		}
		switch {
		case fd.IsMap():
			return strings.Join(parts[:i+1], "."), "a map, whose entries query parameters do not set", true
		case fd.IsList():
			return strings.Join(parts[:i+1], "."), "a list, whose elements query parameters do not set one field of", true
		case fd.Message() == nil:
			return strings.Join(parts[:i+1], "."), "not a message", true
		}
	}
	return "", "", false
}

// oneofMembers reports, for the query parameter key, the oneofs of the
// route's request its field path passes through or ends at (by their
// path and name, "probe.kind") with the member it takes in each.
func (r *restRoute) oneofMembers(key string) map[string]string {
	parts, fds := r.fields(key)
	var out map[string]string
	for i, fd := range fds {
		if o := fd.ContainingOneof(); o != nil && !o.IsSynthetic() {
			if out == nil {
				out = map[string]string{}
			}
			out[strings.Join(append(slices.Clone(parts[:i]), string(o.Name())), ".")] = parts[i]
		}
	}
	return out
}

// takesMask reports whether the route's request has an update_mask, a
// FieldMask: Update's or BatchUpdate's.
func (r *restRoute) takesMask() bool {
	if r == nil || r.input == nil {
		return false
	}
	fd := r.input.Fields().ByName("update_mask")
	return fd != nil && !fd.IsList() && fd.Message() != nil && fd.Message().FullName() == "google.protobuf.FieldMask"
}

// readMasks are the singular FieldMask fields of the route's request
// other than update_mask that a service reads (its read mask, AIP-157),
// in the order of their numbers.
func (r *restRoute) readMasks() []protoreflect.FieldDescriptor {
	if r == nil || r.input == nil {
		return nil
	}
	var out []protoreflect.FieldDescriptor
	fields := r.input.Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Name() == "update_mask" || fd.IsList() || fd.Message() == nil || fd.Message().FullName() != fieldMaskName {
			continue
		}
		if _, ok := maskTargets.Load(maskField{r.input.FullName(), fd.Name()}); ok {
			out = append(out, fd)
		}
	}
	return out
}

// maskPaths spells paths, the update mask of a request of the route, in
// proto names: each segment that names a field of the updated resource by
// its JSON name takes the field's name; a map key, and whatever names no
// field, is left as it is (Update refuses what names nothing).
func (r *restRoute) maskPaths(paths []string) []string {
	md := r.maskedMessage()
	if md == nil {
		return paths
	}
	out := make([]string, len(paths))
	for i, p := range paths {
		segs := splitPath(p)
		m := md
		for j, seg := range segs {
			if m == nil || strings.HasPrefix(seg, "`") {
				break
			}
			fd := m.Fields().ByName(protoreflect.Name(seg))
			if fd == nil {
				fd = m.Fields().ByJSONName(seg)
			}
			if fd == nil {
				break
			}
			segs[j] = string(fd.Name())
			if fd.IsMap() {
				break // the next segment is a key
			}
			m = fd.Message()
		}
		out[i] = strings.Join(segs, ".")
	}
	return out
}

// maskedMessage is the message the route's update_mask applies to: the
// resource the body holds (Update), or the resource of each of the
// requests (BatchUpdate); nil when the request has no update_mask.
func (r *restRoute) maskedMessage() protoreflect.MessageDescriptor {
	if r.input == nil {
		return nil
	}
	in := r.input
	if fd := in.Fields().ByName("requests"); r.bodyAll && fd != nil && fd.IsList() && fd.Message() != nil {
		in = fd.Message()
	}
	if fd := in.Fields().ByName("update_mask"); fd == nil || fd.Message() == nil || fd.Message().FullName() != "google.protobuf.FieldMask" {
		return nil
	}
	if len(r.body) == 1 && in == r.input {
		if fd := in.Fields().ByName(protoreflect.Name(r.body[0])); fd != nil {
			return fd.Message()
		}
	}
	var found protoreflect.MessageDescriptor
	for i := range in.Fields().Len() {
		fd := in.Fields().Get(i)
		if m := fd.Message(); m != nil && !fd.IsList() && !fd.IsMap() && m.FullName() != "google.protobuf.FieldMask" {
			if found != nil {
				return nil // two candidates: leave the paths as they are
			}
			found = m
		}
	}
	return found
}

// splitPath splits a field mask path at its dots, except inside a map key
// quoted in backticks.
func splitPath(p string) []string { return splitUnquoted(p, '.') }

// splitUnquoted splits s at sep, except between backticks (a doubled
// backtick inside them is one backtick of the key, and quotes again).
func splitUnquoted(s string, sep byte) []string {
	var out []string
	quoted, start := false, 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] == '`' {
			quoted = !quoted
		}
		if i == len(s) || s[i] == sep && !quoted {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

func prefixOf(a, b []string) bool {
	if len(a) > len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
