package crudrt

import (
	"fmt"
	"net/http"
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
}

// Limiter sheds load past l: at most l.MaxInFlight requests are served at
// once, a request beyond them waits up to l.MaxWait for a place, and is
// then answered ResourceExhausted with Retry-After: 1, in its protocol's
// terms (gRPC and gRPC-Web status 8, Connect and REST HTTP 429), instead
// of queueing without bound. A request whose client gives up while it
// waits is not served. Exempt paths (health checks) are always served.
func Limiter(next http.Handler, l Limit) http.Handler {
	if l.MaxInFlight <= 0 {
		return next
	}
	slots := make(chan struct{}, l.MaxInFlight)
	ew := connect.NewErrorWriter()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, p := range l.Exempt {
			if strings.HasPrefix(r.URL.Path, p) {
				next.ServeHTTP(w, r)
				return
			}
		}
		select {
		case slots <- struct{}{}:
		default:
			if !wait(r, slots, l.MaxWait) {
				shed(w, r, ew, l.MaxInFlight)
				return
			}
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}

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
func shed(w http.ResponseWriter, r *http.Request, ew *connect.ErrorWriter, limit int) {
	msg := fmt.Sprintf("server busy: %d requests in flight; retry later", limit)
	w.Header().Set("Retry-After", "1")
	rpc := strings.HasPrefix(strings.ToLower(r.Header.Get("Content-Type")), "application/grpc")
	if seg, _, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/"); strings.Contains(seg, ".") {
		rpc = true // Connect: /package.Service/Method
	}
	if binary, ok := grpcWebBinary(r.Header.Get("Content-Type")); ok {
		// gRPC-Web's text mode, which connect-go does not know.
		webTextError(w, "application/grpc-web-text"+strings.TrimPrefix(binary, "application/grpc-web"), "8", "SERVER_BUSY", msg)
		return
	}
	if rpc && ew.IsSupported(r) {
		_ = ew.Write(w, r, Errorf(connect.CodeResourceExhausted, "%s", msg).WithReason("SERVER_BUSY", "inFlightLimit", strconv.Itoa(limit)))
		return
	}
	writeRESTError(w, http.StatusTooManyRequests, 8, "SERVER_BUSY", msg)
}
