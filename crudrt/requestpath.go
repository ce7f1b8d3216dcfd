package crudrt

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

type requestPathKey struct{}

// requestPath is r's path escaped as the client sent it, which REST
// routes are matched against (google.api.http splits a path into
// segments before it reads their escapes: "%2F" is part of its segment).
// It is read from the request line: Go's URL.EscapedPath gives the
// unescaped path escaped again wherever the client sent a byte Go would
// have escaped ("|", "é"), every "%2F" then a "/". Escapes of unreserved
// characters are read ("b%6Foks" is "books", RFC 3986 6.2.2.2), others
// kept, but for an escaped colon in the last segment. A request whose path
// a handler before has changed (http.StripPrefix) keeps URL.EscapedPath;
// withRequestPath sets it.
func requestPath(r *http.Request) string {
	if p, ok := r.Context().Value(requestPathKey{}).(string); ok {
		return p
	}
	p := r.URL.EscapedPath()
	if raw, _, _ := strings.Cut(r.RequestURI, "?"); strings.HasPrefix(raw, "/") {
		if d, err := url.PathUnescape(raw); err == nil && d == r.URL.Path {
			p = raw
		}
	}
	p = unreservedUnescaped(p)
	if i := strings.LastIndexByte(p, '/'); strings.Contains(p[i+1:], "%3") {
		// An escaped colon in the last segment is read as a colon: the
		// colon of a custom verb ("/v1/books/1%3Aundelete"), as clients
		// that escape a whole segment send it, when a route has that
		// verb, and part of the segment otherwise (RESTGuard's
		// verbColon).
		p = p[:i+1] + strings.NewReplacer("%3A", ":", "%3a", ":").Replace(p[i+1:])
	}
	return p
}

// withRequestPath is r whose requestPath is escaped.
func withRequestPath(r *http.Request, escaped string) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), requestPathKey{}, escaped))
}

// unreservedUnescaped is the escaped path p with the escapes of
// unreserved characters (letters, digits, "-", ".", "_", "~") read.
func unreservedUnescaped(p string) string {
	i := strings.IndexByte(p, '%')
	if i < 0 {
		return p
	}
	var b strings.Builder
	b.Grow(len(p))
	for ; i < len(p); i++ {
		if p[i] == '%' && i+2 < len(p) {
			if c, err := strconv.ParseUint(p[i+1:i+3], 16, 8); err == nil && unreserved(byte(c)) {
				b.WriteString(p[:i])
				b.WriteByte(byte(c))
				p, i = p[i+3:], -1
			}
		}
	}
	b.WriteString(p)
	return b.String()
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}
