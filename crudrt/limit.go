package crudrt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Limit bounds the requests a server works on at once (see Limiter).
type Limit struct {
	// MaxInFlight is the most requests served at once; 0 means no limit.
	MaxInFlight int
	// MaxWait is how long a request past the limit waits for a place
	// before it is turned away (0: not at all).
	MaxWait time.Duration
	// Exempt are paths served whatever the load (health checks), matched
	// by prefix.
	Exempt []string
	// MaxBodyBytes bounds what is read of a request's message before it
	// takes a place (the server's limit on a body; 0: DefaultMaxBodyBytes).
	// What lies past it is left for the handler, whose own limit refuses
	// it.
	MaxBodyBytes int64
	// BodyTimeout bounds the time a request's message may go without
	// bytes arriving while it is read ahead (0: no bound); past it the
	// request is answered DeadlineExceeded without a place. What is left
	// of a body once the request has its place (past MaxPrefetchBytes)
	// is due within BodyTimeout in all.
	BodyTimeout time.Duration
	// Streams are the paths (by prefix) of procedures whose client streams
	// that the services linked into the program do not describe (server
	// reflection's: connect-go's package registers it under another
	// name); of these, as of the client-streaming procedures the linked
	// services describe, only the first envelope is read before the
	// request takes its place.
	Streams []string
	// MaxPrefetchBytes bounds the memory of the messages read before they
	// take a place, all requests together (0: DefaultMaxPrefetchBytes);
	// past it, a request takes its place with the rest of its body unread
	// (still due within BodyTimeout).
	MaxPrefetchBytes int64
}

// DefaultMaxPrefetchBytes is Limit.MaxPrefetchBytes when none is set.
const DefaultMaxPrefetchBytes = 64 << 20

// DefaultMaxBodyBytes is Limit.MaxBodyBytes when none is set: connect-go's
// and the example server's limit on a message.
const DefaultMaxBodyBytes = 4 << 20

// Limiter sheds load past l: at most l.MaxInFlight requests are served at
// once, a request beyond them waits up to l.MaxWait for a place, and is
// then answered ResourceExhausted with Retry-After: 1, in its protocol's
// terms (gRPC and gRPC-Web status 8, Connect and REST HTTP 429), instead
// of queueing without bound. A request whose client gives up while it
// waits is not served. A request whose protocol carries a timeout
// (grpc-timeout, Connect-Timeout-Ms, REST's X-Server-Timeout) waits no
// longer than it: past it, it is answered DeadlineExceeded (gRPC and
// gRPC-Web status 4, Connect and REST HTTP 504); served after a wait,
// it reaches the handler with what is left of its timeout. Exempt paths
// (health checks) are always served.
//
// A request takes its place once its message has arrived: the body whole,
// or for gRPC and Connect's streaming protocol, whose body is a stream of
// envelopes, the first envelope (up to l.MaxBodyBytes, within
// l.BodyTimeout). A client that sends its headers and then little or
// nothing of its body holds no place, so that a few stalled uploads
// cannot keep every other request waiting.
func Limiter(next http.Handler, l Limit) http.Handler {
	if l.MaxInFlight <= 0 {
		return next
	}
	slots := make(chan struct{}, l.MaxInFlight)
	var budget atomic.Int64
	budget.Store(l.MaxPrefetchBytes)
	if l.MaxPrefetchBytes <= 0 {
		budget.Store(DefaultMaxPrefetchBytes)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived := time.Now()
		r, release, ok := prefetch(w, r, l, &budget)
		if !ok {
			return
		}
		defer release()
		for _, p := range l.Exempt {
			// Served without a place, once their body (if any) has
			// arrived as any other's.
			if strings.HasPrefix(r.URL.Path, p) {
				next.ServeHTTP(w, r)
				return
			}
		}
		select {
		case slots <- struct{}{}:
		default:
			timeout, timed := requestTimeout(r)
			maxWait := l.MaxWait
			if timed {
				// No longer than the client gives the request: past its
				// deadline it is DeadlineExceeded, not a request the
				// server was too busy for.
				maxWait = min(maxWait, arrived.Add(timeout).Sub(time.Now()))
			}
			if !wait(r, slots, maxWait) {
				if timed && maxWait < l.MaxWait {
					answer(w, r, connect.CodeDeadlineExceeded, "DEADLINE_EXCEEDED",
						fmt.Sprintf("the request's deadline (%v) passed while it waited for a place among %d in flight", timeout, l.MaxInFlight))
					return
				}
				shed(w, r, l.MaxInFlight)
				return
			}
			if timed {
				// The handler's deadline is the client's: what is left of
				// it, not the whole of it again from now.
				r = withTimeout(r, arrived.Add(timeout).Sub(time.Now()))
			}
		}
		defer func() { <-slots }()
		if l.BodyTimeout > 0 {
			w = &writeDeadline{ResponseWriter: w, rc: http.NewResponseController(w), d: l.BodyTimeout}
		}
		next.ServeHTTP(w, r)
	})
}

