package crudrt

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// RPCGuard wraps the gRPC, gRPC-Web and Connect handlers of a server:
//   - a malformed request envelope (a frame shorter than its length
//     prefix, a truncated header, a compressed flag without an encoding,
//     a request frame flagged as trailers) is InvalidArgument, as the
//     request's fault, where connect-go answers
//     Internal ("protocol error: …"), a code that says the server failed;
//   - an error that connect-go raises before the request reaches the
//     service (a message it cannot decode) gets the google.rpc.ErrorInfo
//     every error carries (AIP-193), with the code's name as its reason;
//   - a procedure no handler serves, which the mux answers with a
//     plain-text 404, is Unimplemented as each protocol spells it: gRPC
//     and gRPC-Web a trailers-only answer with grpc-status 12 (as grpc-go
//     answers an unknown method), Connect a 404 with a JSON error, each
//     with its ErrorInfo; so is a path that is not clean (`//`, `/./`),
//     which the mux would redirect;
//   - a gRPC or gRPC-Web content type that names a codec the handlers
//     lack (application/grpc+xml), which connect-go answers with a bare
//     HTTP 415 that gRPC clients read as Unknown, is InvalidArgument in
//     the protocol's own form (see unsupportedCodec);
//   - a Connect GET sent as HEAD is served as GET, without the body;
//     a Connect GET with a body is InvalidArgument, as REST answers a
//     GET with a body, where connect-go answers a bare 415.
//
// Other requests and answers pass through untouched.
func RPCGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ct := r.Header.Get("Content-Type")
		// Media types are case-insensitive, as connect-go reads them.
		grpc := strings.HasPrefix(strings.ToLower(ct), "application/grpc")
		if p := requestPath(r); p != cleanPath(p) || escapedSlash(r, p) {
			// No procedure or route has such a path: answered here, where
			// the mux would redirect to the cleaned one (307).
			unknownPath(w, r, grpc)
			return
		}
		if !grpc {
			if r.Method == http.MethodHead && connectProcedure(r) {
				// RFC 9110 (9.3.2): HEAD is GET without the body, which
				// the server does not send; connect-go answers it 405,
				// where REST serves it.
				r = r.Clone(r.Context())
				r.Method = http.MethodGet
			}
			if r.Method == http.MethodGet && connectProcedure(r) {
				// The message is the query's: a body is the client's
				// mistake, InvalidArgument as over REST, where
				// connect-go answers a bare 415.
				if empty, _ := blankBody(r, false); !empty {
					b := connectErrorJSON(Errorf(connect.CodeInvalidArgument, "a Connect GET request has no body: its message is the query's message parameter").WithReason("MALFORMED_REQUEST"))
					w.Header().Set("Content-Type", "application/json")
					w.Header().Set("Content-Length", strconv.Itoa(len(b)))
					w.WriteHeader(http.StatusBadRequest)
					_, _ = w.Write(b)
					return
				}
			}
			cw := &connectWriter{heldWriter{ResponseWriter: w, hold: func(status int, h http.Header) bool {
				return connectProcedure(r) && status >= 400 && strings.HasPrefix(h.Get("Content-Type"), "application/json") ||
					unknownProcedure(status, h) || muxRedirect(status, h, r)
			}}, r}
			next.ServeHTTP(cw, r)
			cw.finish()
			return
		}
		pw := &rpcWriter{ResponseWriter: w, json: jsonCodec(r)}
		// A gRPC answer is HTTP 200 whatever its status: a 404 is the
		// mux's, or the REST transcoder's for a service no handler has.
		uw := &heldWriter{ResponseWriter: pw, hold: func(status int, h http.Header) bool {
			return status == http.StatusNotFound || muxRedirect(status, h, r) ||
				status == http.StatusUnsupportedMediaType && r.Method == http.MethodPost && grpcMediaBase(r) != ""
		}}
		next.ServeHTTP(uw, r)
		if uw.held {
			w.Header().Del("X-Content-Type-Options")
			w.Header().Del("Location")
			if uw.status == http.StatusUnsupportedMediaType {
				unsupportedCodec(pw, r)
				return
			}
			unknownPath(pw, r, true)
			return
		}
		// gRPC over HTTP/2 sends the status as trailers, set by now.
		fixProtocolStatus(w.Header(), http.TrailerPrefix, pw.json)
	})
}

