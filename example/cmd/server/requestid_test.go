package main_test

import (
	"encoding/json"
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
	code, body := do(t, "POST", s.url("/library.v1.AuthorService/CreateAuthor"), js, `{"author":{"displayName":"Ursula"}}`)
	require.Equal(t, 200, code, body)
	var author struct {
		ID string `json:"id"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &author))
	code, body = do(t, "POST", s.url("/v1/books"), js, fmt.Sprintf(`{"title":"Dune","authorId":%q,"isbn":"1"}`, author.ID))
	require.Equal(t, 200, code, body)

	code, first := do(t, "DELETE", s.url("/v1/books/1?requestId=0b9f3c2e-7a61-4d8e-9f00-1c2d3e4f5a6b"), "", "")
	require.Equal(t, 200, code, first)
	assert.Contains(t, first, `"deleteTime"`)
	code, again := do(t, "DELETE", s.url("/v1/books/1?requestId=0b9f3c2e-7a61-4d8e-9f00-1c2d3e4f5a6b"), "", "")
	require.Equal(t, 200, code, again)
	assert.JSONEq(t, first, again, "a retry answers the first response")
	code, body = do(t, "DELETE", s.url("/v1/books/1?requestId=another"), "", "")
	assert.Equal(t, 404, code, "another id is another request: %s", body)

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