// writeDeadline bounds each write and flush of an answer to d: a client
// that does not read its answers (an HTTP/2 window left at 0, a full TCP
// buffer) fails the handler's write, and the handler gives back its
// place, where it would block holding it. Between writes there is no
// deadline (a stream may stay open and quiet).
type writeDeadline struct {
	http.ResponseWriter
	rc *http.ResponseController
	d  time.Duration
}

func (w *writeDeadline) Write(b []byte) (int, error) {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.d))
	defer func() { _ = w.rc.SetWriteDeadline(time.Time{}) }()
	return w.ResponseWriter.Write(b)
}

func (w *writeDeadline) Flush() {
	_ = w.rc.SetWriteDeadline(time.Now().Add(w.d))
	defer func() { _ = w.rc.SetWriteDeadline(time.Time{}) }()
	_ = w.rc.Flush()
}

func (w *writeDeadline) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// prefetch reads r's message into memory before it takes a place (see
// Limiter) and returns a copy of r whose body is what was read, then the
// rest of r.Body (r itself is left as the server made it: the server
// reads from it whether the handler left its body unread), and a func
// that gives back the memory the read took. A body that stops early or
// fails is left for the handler to find so; one that does not arrive
// within l.BodyTimeout is answered DeadlineExceeded here, and ok is false.
//
// The message is the whole body, except for a procedure whose client
// streams (its first envelope: the stream may stay open). The bodies read
// ahead take at most l.MaxPrefetchBytes of memory in all; past it, a body
// is left to the handler, under the same deadline.
func prefetch(w http.ResponseWriter, r *http.Request, l Limit, budget *atomic.Int64) (_ *http.Request, release func(), ok bool) {
	release = func() {}
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return r, release, true
	}
	limit := l.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	rc := http.NewResponseController(w)
	timed := l.BodyTimeout > 0 && rc.SetReadDeadline(time.Now().Add(l.BodyTimeout)) == nil
	// Each read that brings bytes gives the body BodyTimeout more: a
	// slow upload that keeps arriving is read, one that stops is not
	// (it holds no place meanwhile).
	arrived := func(int) {}
	if timed {
		arrived = func(n int) {
			if n > 0 {
				_ = rc.SetReadDeadline(time.Now().Add(l.BodyTimeout))
			}
		}
	}
	var taken int64
	release = func() { budget.Add(taken) }
	// take reserves n bytes of the budget for the read to come.
	take := func(n int) bool {
		if budget.Add(-int64(n)) < 0 {
			budget.Add(int64(n))
			return false
		}
		taken += int64(n)
		return true
	}
	var buf []byte
	var err error
	stream := enveloped(r.Header.Get("Content-Type")) && (clientStreams(r.URL.Path) || slices.ContainsFunc(l.Streams, func(p string) bool {
		return strings.HasPrefix(r.URL.Path, p)
	}))
	if stream {
		// The first envelope: its flags and length, then its message.
		buf, err = readAhead(r.Body, nil, 5, take, arrived)
		if err == nil && len(buf) == 5 {
			n := int64(binary.BigEndian.Uint32(buf[1:5]))
			buf, err = readAhead(r.Body, buf, int(min(n, limit)), take, arrived)
		}
	} else {
		// The message whole, and one byte past the limit, which tells
		// the handler a body over it; no more than its Content-Length
		// says (and one byte, which tells it ends there).
		want := limit + 1
		if r.ContentLength > 0 {
			want = min(want, r.ContentLength+1)
		}
		buf, err = readAhead(r.Body, nil, int(want), take, arrived)
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// The deadline stays: what the server would read of the body
		// after the answer fails at once, and it closes the connection.
		release()
		msg := fmt.Sprintf("the request's message did not arrive within %v", l.BodyTimeout)
		if r.ProtoMajor == 1 {
			// The connection is given up: what the client sends late
			// is not read. (An HTTP/2 stream ends alone.)
			w.Header().Set("Connection", "close")
		}
		answer(w, r, connect.CodeDeadlineExceeded, "BODY_TIMEOUT", msg)
		return r, func() {}, false
	}
	var rest io.Reader = r.Body
	switch {
	case errors.Is(err, io.EOF):
		// All read: the server's own reads come after.
		if timed {
			_ = rc.SetReadDeadline(time.Time{})
		}
		rest = eof{}
	case err != nil:
		rest = errReader{err}
		if timed {
			_ = rc.SetReadDeadline(time.Time{})
		}
	case stream:
		// The stream may stay open as long as it lasts.
		if timed {
			_ = rc.SetReadDeadline(time.Time{})
		}
	case timed:
		// The rest (past the budget, or past the limit) is the handler's
		// to read, while the request holds a place: within BodyTimeout
		// from now, whatever arrives. The deadline goes once it is read:
		// the server then watches the connection with reads of its own.
		_ = rc.SetReadDeadline(time.Now().Add(l.BodyTimeout))
		rest = &untilEOF{r: r.Body, done: func() { _ = rc.SetReadDeadline(time.Time{}) }, timeout: l.BodyTimeout}
	}
	body := prefetched{Reader: io.MultiReader(bytes.NewReader(buf), rest), Closer: r.Body}
	r = r.WithContext(r.Context()) // a copy
	r.Body = body
	return r, release, true
}

