package crudrt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
)

// RESTGuard wraps the REST transcoder (vanguard) of a server so that REST
// answers malformed requests as Connect does, InvalidArgument (HTTP 400)
// naming the problem, where the transcoder would answer 500 Unknown or
// read something else than was sent:
//   - a query string with bad percent-encoding (the transcoder would drop
//     the pair) or a key or value that is not UTF-8;
//   - a query parameter the request has no field for;
//   - an empty `update_mask=`, which is no mask, as an empty mask in a JSON
//     body is;
//   - `update_mask`, which it reads itself and hands to Update (or
//     BatchUpdate) as the request's mask: a FieldMask in JSON cannot hold
//     AIP-134's full replacement `*` (with other paths it is
//     InvalidArgument, as over gRPC and Connect), a map key quoted in
//     backticks (AIP-161, `metadata.`+"`x.y`"+`) or a field's proto name
//     (`author_id`, which it takes as well as the JSON name `authorId`);
//   - the read mask (AIP-157) of a method of a service, read as
//     update_mask is, and given to the service: `?read_mask=*`,
//     `?read_mask=create_time`, `?read_mask=a&read_mask=b` (a list of
//     paths), which the transcoder refused or read as the last one;
//   - a field that holds one value (a scalar, not repeated) given by
//     more than one query parameter (`?page_size=1&page_size=2`,
//     `?page_size=1&pageSize=2`), of which the transcoder would keep the
//     last;
//   - given the transcoder's rules, a query parameter that names a field
//     the URL path or the body sets (`/v1/books/1?id=2`, `?book.title=x`
//     on a route whose body is the book, any field on a route whose body
//     is "*"), which the transcoder would let override the path or the
//     body: the call would act on another resource than the URL names.
//     The google.api.http annotations of the methods of every service
//     linked into the program are read too, so a service whose methods
//     are all annotated needs no rules.
//
// Mount it around the transcoder only, with the rules given to it;
// gRPC, gRPC-Web and Connect requests do not go through it.
func RESTGuard(next http.Handler, rules ...*annotations.HttpRule) http.Handler {
	routes := restRoutes(rules)
	verbs := map[string]bool{}
	for _, rt := range routes {
		if rt.verb != "" {
			verbs[rt.verb] = true
		}
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if p := requestPath(r); strings.Contains(p[strings.LastIndexByte(p, '/')+1:], ":") {
			// Only for a path that a route has so read, and none as the
			// transcoder reads it: a route the guard was not given keeps
			// the transcoder's reading.
			if q := verbColon(p, verbs); q != p && anyRoute(routes, q) && !anyRoute(routes, p) {
				r = withRequestPath(r, q)
			}
		}
		if v := r.Header.Get("X-Server-Timeout"); v != "" {
			if _, ok := serverTimeout(v); !ok {
				// The transcoder answers one that is not a number in
				// plain text, and a negative one that rounds to 0 ms as
				// a timeout of 0 (DeadlineExceeded).
				writeRESTError(w, http.StatusBadRequest, 3, "INVALID_ARGUMENT", fmt.Sprintf("X-Server-Timeout must be a number of seconds, not negative: got %q", v))
				return
			}
		}
		if r.Method == http.MethodHead && !headRoute(routes, requestPath(r)) {
			// RFC 9110 (9.3.2): HEAD is GET without the body, which the
			// server does not send; but a binding of its own (custom
			// kind "HEAD", google.api.http) takes it as it is.
			r = r.Clone(r.Context())
			r.Method = http.MethodGet
		}
		if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" {
			// Media types and the charset are case-insensitive (RFC 9110
			// 8.3.1), and JSON is UTF-8: the transcoder takes one spelling.
			if mt, params, err := mime.ParseMediaType(ct); err == nil && mt == "application/json" && (params["charset"] == "" || strings.EqualFold(params["charset"], "utf-8")) && len(params) <= 1 {
				r = r.Clone(r.Context())
				r.Header.Set("Content-Type", "application/json")
			}
		}
		// The route the request takes (nil: none); typed is false when
		// another matches too (of a service linked into the program that
		// the transcoder may not serve): the types of its path and query
		// values are then the transcoder's to read.
		escaped := requestPath(r)
		route, typed := takenRoute(routes, r.Method, escaped)
		empty := r.ContentLength == 0
		if route != nil && route.bodyIsMessage() && r.ContentLength != 0 && r.Header.Get("Content-Encoding") == "" {
			// A body of a length not given (chunked, or HTTP/2 without
			// Content-Length) may be no body, and so is JSON's white
			// space only, or a JSON null (not that of another media
			// type, an HttpBody's).
			ct := r.Header.Get("Content-Type")
			var body io.ReadCloser
			empty, body = blankBody(r, ct == "" || ct == "application/json")
			r = r.Clone(r.Context()) // the server's request keeps its body
			r.Body = body
		}
		if route != nil && route.bodyIsMessage() && empty {
			// No body where the route takes one. A body that is the
			// whole request: the request without fields, `{}`, on
			// every route (the transcoder refused it as malformed JSON
			// on routes without path variables). A body that is one
			// field: that field absent, as in a gRPC or Connect request
			// without it (`book is required`), where the transcoder
			// sets it to an empty message: the service clears it (see
			// absentBody).
			r = r.Clone(r.Context())
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader("{}")), 2
			if r.Header.Get("Content-Type") == "" {
				r.Header.Set("Content-Type", "application/json")
			}
			if !route.bodyAll {
				r = r.WithContext(context.WithValue(r.Context(), absentBodyKey{}, route.body))
			}
		}
		if q := r.URL.RawQuery; q == "" {
			if route != nil && typed {
				if r = readScalars(w, r, route, nil); r == nil {
					return
				}
			}
		} else {
			vals, err := url.ParseQuery(q)
			if err != nil {
				writeRESTError(w, http.StatusBadRequest, 3, "MALFORMED_QUERY", "malformed query string: "+err.Error())
				return
			}
			for k, vs := range vals {
				if !utf8.ValidString(k) {
					writeRESTError(w, http.StatusBadRequest, 3, "MALFORMED_QUERY", fmt.Sprintf("query parameter %q is not valid UTF-8", strings.ToValidUTF8(k, "\uFFFD")))
					return
				}
				if k == "" || slices.Contains(strings.Split(k, "."), "") {
					// The transcoder would panic on "filter.", answering
					// 200 with no body.
					writeRESTError(w, http.StatusBadRequest, 3, "MALFORMED_QUERY", fmt.Sprintf("query parameter %q is not a field path: a name is empty", k))
					return
				}
				for _, v := range vs {
					if !utf8.ValidString(v) {
						writeRESTError(w, http.StatusBadRequest, 3, "MALFORMED_QUERY", fmt.Sprintf("query parameter %q: value is not valid UTF-8", k))
						return
					}
				}
			}
			for _, k := range []string{"update_mask", "updateMask"} {
				if vs, ok := vals[k]; ok && len(vs) == 1 && strings.TrimSpace(vs[0]) == "" {
					// An empty mask is no mask, as in a JSON body.
					delete(vals, k)
					r = r.Clone(r.Context())
					r.URL.RawQuery = vals.Encode()
				}
			}
			if route != nil && typed {
				if r = readScalars(w, r, route, vals); r == nil {
					return
				}
				if v, err := url.ParseQuery(r.URL.RawQuery); err == nil {
					vals = v
				}
			}
			maskKeys := []string{"update_mask", "updateMask", "update_mask.paths", "updateMask.paths"}
			var masks, spelled []string
			for _, k := range maskKeys {
				masks = append(masks, vals[k]...)
				if len(vals[k]) > 0 {
					spelled = append(spelled, k)
				}
			}
			if len(spelled) > 1 {
				// One spelling may repeat (a mask's paths are a list);
				// two spellings are two masks, of which the transcoder
				// would keep one.
				writeRESTError(w, http.StatusBadRequest, 3, "QUERY_REPEATS_FIELD", fmt.Sprintf("query parameters %s all give field update_mask; give it under one name", strings.Join(spelled, " and ")))
				return
			}
			if len(masks) > 0 && route.takesMask() {
				// The mask is read here, not by the transcoder, whose
				// FieldMask in JSON cannot hold "*", map keys in
				// backticks or proto names (author_id).
				paths := queryMaskPaths(masks)
				if slices.Contains(paths, "*") && len(paths) > 1 {
					// As the service refuses it over gRPC and Connect.
					writeRESTJSON(w, http.StatusBadRequest, restErrorJSON(InvalidArgument("", FieldViolation{Field: "update_mask", Description: "invalid field path: '*' must not be used with other paths"})))
					return
				}
				paths = route.maskPaths(paths)
				for _, k := range maskKeys {
					delete(vals, k)
				}
				r = withQueryMask(r, "update_mask", paths)
				r.URL.RawQuery = vals.Encode()
			}
			for _, fd := range route.readMasks() {
				// A read mask (AIP-157) of a service's method, read here
				// as update_mask is: the transcoder's FieldMask in JSON
				// takes neither "*", nor proto names (create_time), nor
				// map keys, and keeps the last of repeated parameters.
				target, _ := maskTargets.Load(maskField{route.input.FullName(), fd.Name()})
				var keys []string
				for _, n := range slices.Compact([]string{string(fd.Name()), fd.JSONName()}) {
					keys = append(keys, n, n+".paths")
				}
				var masks, spelled []string
				for _, k := range keys {
					masks = append(masks, vals[k]...)
					if len(vals[k]) > 0 {
						spelled = append(spelled, k)
					}
				}
				if len(spelled) == 0 {
					continue
				}
				if len(spelled) > 1 {
					writeRESTError(w, http.StatusBadRequest, 3, "QUERY_REPEATS_FIELD", fmt.Sprintf("query parameters %s all give field %s; give it under one name", strings.Join(spelled, " and "), fd.Name()))
					return
				}
				paths := queryMaskPaths(masks)
				for i, p := range paths {
					paths[i] = jsonMaskPath(splitUnquoted(p, '.'), target.(protoreflect.MessageDescriptor))
				}
				for _, k := range keys {
					delete(vals, k)
				}
				r = withQueryMask(r, fd.Name(), paths)
				r.URL.RawQuery = vals.Encode()
			}
			if len(vals) > 0 {
				keys := slices.Sorted(maps.Keys(vals))
				for i := range routes {
					if !routes[i].matches(r.Method, escaped) {
						continue
					}
					given := map[string][]string{}            // the keys of each single-valued field
					members := map[string]map[string]string{} // by oneof, the key of each member given
					for _, k := range keys {
						if field, what, ok := routes[i].intoScalar(k); ok {
							writeRESTError(w, http.StatusBadRequest, 3, "MALFORMED_QUERY", fmt.Sprintf("query parameter %q names a field inside %s, which is %s", k, field, what))
							return
						}
						for oneof, member := range routes[i].oneofMembers(k) {
							if members[oneof] == nil {
								members[oneof] = map[string]string{}
							}
							members[oneof][member] = k
						}
						if by, ok := routes[i].conflict(k); ok {
							writeRESTError(w, http.StatusBadRequest, 3, "QUERY_OVERRIDES_FIELD", fmt.Sprintf("query parameter %q names a field that %s sets", k, by))
							return
						}
						if path, ok := routes[i].single(k); ok {
							for range vals[k] {
								given[path] = append(given[path], k)
							}
						}
					}
					for _, k := range keys {
						// A field given whole and a field inside it
						// (?since=…&since.seconds=5): the transcoder
						// would keep one of them.
						outer, known := routes[i].resolve(k)
						if !known {
							continue
						}
						for _, k2 := range keys {
							if inner, ok := routes[i].resolve(k2); ok && len(inner) > len(outer) && prefixOf(outer, inner) {
								writeRESTError(w, http.StatusBadRequest, 3, "QUERY_REPEATS_FIELD", fmt.Sprintf("query parameters %s and %s both give field %s; give it once", k, k2, strings.Join(outer, ".")))
								return
							}
						}
					}
					for _, oneof := range slices.Sorted(maps.Keys(members)) {
						if len(members[oneof]) > 1 {
							// The transcoder would keep the last member;
							// a body setting two is refused as well.
							ks := slices.Sorted(maps.Values(members[oneof]))
							writeRESTError(w, http.StatusBadRequest, 3, "QUERY_REPEATS_FIELD", fmt.Sprintf("query parameters %s set %d fields of oneof %s; it takes one", strings.Join(ks, " and "), len(ks), oneof))
							return
						}
					}
					for _, path := range slices.Sorted(maps.Keys(given)) {
						if ks := given[path]; len(ks) > 1 {
							// The transcoder would keep the last value.
							writeRESTError(w, http.StatusBadRequest, 3, "QUERY_REPEATS_FIELD", fmt.Sprintf("query parameters %s give field %s %d values; it takes one", strings.Join(slices.Compact(ks), " and "), path, len(ks)))
							return
						}
					}
				}
			}
		}
		gw := newGuardWriter(w, r)
		if route != nil && len(route.body) > 0 && route.bodyIsMessage() {
			// The errors of a body that is a message name fields inside
			// it; those of a body that is one value (RESTJSON's
			// UnmarshalField) name the field itself.
			gw.body = strings.Join(route.body, ".")
		}
		next.ServeHTTP(gw, escapedForTranscoder(r, route))
		gw.finish()
	})
}

