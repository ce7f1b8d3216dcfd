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

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
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
// --max-queue-wait 0: while one request holds the only place (a REST
// Create whose body is still arriving), concurrent requests are turned
// away at once with HTTP 429 and Retry-After (REST) or resource_exhausted
// (Connect), each with the ErrorInfo reason SERVER_BUSY, never queued
// without bound, and /readyz answers throughout; once the request ends,
// requests are served again.
func TestOverload(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"), "--max-in-flight", "1", "--max-queue-wait", "0s")
	code, body := do(t, "POST", s.url("/v1/authors"), "application/json", `{"displayName":"Frank"}`)
	require.Equal(t, 200, code, body)

	// The held request: its handler runs as soon as the headers arrive,
	// and waits for the rest of the body. It is turned away itself while
	// the request before it still holds the place: then it is sent again.
	var pw *io.PipeWriter
	var held chan int
	for attempt := 0; ; attempt++ {
		require.Less(t, attempt, 50, "the held request never took the place")
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		req, err := http.NewRequest("POST", s.url("/v1/books"), pr)
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		held = make(chan int, 1)
		go func(held chan int) {
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				held <- 0
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			_ = resp.Body.Close()
			held <- resp.StatusCode
		}(held)
		_, _ = pw.Write([]byte(`{"title":`))
		taken := false
		for i := 0; i < 20 && !taken; i++ {
			select {
			case code := <-held:
				require.Equal(t, 429, code, "the held request ended early")
				i = 20
				continue
			default:
			}
			if code, _ = do(t, "GET", s.url("/v1/books"), "", ""); code == 429 {
				taken = true
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		if taken {
			break
		}
		_ = pw.CloseWithError(io.ErrUnexpectedEOF)
		time.Sleep(20 * time.Millisecond)
	}

	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path, ct, body := "/v1/books?page_size=100", "", ""
			if i%2 == 1 {
				path, ct, body = "/library.v1.BookService/ListBooks", "application/json", "{}"
			}
			code, got := do(t, map[bool]string{true: "GET", false: "POST"}[ct == ""], s.url(path), ct, body)
			mu.Lock()
			codes[code]++
			mu.Unlock()
			if code == 429 {
				assert.Contains(t, got, "SERVER_BUSY", "the ErrorInfo reason")
			}
		}()
	}
	code, body = do(t, "GET", s.url("/readyz"), "", "")
	assert.Equal(t, 200, code, "health under overload: %s", body)
	resp, _ := webTextCall(t, s.url("/library.v1.BookService/ListBooks"), "application/grpc-web-text", textFrame(t, &libraryv1.ListBooksRequest{}))
	assert.Equal(t, 200, resp.StatusCode, "gRPC-Web text: the status is in the headers")
	assert.Equal(t, "8", resp.Header.Get("Grpc-Status"), "gRPC-Web text is turned away as ResourceExhausted")
	assert.Equal(t, "application/grpc-web-text+proto", resp.Header.Get("Content-Type"))
	wg.Wait()
	assert.Equal(t, map[int]int{429: 40}, codes, "every request past the held one is turned away")

	_, err := pw.Write([]byte(`"Dune","authorId":"1","isbn":"9"}`))
	require.NoError(t, err)
	require.NoError(t, pw.Close())
	assert.Equal(t, 200, <-held, "the held request is served")
	// The handler may still be returning as its client reads the answer:
	// the place frees a moment later.
	for i := 0; i < 50; i++ {
		if code, body = do(t, "POST", s.url("/library.v1.BookService/ListBooks"), "application/json", `{}`); code != 429 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	assert.Equal(t, 200, code, "served again once the load is gone: %s", body)
	assert.NotContains(t, body, "resource_exhausted")
}