// clientStreams reports whether path names a procedure whose client
// streams (client or bidirectional streaming) among the services linked
// into the program: the Limiter reads only the first envelope of its
// body. Other procedures, and paths that name none, send one message.
func clientStreams(path string) bool {
	if v, ok := streamingProcedures.Load(path); ok {
		return v.(bool)
	}
	svc, method, ok := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if !ok {
		return false
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return false
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return false
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	if md == nil {
		return false
	}
	streams := md.IsStreamingClient()
	streamingProcedures.Store(path, streams) // paths of procedures only: bounded
	return streams
}

var streamingProcedures sync.Map // procedure path → bool

// freeAhead is how much of a body is read ahead without taking from the
// budget.
const freeAhead = 4 << 10

// readAhead appends to buf from r until buf holds want more bytes, as
// take grants memory for them, telling arrived how many each read brought;
// io.EOF when r ended first, nil when take refused.
func readAhead(r io.Reader, buf []byte, want int, take func(int) bool, arrived func(int)) ([]byte, error) {
	end := len(buf) + want
	for len(buf) < end {
		if len(buf) == cap(buf) {
			// Grown once full, doubled as append grows, up to what is
			// wanted; the budget is taken for what is allocated past the
			// first freeAhead bytes, which every request may have (as
			// net/http gives each connection buffers of its own): a body
			// takes from the budget only as its bytes arrive.
			size := min(end, max(2*cap(buf), freeAhead))
			if over := size - max(cap(buf), freeAhead); over > 0 && !take(over) {
				return buf, nil
			}
			grown := make([]byte, len(buf), size)
			copy(grown, buf)
			buf = grown
		}
		k, err := r.Read(buf[len(buf):min(cap(buf), end)])
		buf = buf[:len(buf)+k]
		arrived(k)
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// untilEOF reads r and calls done once, when r ends or fails other than
// by its deadline; a read past its deadline fails with BODY_TIMEOUT, as
// the Limiter answers a body that did not arrive, not with the
// connection's error (which names the addresses).
type untilEOF struct {
	r       io.Reader
	done    func()
	timeout time.Duration
	once    sync.Once
}

func (u *untilEOF) Read(p []byte) (int, error) {
	n, err := u.r.Read(p)
	switch {
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The deadline stays: the server's reads of what is left of the
		// body, once the handler is done, fail at once too, and it
		// closes the connection.
		err = Errorf(connect.CodeDeadlineExceeded, "the request's message did not arrive within %v", u.timeout).WithReason("BODY_TIMEOUT")
	case err != nil:
		u.once.Do(u.done)
	}
	return n, err
}

// eof is a body read to its end.
type eof struct{}

func (eof) Read([]byte) (int, error) { return 0, io.EOF }

// enveloped reports whether a body of media type ct is a stream of
// length-prefixed envelopes that may stay open after the first: gRPC,
// gRPC-Web (binary) and Connect's streaming protocol.
func enveloped(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.HasPrefix(ct, "application/grpc") && !strings.HasPrefix(ct, "application/grpc-web-text") ||
		strings.HasPrefix(ct, "application/connect+")
}

// prefetched is a request body read ahead: what was read, then the rest.
type prefetched struct {
	io.Reader
	io.Closer
}

// errReader fails every read with err.
type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

// wait takes a place in slots within d, unless the client leaves first.
func wait(r *http.Request, slots chan struct{}, d time.Duration) bool {
	if d <= 0 {
		return false
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case slots <- struct{}{}:
		return true
	case <-t.C:
		return false
	case <-r.Context().Done():
		return false
	}
}

// requestTimeout is the time r's client gives it, in its protocol's
// header: grpc-timeout (gRPC, gRPC-Web), Connect-Timeout-Ms (Connect) or
// X-Server-Timeout (REST, in seconds, as the transcoder reads it). ok is
// false without one, or with one that does not parse, which the handler
// refuses.
func requestTimeout(r *http.Request) (timeout time.Duration, ok bool) {
	switch timeoutHeader(r) {
	case "Grpc-Timeout":
		v := r.Header.Get("Grpc-Timeout")
		if len(v) < 2 || len(v) > 9 {
			return 0, false
		}
		n, err := strconv.ParseUint(v[:len(v)-1], 10, 64)
		unit, known := grpcTimeoutUnits[v[len(v)-1]]
		if err != nil || !known || n > uint64(math.MaxInt64/unit) {
			return 0, false // 99999999H: longer than any deadline
		}
		return time.Duration(n) * unit, true
	case "Connect-Timeout-Ms":
		v := r.Header.Get("Connect-Timeout-Ms")
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || len(v) > 10 {
			return 0, false
		}
		return time.Duration(n) * time.Millisecond, true
	default:
		return serverTimeout(r.Header.Get("X-Server-Timeout"))
	}
}

// grpcTimeoutUnits are the units of a grpc-timeout header.
var grpcTimeoutUnits = map[byte]time.Duration{'H': time.Hour, 'M': time.Minute, 'S': time.Second, 'm': time.Millisecond, 'u': time.Microsecond, 'n': time.Nanosecond}

// timeoutHeader is the header in which r's protocol sends its timeout.
func timeoutHeader(r *http.Request) string {
	if strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/grpc") {
		return "Grpc-Timeout"
	}
	if seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); strings.Contains(seg, ".") {
		return "Connect-Timeout-Ms" // /package.Service/Method
	}
	return "X-Server-Timeout"
}

// withTimeout is r with its protocol's timeout header set to d (0 when d
// is not positive: already past), in the header's own units.
func withTimeout(r *http.Request, d time.Duration) *http.Request {
	d = max(d, 0)
	key := timeoutHeader(r)
	var v string
	switch key {
	case "Grpc-Timeout":
		// The finest unit whose count fits the header's 8 digits.
		for _, u := range []struct {
			unit time.Duration
			name string
		}{{time.Nanosecond, "n"}, {time.Microsecond, "u"}, {time.Millisecond, "m"}, {time.Second, "S"}, {time.Minute, "M"}, {time.Hour, "H"}} {
			if n := d / u.unit; n < 1e8 {
				v = strconv.FormatInt(int64(n), 10) + u.name
				break
			}
		}
	case "Connect-Timeout-Ms":
		v = strconv.FormatInt(d.Milliseconds(), 10)
	default:
		v = strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
	}
	c := r.WithContext(r.Context())
	c.Header = r.Header.Clone()
	c.Header.Set(key, v)
	return c
}

// shed answers a request turned away by Limiter.
func shed(w http.ResponseWriter, r *http.Request, limit int) {
	msg := fmt.Sprintf("server busy: %d requests in flight; retry later", limit)
	w.Header().Set("Retry-After", "1")
	answer(w, r, connect.CodeResourceExhausted, "SERVER_BUSY", msg, "inFlightLimit", strconv.Itoa(limit))
}

// answer answers r with an error in its protocol's terms: gRPC and
// gRPC-Web a status, Connect and REST an HTTP status with their JSON.
func answer(w http.ResponseWriter, r *http.Request, code connect.Code, reason, msg string, metadata ...string) {
	ew := connect.NewErrorWriter()
	rpc := strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/grpc")
	if seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); strings.Contains(seg, ".") {
		rpc = true // Connect: /package.Service/Method
	}
	if binary, ok := grpcWebBinary(r.Header.Get("Content-Type")); ok {
		// gRPC-Web's text mode, which connect-go does not know.
		webTextError(w, "application/grpc-web-text"+strings.TrimPrefix(binary, "application/grpc-web"), strconv.Itoa(int(code)), reason, msg)
		return
	}
	if rpc && ew.IsSupported(r) {
		_ = ew.Write(w, r, Errorf(code, "%s", msg).WithReason(reason, metadata...))
		return
	}
	status := http.StatusTooManyRequests
	if code == connect.CodeDeadlineExceeded {
		status = http.StatusGatewayTimeout // google.rpc.Code's mapping, as Connect's
	}
	writeRESTError(w, status, int(code), reason, msg)
}