// takenRoute is the route of routes that a request with this method and
// escaped path takes (nil: none), as the transcoder's router chooses it
// of the bindings that match (ServicesWithRules): the one with a literal
// where the others have "*" ("*" before "**") at the first segment they
// differ in, the first of those that are alike. only is false when
// another route matches too.
func takenRoute(routes []restRoute, method, escapedPath string) (route *restRoute, only bool) {
	only = true
	for i := range routes {
		if !routes[i].matches(method, escapedPath) {
			continue
		}
		if route == nil {
			route = &routes[i]
			continue
		}
		only = false
		if compareSegments(routes[i].segs, route.segs) < 0 {
			route = &routes[i]
		}
	}
	return route, only
}

// headRoute reports whether a route bound to HEAD has the escaped path.
func headRoute(routes []restRoute, escapedPath string) bool {
	for i := range routes {
		if routes[i].matches(http.MethodHead, escapedPath) {
			return true
		}
	}
	return false
}

// anyRoute reports whether a route, of any method, has the escaped path.
func anyRoute(routes []restRoute, escapedPath string) bool {
	for i := range routes {
		if routes[i].matchesPath(escapedPath) {
			return true
		}
	}
	return false
}

// verbColon is the escaped path p whose last segment holds a colon with
// only the colon of a custom verb left as it is, the others escaped
// ("%3A"), as google.api.http gateways read a path: the verb is what
// follows the last colon, when a route has that verb, and otherwise the
// colon is part of the segment, as in a resource id ("members/user:ann",
// "volumes/v:w:inspect" with the verb inspect), where the transcoder took
// what follows the first colon as the verb, and found no route.
func verbColon(p string, verbs map[string]bool) string {
	i := strings.LastIndexByte(p, '/') + 1
	last := p[i:]
	j := strings.LastIndexByte(last, ':')
	colon := strings.NewReplacer(":", "%3A")
	if verb := last[j+1:]; verbs[verb] {
		return p[:i] + colon.Replace(last[:j]) + last[j:]
	}
	return p[:i] + colon.Replace(last)
}

