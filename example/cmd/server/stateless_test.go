package main_test

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStatelessServers runs two servers on one database, as behind a load
// balancer: with the same --page-token-key a page token issued by one is
// accepted by the other; with different keys it is refused, not misread.
// Both answer /livez and /readyz.
func TestStatelessServers(t *testing.T) {
	t.Parallel()
	const key = "0123456789abcdef-shared"
	dbURL := "sqlite:" + filepath.Join(t.TempDir(), "library.db")
	a := start(t, dbURL, "--page-token-key", key)
	b := start(t, dbURL, "--page-token-key", key)
	c := start(t, dbURL, "--page-token-key", "another-key-of-16-bytes")
	const js = "application/json"
	code, body := do(t, "POST", a.url("/v1/authors"), js, `{"displayName":"Ursula"}`)
	require.Equal(t, 200, code, body)
	for i, title := range []string{"A", "B", "C"} {
		code, body := do(t, "POST", a.url("/v1/books"), js, `{"title":"`+title+`","authorId":"1","isbn":"`+string(rune('1'+i))+`"}`)
		require.Equal(t, 200, code, body)
	}
	var page struct {
		Books []struct {
			Title string `json:"title"`
		} `json:"books"`
		NextPageToken string `json:"nextPageToken"`
	}
	code, body = do(t, "GET", a.url("/v1/books?page_size=1&order_by=title"), "", "")
	require.Equal(t, 200, code, body)
	require.NoError(t, json.Unmarshal([]byte(body), &page))
	require.NotEmpty(t, page.NextPageToken)
	token := page.NextPageToken
	code, body = do(t, "GET", b.url("/v1/books?page_size=1&order_by=title&page_token="+token), "", "")
	require.Equal(t, 200, code, "server b takes server a's token: %s", body)
	require.NoError(t, json.Unmarshal([]byte(body), &page))
	assert.Equal(t, "B", page.Books[0].Title)
	code, body = do(t, "GET", c.url("/v1/books?page_size=1&order_by=title&page_token="+token), "", "")
	assert.Equal(t, 400, code, "a server with another key refuses the token: %s", body)

	for _, s := range []*server{a, b} {
		code, body := do(t, "GET", s.url("/readyz"), "", "")
		assert.Equal(t, 200, code, body)
		code, body = do(t, "GET", s.url("/livez"), "", "")
		assert.Equal(t, 200, code, body)
	}
	// A key too short is refused at start.
	out, err := exec.Command(serverBin, "--addr", freeAddr(t), "--database-url", dbURL, "--page-token-key", "short").CombinedOutput()
	assert.Error(t, err)
	assert.Contains(t, string(out), "--page-token-key: at least 16 bytes")
}

// TestOverload drives the real server past --max-in-flight 1 with
// --max-queue-wait 0: concurrent requests beyond the one being served are
// turned away at once with HTTP 429 and Retry-After (REST) or
// resource_exhausted (Connect), never queued without bound, and /readyz
// answers throughout.
func TestOverload(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"), "--max-in-flight", "1", "--max-queue-wait", "0s")
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Get(s.url("/v1/books?page_size=100"))
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
			if resp.StatusCode == 429 {
				assert.Equal(t, "1", resp.Header.Get("Retry-After"))
			}
		}()
	}
	code, body := do(t, "GET", s.url("/readyz"), "", "")
	assert.Equal(t, 200, code, "health under overload: %s", body)
	wg.Wait()
	t.Logf("status codes: %v", codes)
	assert.Positive(t, codes[200], "some requests are served")
	assert.Positive(t, codes[429], "the others are turned away")
	assert.Equal(t, 40, codes[200]+codes[429], "nothing else")
	// The last handler may still be returning as its client reads the
	// answer: the place frees a moment later.
	for i := 0; i < 50; i++ {
		if code, body = do(t, "POST", s.url("/library.v1.BookService/ListBooks"), "application/json", `{}`); code != 429 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	assert.Equal(t, 200, code, "served again once the load is gone: %s", body)
	assert.NotContains(t, body, "resource_exhausted")
}
