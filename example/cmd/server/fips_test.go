package main_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFIPS140Only serves the example under Go's FIPS 140-only mode
// (GODEBUG=fips140=only), where cryptography outside the approved
// algorithms fails, on SQLite and PostgreSQL: writes, an update with its
// etag, and a list read page by page with its tokens (AES-256-GCM with
// random nonces, HKDF-SHA256) work as without it.
func TestFIPS140Only(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s := startEnv(t, []string{"GODEBUG=fips140=only"}, databaseURLs[name](t), "--page-token-key", "0123456789abcdef-fips")
			addBooks(t, s, "", "A", "B", "C")
			code, body := do(t, "PATCH", s.url("/v1/books/2?update_mask=title"), "application/json", `{"title":"B2","etag":"1"}`)
			require.Equal(t, 200, code, body)
			var titles []string
			token := ""
			for page := 0; page < 4; page++ {
				got, next := listTitles(t, s, "page_size=1&order_by=title&page_token="+token)
				titles = append(titles, got...)
				if token = next; token == "" {
					break
				}
			}
			assert.Equal(t, []string{"A", "B2", "C"}, titles)
			assert.NotContains(t, s.log.String(), "FIPS", "server log:\n%s", s.log)
		})
	}
}