// escapedForTranscoder is r with its URL's Path in its escaped form,
// which the transcoder splits into segments and then unescapes, variable
// by variable, as google.api.http reads a path: an escaped slash is part
// of its segment, and every escape is read once. The transcoder reads
// URL.Path, which Go has unescaped already: "/v1/shelves/S%2Fbooks%2FB"
// took the route of "/v1/shelves/S/books/B" (DeleteBook for DeleteShelf),
// and "%252F" was read as "/". In a variable of several segments of
// route ({name=shelves/*}), where google.api.http keeps "%2F" as it is,
// the transcoder unescapes it too: it is escaped once more for it.
func escapedForTranscoder(r *http.Request, route *restRoute) *http.Request {
	escaped := requestPath(r)
	if route != nil && strings.Contains(strings.ToUpper(escaped), "%2F") {
		escaped = route.keepEscapedSlashes(escaped)
	}
	if escaped == r.URL.Path {
		return r
	}
	r = r.Clone(r.Context())
	r.URL.Path, r.URL.RawPath = escaped, ""
	return r
}

// jsonSpace is JSON's white space (RFC 8259).
const jsonSpace = " \t\n\r"

// maxBlankProbe bounds the white space blankBody holds to tell a blank
// body.
const maxBlankProbe = 64 << 10

