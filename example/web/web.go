// Package web holds the library example's browser page (static/): a
// TypeScript client generated from the example's protos with
// protoc-gen-es and bundled with esbuild, which talks Connect or gRPC-Web
// to the server that serves it; and the API docs page (static/docs.html),
// Swagger UI on the server's /openapi.json. The bundle and Swagger UI are
// committed, so serving the pages needs no Node.js; rebuilding them does
// (see example/README.md).
package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var static embed.FS

// file is one embedded file with its validator.
type file struct {
	content     []byte
	contentType string
	etag        string
}

// Routes returns the page's routes for an http.ServeMux: "GET /{$}" for
// index.html and "GET /<name>" for each other file. Only these exact paths
// are claimed, so the API's routes on the same mux stay as they are.
func Routes() (map[string]http.Handler, error) {
	routes := map[string]http.Handler{}
	entries, err := fs.ReadDir(static, "static")
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		b, err := static.ReadFile(path.Join("static", name))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		f := &file{content: b, contentType: mime.TypeByExtension(path.Ext(name)), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		pattern := "GET /" + name
		if name == "index.html" {
			pattern = "GET /{$}"
		}
		routes[pattern] = f
	}
	return routes, nil
}

// ServeHTTP answers with the file, revalidated by its entity tag, under a
// policy that lets the page reach only its own origin.
func (f *file) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", f.contentType)
	h.Set("ETag", f.etag)
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(f.content))
}
