package crudrt

import (
	"net/http"
	"strings"
)

// RPCGuard wraps the gRPC and gRPC-Web handlers of a server so that a
// malformed request envelope (a frame shorter than its length prefix, a
// truncated header, a compressed flag without an encoding) is
// InvalidArgument, as the request's fault, where connect-go answers
// Internal ("protocol error: …"), a code that says the server failed.
// Other requests pass through untouched.
func RPCGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
			next.ServeHTTP(w, r)
			return
		}
		pw := &rpcWriter{ResponseWriter: w}
		next.ServeHTTP(pw, r)
		// gRPC over HTTP/2 sends the status as trailers, set by now.
		fixProtocolStatus(w.Header(), http.TrailerPrefix)
	})
}

// rpcWriter fixes the status of a gRPC-Web trailers-only answer, which
// travels in the headers, before they are sent.
type rpcWriter struct {
	http.ResponseWriter
	sent bool
}

func (p *rpcWriter) send() {
	if !p.sent {
		p.sent = true
		fixProtocolStatus(p.Header(), "")
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
// into InvalidArgument in h, under the key prefix.
func fixProtocolStatus(h http.Header, prefix string) {
	if h.Get(prefix+"Grpc-Status") == "13" && strings.HasPrefix(h.Get(prefix+"Grpc-Message"), "protocol error") {
		h.Set(prefix+"Grpc-Status", "3")
	}
}