// blankBody reports whether r's body is empty, or, with json, JSON's
// white space only (RFC 8259: space, tab, line feed, carriage return) or
// a JSON null between white space, which proto3's JSON reads as the
// default of what it stands for: no message. When it is not, body is r's
// body with the bytes read to tell put back. A body of more than
// maxBlankProbe bytes of white space is not blank.
func blankBody(r *http.Request, json bool) (blank bool, body io.ReadCloser) {
	if r.Body == nil || r.Body == http.NoBody {
		return true, r.Body
	}
	var read []byte
	var probe nullProbe
	buf := make([]byte, 512)
	for {
		n, err := r.Body.Read(buf)
		read = append(read, buf[:n]...)
		if n > 0 && (!json || !probe.add(buf[:n])) || len(read) >= maxBlankProbe {
			// Something else than white space and a null, or more white
			// space than a client sends for nothing: the body as it is,
			// which the transcoder reads (bounded by the server's body
			// limit, not held here).
			err = nil
		} else if err == nil {
			continue
		} else if errors.Is(err, io.EOF) {
			if probe.blank() {
				return true, r.Body
			}
			err = nil // a null cut short: the transcoder's to refuse
		}
		var more io.Reader = r.Body
		if err != nil {
			more = errReader{err}
		}
		return false, prefetched{Reader: io.MultiReader(bytes.NewReader(read), more), Closer: r.Body}
	}
}

