package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRequestLogStatus checks the request log's status: what the client
// got, also when the handler wrote nothing or flushed before writing, and
// the gRPC status of a gRPC answer, from its trailers or its headers.
func TestRequestLogStatus(t *testing.T) {
	for name, tc := range map[string]struct {
		handler    http.HandlerFunc
		status     float64
		grpcStatus string
	}{
		"nothing written": {func(http.ResponseWriter, *http.Request) {}, 200, ""},
		"flushed first": {func(w http.ResponseWriter, _ *http.Request) {
			w.(http.Flusher).Flush()
			_, _ = w.Write([]byte("x"))
		}, 200, ""},
		"error status": {func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) }, 418, ""},
		"gRPC trailers": {func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte{0, 0, 0, 0, 0})
			w.Header().Set(http.TrailerPrefix+"Grpc-Status", "5")
		}, 200, "5"},
		"gRPC-Web trailers-only": {func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Grpc-Status", "3")
			w.WriteHeader(http.StatusOK)
		}, 200, "3"},
		// The REST transcoder rewrites the request it hands on: the log
		// names the request as sent.
		"rewritten": {func(w http.ResponseWriter, r *http.Request) {
			r.URL.Path, r.Method = "/library.v1.BookService/GetBook", "POST"
			r.Header.Set("Content-Type", "application/proto")
		}, 200, ""},
	} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			h := logRequests(slog.New(slog.NewJSONHandler(&buf, nil)), tc.handler)
			req := httptest.NewRequest("POST", "/x", nil)
			req.Header.Set("Content-Type", "application/json")
			h.ServeHTTP(httptest.NewRecorder(), req)
			var line map[string]any
			require.NoError(t, json.Unmarshal(buf.Bytes(), &line), buf.String())
			assert.Equal(t, tc.status, line["status"])
			assert.Equal(t, "/x", line["path"])
			assert.Equal(t, "POST", line["method"])
			assert.Equal(t, "application/json", line["content_type"])
			if tc.grpcStatus == "" {
				assert.NotContains(t, line, "grpc_status")
			} else {
				assert.Equal(t, tc.grpcStatus, line["grpc_status"])
			}
		})
	}
}