// escapedSlash reports whether r calls a procedure (gRPC, or a Connect
// path, whose first segment holds a dot) with a slash escaped in its
// path (/library.v1.BookService%2FGetBook): no procedure has such a
// path, which the mux would otherwise hand to another handler.
func escapedSlash(r *http.Request, escaped string) bool {
	raw := strings.ToLower(escaped)
	if !strings.Contains(raw, "%2f") {
		return false
	}
	return strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/grpc") || connectProcedure(r)
}

// cleanPath is p as net/http's mux cleans it: no empty, "." or ".."
// segment; a trailing slash is kept.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// unsupportedCodec answers a gRPC or gRPC-Web request whose content type
// names a codec the handlers lack (application/grpc+xml), which
// connect-go answers with a bare HTTP 415 that gRPC clients read as
// Unknown: InvalidArgument in the protocol's own form, a trailers-only
// answer, with the reason REST gives a media type it does not take
// (UNSUPPORTED_MEDIA_TYPE), naming the content types of the protocol
// that are served.
func unsupportedCodec(w http.ResponseWriter, r *http.Request) {
	ct, base := r.Header.Get("Content-Type"), grpcMediaBase(r)
	var served []string
	for _, t := range strings.Split(w.Header().Get("Accept-Post"), ",") {
		t = strings.TrimSpace(t)
		if b, _, _ := strings.Cut(t, "+"); b == base && !strings.Contains(t, ";") {
			served = append(served, t)
		}
	}
	if base == "application/grpc-web-text" {
		served = []string{"application/grpc-web-text", "application/grpc-web-text+proto"} // GRPCWebText's
	}
	w.Header().Del("Content-Length")
	msg := fmt.Sprintf("content type %q is not supported: send %s", ct, strings.Join(served, ", "))
	webTextError(w, ct, strconv.Itoa(int(connect.CodeInvalidArgument)), "UNSUPPORTED_MEDIA_TYPE", capText(msg))
}

// grpcMediaBase is the media type of r's gRPC or gRPC-Web content type
// without its codec ("application/grpc-web" for
// "application/grpc-web+xml"), or "" for a content type of neither
// protocol (application/grpc-foo, which gRPC answers 415).
func grpcMediaBase(r *http.Request) string {
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(mt)), "+")
	switch base {
	case "application/grpc", "application/grpc-web", "application/grpc-web-text":
		return base
	}
	return ""
}

// unknownPath answers a request for a path that names no procedure or
// route, as its protocol spells Unimplemented or NotFound: gRPC and
// gRPC-Web a trailers-only grpc-status 12 (as grpc-go answers an unknown
// method), Connect (a first segment with a dot, as procedures have) a 404
// with its JSON error, REST a 404 google.rpc.Status; each with its
// ErrorInfo.
func unknownPath(w http.ResponseWriter, r *http.Request, grpc bool) {
	msg := capText("unknown procedure " + requestPath(r))
	h := w.Header()
	h.Del("Content-Length")
	// The first segment that is not empty or a dot: "//library.v1.X/Get"
	// calls a procedure, "/./v1/books" a REST route.
	seg := ""
	for _, s := range strings.Split(r.URL.Path, "/") {
		if s != "" && s != "." && s != ".." {
			seg = s
			break
		}
	}
	switch {
	case grpc:
		// Trailers-only: the status in the headers, no body.
		h.Set("Content-Type", r.Header.Get("Content-Type"))
		h.Set("Grpc-Status", strconv.Itoa(int(connect.CodeUnimplemented)))
		h.Set("Grpc-Message", url.PathEscape(msg))
		fixProtocolStatus(h, "", false)
		w.WriteHeader(http.StatusOK)
	case strings.Contains(seg, "."):
		body, _ := json.Marshal(map[string]string{"code": connect.CodeUnimplemented.String(), "message": msg})
		body = withErrorInfo(body, false)
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write(body)
	default:
		writeRESTError(w, http.StatusNotFound, 5, "NO_REST_ROUTE", fmt.Sprintf("no REST route for %s %s", r.Method, requestPath(r)))
	}
}

// unknownProcedure reports whether an answer is the mux's plain-text 404
// for a path no handler serves.
func unknownProcedure(status int, h http.Header) bool {
	return status == http.StatusNotFound && strings.HasPrefix(h.Get("Content-Type"), "text/plain")
}

