package main_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRequestIDs: over REST, a retried DeleteBook with its request_id
// (AIP-155) answers what the first one did, and once the server has
// forgotten the id (--request-id-retention) a retry is a new request,
// which finds the book deleted.
func TestRequestIDs(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"), "--request-id-retention", "1s")
	const js = "application/json"
	authorID := connectAuthor(t, s)
	code, body := do(t, "POST", s.url("/v1/books"), js, fmt.Sprintf(`{"title":"Dune","authorId":%q,"isbn":"1"}`, authorID))
	require.Equal(t, 200, code, body)

	code, first := do(t, "DELETE", s.url("/v1/books/1?requestId=0b9f3c2e-7a61-4d8e-9f00-1c2d3e4f5a6b"), "", "")
	require.Equal(t, 200, code, first)
	assert.Contains(t, first, `"deleteTime"`)
	code, again := do(t, "DELETE", s.url("/v1/books/1?requestId=0b9f3c2e-7a61-4d8e-9f00-1c2d3e4f5a6b"), "", "")
	require.Equal(t, 200, code, again)
	assert.JSONEq(t, first, again, "a retry answers the first response")
	code, body = do(t, "DELETE", s.url("/v1/books/1?requestId=6c1f0d2e-9b3a-4e7f-8a21-3d4c5b6a7f80"), "", "")
	assert.Equal(t, 404, code, "another id is another request: %s", body)
	// The ids are UUIDs (google.api.field_info), in either case.
	code, body = do(t, "DELETE", s.url("/v1/books/1?requestId=0B9F3C2E-7A61-4D8E-9F00-1C2D3E4F5A6B"), "", "")
	assert.Equal(t, 200, code, "the id in capitals is the same id: %s", body)
	assert.JSONEq(t, first, body, "the id in capitals answers the first response")
	code, body = do(t, "DELETE", s.url("/v1/books/1?requestId=retry-1"), "", "")
	assert.Equal(t, 400, code, "an id that is not a UUID: %s", body)
	assert.Contains(t, body, "request_id", "the refusal names the field")

	// Past the retention, the id is forgotten.
	deadline := time.Now().Add(30 * time.Second) // a bound: returns once purged
	for {
		code, body = do(t, "DELETE", s.url("/v1/books/1?requestId=0b9f3c2e-7a61-4d8e-9f00-1c2d3e4f5a6b"), "", "")
		if code != 200 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	assert.Equal(t, 404, code, "the forgotten id's retry is carried out again: %s", body)
	assert.Contains(t, s.log.String(), "request ids purged")
}