// nullProbe reads a body's bytes in turn, each once, and tells whether
// they are JSON's white space around at most one null.
type nullProbe struct {
	word  int  // the bytes of "null" read, white space aside
	ended bool // white space came after them
}

// add reads b, and reports false once the body is something else.
func (p *nullProbe) add(b []byte) bool {
	for _, c := range b {
		switch {
		case strings.IndexByte(jsonSpace, c) >= 0:
			p.ended = p.ended || p.word > 0
		case p.ended || p.word == len("null") || "null"[p.word] != c:
			return false
		default:
			p.word++
		}
	}
	return true
}

// blank reports whether what add read is white space only, or a whole
// null.
func (p *nullProbe) blank() bool { return p.word == 0 || p.word == len("null") }

// readScalars reads the path and query values of a request on route that
// set number, bool or enum fields as the other protocols read them (see
// restRoute.scalars): it answers InvalidArgument, as they do, to a value
// they refuse, and returns nil; otherwise r, or a copy of r with the
// numbers in the transcoder's form.
func readScalars(w http.ResponseWriter, r *http.Request, route *restRoute, vals url.Values) *http.Request {
	escaped := requestPath(r)
	p, q, e := route.scalars(escaped, vals)
	if e != nil {
		writeRESTJSON(w, http.StatusBadRequest, restErrorJSON(e))
		return nil
	}
	if p == escaped && q == nil {
		return r
	}
	r = r.Clone(r.Context())
	if p != escaped {
		if u, err := url.PathUnescape(p); err == nil {
			r = withRequestPath(r, p)
			r.URL.Path, r.URL.RawPath = u, p
		}
	}
	if q != nil {
		r.URL.RawQuery = q.Encode()
	}
	return r
}

// queryMaskPaths are the paths of the values of a mask's query
// parameters, a list of paths each: an empty value of several is an
// empty path, which the service refuses as in "title,".
func queryMaskPaths(values []string) []string {
	var paths []string
	for _, v := range values {
		ps := splitMask(v)
		if len(ps) == 0 && len(values) > 1 {
			ps = []string{""}
		}
		paths = append(paths, ps...)
	}
	return paths
}

// absentBodyKey holds the path of the field, in proto names, that a REST
// request's binding takes its body into, when the request has no body
// (or JSON's white space only): []string.
type absentBodyKey struct{}

// absentBody is the path of the field that a REST request without a body
// leaves absent, or nil.
func absentBody(ctx context.Context) []string {
	path, _ := ctx.Value(absentBodyKey{}).([]string)
	return path
}