// muxRedirect reports whether an answer is the mux's redirect of a path
// without its trailing slash to the subtree of a service's procedures
// ("/library.v1.BookService" to "/library.v1.BookService/"): no procedure
// or route has such a path.
func muxRedirect(status int, h http.Header, r *http.Request) bool {
	if status < 300 || status > 399 {
		return false
	}
	loc, err := url.Parse(h.Get("Location"))
	return err == nil && loc.Path == r.URL.Path+"/"
}

// noRESTRoute reports whether an answer is RESTGuard's 404 for a path no
// REST route has: a procedure of a service no handler serves, which fell
// through to the REST transcoder.
func noRESTRoute(status int, body []byte) bool {
	if status != http.StatusNotFound {
		return false
	}
	var st struct {
		Details []struct {
			Reason string `json:"reason"`
		} `json:"details"`
	}
	return json.Unmarshal(body, &st) == nil && len(st.Details) > 0 && st.Details[0].Reason == "NO_REST_ROUTE"
}

// connectProcedure reports whether r calls a procedure in the Connect
// protocol: /package.Service/Method, whose first segment holds a dot, as
// no REST route's does.
func connectProcedure(r *http.Request) bool {
	seg, rest, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return ok && strings.Contains(seg, ".") && rest != "" && !strings.Contains(rest, "/")
}

// rpcWriter fixes the status of a gRPC-Web trailers-only answer, which
// travels in the headers, before they are sent.
type rpcWriter struct {
	http.ResponseWriter
	sent bool
	json bool // the request's codec is JSON
}

func (p *rpcWriter) send() {
	if !p.sent {
		p.sent = true
		fixProtocolStatus(p.Header(), "", p.json)
	}
}

func (p *rpcWriter) WriteHeader(code int) {
	p.send()
	p.ResponseWriter.WriteHeader(code)
}

func (p *rpcWriter) Write(b []byte) (int, error) {
	p.send()
	return p.ResponseWriter.Write(b)
}

