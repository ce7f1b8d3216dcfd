package crudrt

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
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
	// BodyTimeout bounds the time a request's message has to arrive once
	// its headers have (0: no bound); past it the request is answered
	// DeadlineExceeded without a place.
	BodyTimeout time.Duration
}

// DefaultMaxBodyBytes is Limit.MaxBodyBytes when none is set: connect-go's
// and the example server's limit on a message.
const DefaultMaxBodyBytes = 4 << 20

// Limiter sheds load past l: at most l.MaxInFlight requests are served at
// once, a request beyond them waits up to l.MaxWait for a place, and is
// then answered ResourceExhausted with Retry-After: 1, in its protocol's
// terms (gRPC and gRPC-Web status 8, Connect and REST HTTP 429), instead
// of queueing without bound. A request whose client gives up while it
// waits is not served. Exempt paths (health checks) are always served.
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
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range l.Exempt {
			if strings.HasPrefix(r.URL.Path, p) {
				next.ServeHTTP(w, r)
				return
			}
		}
		r, ok := prefetch(w, r, l)
		if !ok {
			return
		}
		select {
		case slots <- struct{}{}:
		default:
			if !wait(r, slots, l.MaxWait) {
				shed(w, r, l.MaxInFlight)
				return
			}
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}

// prefetch reads r's message into memory before it takes a place (see
// Limiter) and returns a copy of r whose body is what was read, then the
// rest of r.Body (r itself is left as the server made it: the server
// reads from it whether the handler left its body unread). A body that
// stops early or fails is left for the handler to find so; one that does
// not arrive within l.BodyTimeout is answered DeadlineExceeded here, and
// ok is false.
func prefetch(w http.ResponseWriter, r *http.Request, l Limit) (_ *http.Request, ok bool) {
	if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 {
		return r, true
	}
	limit := l.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	rc := http.NewResponseController(w)
	timed := l.BodyTimeout > 0 && rc.SetReadDeadline(time.Now().Add(l.BodyTimeout)) == nil
	var buf []byte
	var err error
	if enveloped(r.Header.Get("Content-Type")) {
		// The first envelope: its flags and length, then its message.
		buf, err = readUpTo(r.Body, nil, 5)
		if err == nil {
			n := int64(binary.BigEndian.Uint32(buf[1:5]))
			buf, err = readUpTo(r.Body, buf, int(min(n, limit)))
		}
	} else {
		// The message whole, and one byte past the limit, which tells
		// the handler a body over it.
		if r.ContentLength > 0 {
			buf = make([]byte, 0, min(r.ContentLength, limit)+1)
		}
		buf, err = readUpTo(r.Body, buf, int(limit+1))
	}
	late := errors.Is(err, os.ErrDeadlineExceeded)
	if timed && !late {
		_ = rc.SetReadDeadline(time.Time{})
	}
	if late {
		// The deadline stays: what the server would read of the body
		// after the answer fails at once, and it closes the connection.
		msg := fmt.Sprintf("the request's message did not arrive within %v", l.BodyTimeout)
		if r.ProtoMajor == 1 {
			// The connection is given up: what the client sends late
			// is not read. (An HTTP/2 stream ends alone.)
			w.Header().Set("Connection", "close")
		}
		answer(w, r, connect.CodeDeadlineExceeded, "BODY_TIMEOUT", msg)
		return r, false
	}
	var rest io.Reader = r.Body
	if err != nil && !errors.Is(err, io.EOF) {
		rest = errReader{err}
	}
	body := prefetched{Reader: io.MultiReader(bytes.NewReader(buf), rest), Closer: r.Body}
	r = r.WithContext(r.Context()) // a copy
	r.Body = body
	return r, true
}

// enveloped reports whether a body of media type ct is a stream of
// length-prefixed envelopes that may stay open after the first: gRPC,
// gRPC-Web (binary) and Connect's streaming protocol.
func enveloped(ct string) bool {
	ct = strings.ToLower(ct)
	return strings.HasPrefix(ct, "application/grpc") && !strings.HasPrefix(ct, "application/grpc-web-text") ||
		strings.HasPrefix(ct, "application/connect+")
}

// readUpTo appends to buf from r until buf holds want more bytes; io.EOF
// when r ended first.
func readUpTo(r io.Reader, buf []byte, want int) ([]byte, error) {
	end := len(buf) + want
	for len(buf) < end {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):min(cap(buf), end)])
		buf = buf[:len(buf)+n]
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
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