// RESTBodies is a connect-go interceptor for the handlers a transcoder
// behind RESTGuard calls: a REST request without a body (or with JSON's
// white space only, or null) on a binding whose body is one field
// (`body: "book"`) reaches the method with that field absent, as a gRPC
// or Connect request without it does, where the transcoder set it to an
// empty message. Generated standard methods see to it themselves; the
// interceptor does it for every method, custom methods and methods a
// service implements itself included. GRPCServerOptions do the same on
// grpc-go.
func RESTBodies() connect.Interceptor {
	return connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
		return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
			if m, ok := req.Any().(proto.Message); ok {
				leaveBodyAbsent(ctx, m)
			}
			return next(ctx, req)
		}
	})
}

// leaveBodyAbsent clears, in req, the field a REST request without a body
// leaves absent (see absentBody), if any.
func leaveBodyAbsent(ctx context.Context, req proto.Message) {
	if path := absentBody(ctx); path != nil && req != nil && !flag(ctx, recordingKey{}) {
		clearBodyField(req.ProtoReflect(), path)
	}
}

// queryMaskKey holds the paths of a REST request's mask query parameters
// (update_mask, and the read masks of services' methods), in proto names,
// by the request's field (see RESTGuard): map[protoreflect.Name][]string.
type queryMaskKey struct{}

// withQueryMask is r with the paths of its query's mask for field.
func withQueryMask(r *http.Request, field protoreflect.Name, paths []string) *http.Request {
	old, _ := r.Context().Value(queryMaskKey{}).(map[protoreflect.Name][]string)
	masks := maps.Clone(old)
	if masks == nil {
		masks = map[protoreflect.Name][]string{}
	}
	masks[field] = paths
	return r.Clone(context.WithValue(r.Context(), queryMaskKey{}, masks))
}

// queryMask is the update mask of a REST request's query, or nil.
func queryMask(ctx context.Context) *fieldmaskpb.FieldMask {
	return queryMaskOf(ctx, "update_mask")
}

// queryMaskOf is the mask a REST request's query gives field, or nil.
func queryMaskOf(ctx context.Context, field protoreflect.Name) *fieldmaskpb.FieldMask {
	masks, _ := ctx.Value(queryMaskKey{}).(map[protoreflect.Name][]string)
	if paths := masks[field]; len(paths) > 0 {
		return &fieldmaskpb.FieldMask{Paths: paths}
	}
	return nil
}

// splitMask splits a FieldMask's text form at its commas, except inside a
// map key quoted in backticks (AIP-161), as protojson reads a FieldMask:
// spaces around the whole text are dropped, and the empty text is no
// path; an empty path, or spaces around one inside the text, are kept for
// the server to refuse (protojson refuses them): a malformed mask never
// becomes no mask.
func splitMask(s string) []string {
	if s = strings.TrimSpace(s); s == "" {
		return nil
	}
	return splitUnquoted(s, ',')
}

// serverTimeout reads REST's X-Server-Timeout header, a number of seconds
// (as the transcoder reads it); ok is false for one that is not a number,
// or is negative. One longer than a time.Duration holds is the longest.
func serverTimeout(v string) (d time.Duration, ok bool) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || !(f >= 0) { // NaN too
		return 0, false
	}
	if f >= float64(math.MaxInt64)/float64(time.Second) {
		return math.MaxInt64, true
	}
	return time.Duration(f * float64(time.Second)), true
}

// writeRESTError writes a google.rpc.Status as vanguard's REST errors are.
func writeRESTError(w http.ResponseWriter, status, code int, reason, msg string) {
	info := map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason, "domain": ErrorDomain}
	b, _ := json.Marshal(map[string]any{"code": code, "message": capText(msg), "details": []any{info}})
	writeRESTJSON(w, status, b)
}