func (p *rpcWriter) Flush() {
	p.send()
	if f, ok := p.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (p *rpcWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// fixProtocolStatus turns connect-go's Internal for a malformed envelope
// into InvalidArgument in h, under the key prefix, and gives an error
// status without an ErrorInfo one: for a message the codec could not
// read (isJSON: the request's codec is JSON), the status every protocol
// answers (malformedJSON, malformedProto).
func fixProtocolStatus(h http.Header, prefix string, isJSON bool) {
	code := h.Get(prefix + "Grpc-Status")
	if msg, _ := url.PathUnescape(h.Get(prefix + "Grpc-Message")); code == "13" && protocolError(msg) {
		code = "3"
		h.Set(prefix+"Grpc-Status", code)
	}
	n, err := strconv.Atoi(code)
	if err != nil || n == 0 {
		return
	}
	st := &spb.Status{Code: int32(n)}
	if raw := h.Get(prefix + "Grpc-Status-Details-Bin"); raw != "" {
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(raw, "="))
		if err != nil || proto.Unmarshal(b, st) != nil {
			return
		}
		st.Code = int32(n)
	} else if msg, err := url.PathUnescape(h.Get(prefix + "Grpc-Message")); err == nil {
		st.Message = msg
	}
	for _, d := range st.Details {
		if d.MessageIs((*errdetails.ErrorInfo)(nil)) {
			return
		}
	}
	if n == int(connect.CodeInvalidArgument) {
		if e, ok := malformedMessage(st.Message, isJSON); ok {
			h.Set(prefix+"Grpc-Message", url.PathEscape(e.ce.Message()))
			h.Set(prefix+"Grpc-Status-Details-Bin", grpcStatusBin(e))
			return
		}
	}
	info, err := anypb.New(guardInfo(connect.Code(n), st.Message))
	if err != nil {
		return
	}
	st.Details = append([]*anypb.Any{info}, st.Details...)
	if b, err := proto.Marshal(st); err == nil {
		h.Set(prefix+"Grpc-Status-Details-Bin", base64.RawStdEncoding.EncodeToString(b))
	}
}

// protocolError reports whether msg is connect-go's error for a request
// envelope it cannot read: "protocol error: …", or in gRPC-Web "gRPC-Web
// protocol error: …" (a request frame flagged as trailers).
func protocolError(msg string) bool {
	return strings.HasPrefix(msg, "protocol error") || strings.HasPrefix(msg, "gRPC-Web protocol error") ||
		// Frames after one flagged as trailers: connect-go reads the
		// request as it reads a response.
		strings.HasPrefix(msg, "corrupt response: ")
}

// jsonCodec reports whether r's message is in JSON: a Connect GET with
// encoding=json, or a body whose media type is application/json or ends
// in +json (gRPC and gRPC-Web with the JSON codec).
func jsonCodec(r *http.Request) bool {
	if r.Method == http.MethodGet {
		return r.URL.Query().Get("encoding") == "json"
	}
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}

// codeInfo is the ErrorInfo of an error raised outside the services:
// the code's name as the reason.
func codeInfo(code connect.Code) *errdetails.ErrorInfo {
	return &errdetails.ErrorInfo{Reason: strings.ToUpper(code.String()), Domain: ErrorDomain}
}

// guardInfo is the ErrorInfo of an error connect-go raised with msg: a
// body whose Content-Encoding does not decode is MALFORMED_REQUEST, as
// the REST guard answers the same body, others codeInfo's.
func guardInfo(code connect.Code, msg string) *errdetails.ErrorInfo {
	if code == connect.CodeInvalidArgument && (strings.HasPrefix(msg, "decompress: ") || strings.HasPrefix(msg, "get decompressor: ")) {
		return &errdetails.ErrorInfo{Reason: "MALFORMED_REQUEST", Domain: ErrorDomain}
	}
	return codeInfo(code)
}

// connectWriter holds back a Connect error answer (an HTTP error status
// with a JSON body) to give it an ErrorInfo when it has none.
type connectWriter struct {
	heldWriter
	r *http.Request
}

func (c *connectWriter) finish() {
	if !c.held {
		return
	}
	if unknownProcedure(c.status, c.Header()) || muxRedirect(c.status, c.Header(), c.r) ||
		connectProcedure(c.r) && noRESTRoute(c.status, c.buf.Bytes()) {
		c.Header().Del("Location")
		c.Header().Del("X-Content-Type-Options")
		unknownPath(c.ResponseWriter, c.r, false)
		return
	}
	body := c.buf.Bytes()
	if c.r.Method == http.MethodGet {
		if b, ok := malformedQueryMessage(body); ok {
			c.status, body = http.StatusBadRequest, b
		}
	}
	c.release(withErrorInfo(body, jsonCodec(c.r)))
}

// malformedQueryMessage is the Connect JSON error body of a GET request
// whose message query parameter connect-go could not read (base64 that
// does not decode: "read message: illegal base64 data …"), which it
// answers Unknown (HTTP 500) as if the server had failed: the same error
// as InvalidArgument, the request's fault, as a message the codec cannot
// read is. A GET's message is the query's own string, so reading it fails
// only on what the client sent. ok is false for another body.
func malformedQueryMessage(body []byte) ([]byte, bool) {
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &e) != nil || e.Code != connect.CodeUnknown.String() || !strings.HasPrefix(e.Message, "read message: ") {
		return nil, false
	}
	return connectErrorJSON(Errorf(connect.CodeInvalidArgument, "%s", e.Message).WithReason("MALFORMED_REQUEST")), true
}

// withErrorInfo is the Connect JSON error body with the ErrorInfo of its
// code first among its details, unless it has one; for a message the
// codec could not read (isJSON: the request's codec is JSON), the status
// every protocol answers (malformedJSON, malformedProto).
func withErrorInfo(body []byte, isJSON bool) []byte {
	var e struct {
		Code    string            `json:"code"`
		Message string            `json:"message,omitempty"`
		Details []json.RawMessage `json:"details,omitempty"`
	}
	if json.Unmarshal(body, &e) != nil || e.Code == "" {
		return body
	}
	for _, d := range e.Details {
		var t struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(d, &t) == nil && t.Type == "google.rpc.ErrorInfo" {
			return body
		}
	}
	var code connect.Code
	if code.UnmarshalText([]byte(e.Code)) != nil {
		return body
	}
	if code == connect.CodeInvalidArgument {
		if me, ok := malformedMessage(e.Message, isJSON); ok {
			return connectErrorJSON(me)
		}
	}
	b, err := proto.Marshal(guardInfo(code, e.Message))
	if err != nil {
		return body
	}
	d, _ := json.Marshal(map[string]string{"type": "google.rpc.ErrorInfo", "value": base64.RawStdEncoding.EncodeToString(b)})
	e.Details = append([]json.RawMessage{d}, e.Details...)
	if out, err := json.Marshal(e); err == nil {
		return out
	}
	return body
}
