package main_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// listTitles is the titles of a page of GET /v1/books?query and the token
// of the next.
func listTitles(t *testing.T, s *server, query string) ([]string, string) {
	t.Helper()
	code, body := do(t, "GET", s.url("/v1/books?"+query), "", "")
	require.Equal(t, 200, code, body)
	var page struct {
		Books []struct {
			Title string `json:"title"`
		} `json:"books"`
		NextPageToken string `json:"nextPageToken"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &page))
	var titles []string
	for _, b := range page.Books {
		titles = append(titles, b.Title)
	}
	return titles, page.NextPageToken
}

// TestLongStringsOrder orders books whose titles share their first 299
// characters, longer than MariaDB's and MySQL's default sort prefix (1024
// bytes, 256 characters of utf8mb4), page by page in every order with the
// title, on the three databases: every database gives the same order, and
// walking the pages gives each book once.
func TestLongStringsOrder(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, s *server) {
		// The last character tells them apart; é is two bytes and 😀
		// four in UTF-8.
		addBooks(t, s, "", strings.Repeat("x", 299)+"b", strings.Repeat("x", 299)+"c", strings.Repeat("x", 299)+"a", strings.Repeat("é", 299)+"y", strings.Repeat("😀", 299)+"z")
		for order, want := range map[string]string{
			"title":                 "a b c y z",
			"title desc, id desc":   "z y c b a",
			"author_id, title desc": "z y c b a",
		} {
			var got []string
			token := ""
			for range 10 {
				var titles []string
				titles, token = listTitles(t, s, "page_size=1&order_by="+url.QueryEscape(order)+"&page_token="+url.QueryEscape(token))
				for _, title := range titles {
					r := []rune(title)
					got = append(got, string(r[len(r)-1]))
				}
				if token == "" {
					break
				}
			}
			assert.Equal(t, want, strings.Join(got, " "), order)
		}
	})
}

// TestWildcardPastBMP filters indexed titles with a wildcard after a
// prefix, where the next character is past U+FFFF, on the three
// databases: every title with the prefix matches (MariaDB's index range
// for LIKE 'q%' ended at "q" and U+FFFF and left "q😀" out).
func TestWildcardPastBMP(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, func(t *testing.T, s *server) {
		addBooks(t, s, "", "q😀", "qz", "q\uffff", "q", "r", "p😀", "😀😁", "😀", "a😀b")
		for filter, want := range map[string]string{
			`title = "q*"`:                   "q qz q\uffff q😀",
			`title = "😀*"`:                   "😀 😀😁",
			`title = "a*b"`:                  "a😀b",
			`title = "q*" AND author_id = 1`: "q qz q\uffff q😀",
		} {
			got, _ := listTitles(t, s, "order_by=title&filter="+url.QueryEscape(filter))
			assert.Equal(t, want, strings.Join(got, " "), filter)
		}
	})
}