// writeRESTJSON answers with the JSON body b and HTTP status.
func writeRESTJSON(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// heldWriter passes an answer through as it is written, unless hold
// says, at WriteHeader, to keep it back: its status and body are then
// kept for the guard to rewrite once the handler has returned.
type heldWriter struct {
	http.ResponseWriter
	hold   func(status int, h http.Header) bool
	held   bool
	status int
	buf    bytes.Buffer
}

func (g *heldWriter) WriteHeader(status int) {
	if g.held {
		return
	}
	if g.hold(status, g.Header()) {
		g.held, g.status = true, status
		return
	}
	g.ResponseWriter.WriteHeader(status)
}

func (g *heldWriter) Write(b []byte) (int, error) {
	if g.held {
		return g.buf.Write(b)
	}
	return g.ResponseWriter.Write(b)
}

func (g *heldWriter) Flush() {
	if f, ok := g.ResponseWriter.(http.Flusher); ok && !g.held {
		f.Flush()
	}
}

func (g *heldWriter) Unwrap() http.ResponseWriter { return g.ResponseWriter }

// release writes a held answer as body, with its status.
func (g *heldWriter) release(body []byte) {
	g.Header().Set("Content-Length", strconv.Itoa(len(body)))
	g.ResponseWriter.WriteHeader(g.status)
	_, _ = g.ResponseWriter.Write(body)
}

// guardWriter holds back the transcoder's error answers: a 500 to turn
// the errors of the request's own making that it reports as Unknown into
// InvalidArgument; its plain-text answers to a path no route has (404), a
// method the path's routes do not take (405) or a body it cannot read
// (415) to give them a google.rpc.Status body as every other REST error
// has; and the errors it raises itself (a path value or query parameter
// of the wrong type, a body over the limit) to give them the ErrorInfo
// every error carries (AIP-193), with the code's name as its reason.
// Other answers pass through as they are written.
type guardWriter struct {
	heldWriter
	method, path, contentType string
	// encoded is whether the request's body has a Content-Encoding.
	encoded bool
	// body is the field the route's body sets ("book"), or empty: the
	// paths of the errors of reading the body start with it.
	body string
}

func newGuardWriter(w http.ResponseWriter, r *http.Request) *guardWriter {
	return &guardWriter{
		heldWriter: heldWriter{ResponseWriter: w, hold: func(status int, h http.Header) bool {
			return status >= 400
		}},
		method: r.Method, path: requestPath(r), contentType: r.Header.Get("Content-Type"),
		encoded: r.Header.Get("Content-Encoding") != "",
	}
}

// requestFaults are the transcoder's Unknown errors that the request
// caused.
var requestFaults = append([]string{"unknown field in field path", "contains invalid UTF-8", "request should have no body"},
	compressionFaults...)

// compressionFaults are the transcoder's words for a body whose
// Content-Encoding does not decode (or ends early).
var compressionFaults = []string{"gzip: ", "flate: ", "zlib: ", "unexpected EOF"}

// decodeFault reports whether msg is an error of protojson's decoding of
// the body, which the transcoder reports as Unknown for some values (a
// FieldMask path that no field name spells, such as "*"): "proto:", a
// space or a no-break space (protobuf-go picks either, so that no one
// matches its messages exactly), then the position, "(line 1:15)", or
// "syntax error" and the position. An
// error of encoding a response has no position.
func decodeFault(msg string) bool {
	rest, ok := strings.CutPrefix(msg, "proto:")
	if !ok {
		return false
	}
	rest = strings.TrimPrefix(strings.TrimLeft(rest, " \u00a0"), "syntax error ")
	return strings.HasPrefix(rest, "(line ")
}

func (g *guardWriter) finish() {
	if !g.held {
		return
	}
	var st struct {
		Code    int               `json:"code"`
		Message string            `json:"message"`
		Details []json.RawMessage `json:"details"`
	}
	// The transcoder's errors are a google.rpc.Status in JSON, whatever
	// Content-Type it gives them (at times the gRPC call's own).
	plain := json.Unmarshal(g.buf.Bytes(), &st) != nil || st.Code == 0
	for _, k := range []string{"Grpc-Status", "Grpc-Message", "Grpc-Status-Details-Bin", "Trailer"} {
		g.Header().Del(k)
	}
	switch {
	case g.status == http.StatusUnsupportedMediaType && plain:
		g.Header().Del("X-Content-Type-Options")
		msg := strings.TrimSpace(g.buf.String())
		if strings.Contains(msg, "compression") {
			// As connect-go answers a Content-Encoding it does not take.
			writeRESTError(g.ResponseWriter, http.StatusNotImplemented, 12, "UNSUPPORTED_COMPRESSION", msg)
			return
		}
		// The transcoder's message names a "sub-format" of its own.
		writeRESTError(g.ResponseWriter, g.status, 3, "UNSUPPORTED_MEDIA_TYPE", fmt.Sprintf("content type %q is not supported: send application/json", g.contentType))
		return
	case g.status == http.StatusNotFound && plain:
		g.Header().Del("X-Content-Type-Options")
		writeRESTError(g.ResponseWriter, g.status, 5, "NO_REST_ROUTE", fmt.Sprintf("no REST route for %s %s", g.method, g.path))
		return
	case g.status == http.StatusMethodNotAllowed && plain:
		g.Header().Del("X-Content-Type-Options")
		allowed := strings.Split(g.Header().Get("Allow"), ",")
		for i := range allowed {
			allowed[i] = strings.TrimSpace(allowed[i])
		}
		slices.Sort(allowed)
		g.Header().Set("Allow", strings.Join(allowed, ", ")) // the same on every call
		writeRESTError(g.ResponseWriter, g.status, 12, "METHOD_NOT_ALLOWED", fmt.Sprintf("%s is not a method of %s; its routes take %s", g.method, g.path, strings.Join(allowed, ", ")))
		return
	}
	if plain {
		g.release(g.buf.Bytes())
		return
	}
	g.Header().Set("Content-Type", "application/json")
	if g.body != "" && st.Code == 3 {
		if b, ok := bodyFieldPaths(g.buf.Bytes(), g.body); ok {
			g.release(b)
			return
		}
	}
	if st.Code == 2 {
		for _, f := range requestFaults {
			if strings.Contains(st.Message, f) || decodeFault(st.Message) {
				g.Header().Del("Content-Length")
				msg := st.Message
				if g.encoded && slices.Contains(compressionFaults, f) {
					// In connect-go's words for the same body.
					msg = "decompress: " + msg
				}
				writeRESTError(g.ResponseWriter, http.StatusBadRequest, 3, "MALFORMED_REQUEST", msg)
				return
			}
		}
	}
	for _, d := range st.Details {
		var t struct {
			Type string `json:"@type"`
		}
		if json.Unmarshal(d, &t) == nil && t.Type == "type.googleapis.com/google.rpc.ErrorInfo" {
			g.release(g.buf.Bytes())
			return
		}
	}
	if st.Code == 3 {
		// connect-go's codec error on a route whose body is the whole
		// request (":batchCreate"): answered as RESTJSON answers a body.
		if e, ok := malformedJSONMessage(st.Message); ok {
			g.release(restErrorJSON(e))
			return
		}
	}
	info := map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": codeInfo(connect.Code(st.Code)).GetReason(), "domain": ErrorDomain}
	details := append([]any{info}, anySlice(st.Details)...)
	b, err := json.Marshal(map[string]any{"code": st.Code, "message": capText(st.Message), "details": details})
	if err != nil {
		g.release(g.buf.Bytes())
		return
	}
	g.release(b)
}

// bodyFieldPaths puts the body's field before the field paths of the
// error status of reading a body (RESTJSON's MALFORMED_JSON, whose paths
// start in the message the body holds), so that they name the request's
// field as Connect's do ("book.state"); ok is false for other errors.
func bodyFieldPaths(status []byte, body string) ([]byte, bool) {
	var st map[string]any
	if json.Unmarshal(status, &st) != nil {
		return nil, false
	}
	details, _ := st["details"].([]any)
	var info, br map[string]any
	for _, d := range details {
		m, _ := d.(map[string]any)
		switch m["@type"] {
		case "type.googleapis.com/google.rpc.ErrorInfo":
			info = m
		case "type.googleapis.com/google.rpc.BadRequest":
			br = m
		}
	}
	if info == nil || br == nil || info["reason"] != "MALFORMED_JSON" {
		return nil, false
	}
	violations, _ := br["fieldViolations"].([]any)
	var fields, parts []string
	for _, v := range violations {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		f, _ := m["field"].(string)
		desc, _ := m["description"].(string)
		f = capText(body + "." + f)
		m["field"] = f
		fields = append(fields, f)
		parts = append(parts, f+": "+desc)
	}
	if len(fields) == 0 {
		return nil, false
	}
	if md, ok := info["metadata"].(map[string]any); ok {
		md["fields"] = fieldList(fields)
	}
	st["message"] = capText("invalid request: " + strings.Join(parts, "; "))
	b, err := json.Marshal(st)
	return b, err == nil
}

func anySlice(raw []json.RawMessage) []any {
	out := make([]any, len(raw))
	for i, r := range raw {
		out[i] = r
	}
	return out
}
