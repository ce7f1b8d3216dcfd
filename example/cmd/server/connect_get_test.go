package main_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
)

// methodRecorder is a transport that records the HTTP method of each
// request it sends, by procedure path.
type methodRecorder struct {
	mu      sync.Mutex
	methods map[string]string
}

func (m *methodRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	m.mu.Lock()
	m.methods[r.URL.Path] = r.Method
	m.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

// TestConnectGET calls the methods the example marks side-effect free
// (idempotency_level = NO_SIDE_EFFECTS: Get, List and BatchGet) as
// Connect GET requests, with connect-go's client in both encodings and
// as curl would: each answers as the same call over POST does. A GET
// whose message does not decode is InvalidArgument, the request's fault,
// and a method with side effects is not served over GET.
func TestConnectGET(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune", "Emma")
	ctx := context.Background()
	rec := &methodRecorder{methods: map[string]string{}}
	hc := &http.Client{Transport: rec}
	for _, enc := range []struct {
		name string
		opts []connect.ClientOption
	}{{"proto", nil}, {"json", []connect.ClientOption{connect.WithProtoJSON()}}} {
		t.Run(enc.name, func(t *testing.T) {
			get := libraryv1connect.NewBookServiceClient(hc, s.url(""), append([]connect.ClientOption{connect.WithHTTPGet()}, enc.opts...)...)
			post := libraryv1connect.NewBookServiceClient(http.DefaultClient, s.url(""), enc.opts...)

			b, err := get.GetBook(ctx, &libraryv1.GetBookRequest{Id: 1})
			require.NoError(t, err)
			want, err := post.GetBook(ctx, &libraryv1.GetBookRequest{Id: 1})
			require.NoError(t, err)
			assert.True(t, proto.Equal(want, b), "GET %v\nPOST %v", b, want)
			assert.Equal(t, "Dune", b.GetTitle())

			l, err := get.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: 1, OrderBy: "title"})
			require.NoError(t, err)
			require.Len(t, l.GetBooks(), 1)
			assert.Equal(t, "Dune", l.GetBooks()[0].GetTitle())
			// The next page over GET, with the token the first one gave.
			l, err = get.ListBooks(ctx, &libraryv1.ListBooksRequest{PageSize: 1, OrderBy: "title", PageToken: l.GetNextPageToken()})
			require.NoError(t, err)
			require.Len(t, l.GetBooks(), 1)
			assert.Equal(t, "Emma", l.GetBooks()[0].GetTitle())

			bg, err := get.BatchGetBooks(ctx, &libraryv1.BatchGetBooksRequest{Ids: []int64{2, 1}})
			require.NoError(t, err)
			require.Len(t, bg.GetBooks(), 2)
			assert.Equal(t, []string{"Emma", "Dune"}, []string{bg.GetBooks()[0].GetTitle(), bg.GetBooks()[1].GetTitle()})

			// Errors over GET are the same as over POST.
			_, err = get.GetBook(ctx, &libraryv1.GetBookRequest{Id: 99})
			assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "%v", err)
			_, err = get.ListBooks(ctx, &libraryv1.ListBooksRequest{Filter: "title = "})
			assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)

			// A method with side effects still goes over POST.
			_, err = get.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: 2, Title: "Emma", AuthorId: 1, Isbn: 2}})
			require.NoError(t, err)

			rec.mu.Lock()
			defer rec.mu.Unlock()
			assert.Equal(t, "GET", rec.methods[libraryv1connect.BookServiceGetBookProcedure])
			assert.Equal(t, "GET", rec.methods[libraryv1connect.BookServiceListBooksProcedure])
			assert.Equal(t, "GET", rec.methods[libraryv1connect.BookServiceBatchGetBooksProcedure])
			assert.Equal(t, "POST", rec.methods[libraryv1connect.BookServiceUpdateBookProcedure])
		})
	}

	// As curl sends it: the message as JSON in the query.
	q := url.Values{"encoding": {"json"}, "message": {`{"name":"authors/1"}`}}
	code, body := do(t, "GET", s.url("/library.v1.AuthorService/GetAuthor?"+q.Encode()), "", "")
	assert.Equal(t, 200, code, body)
	assert.Contains(t, body, `"displayName":"Frank"`)
	// HEAD is GET without the body (RFC 9110), as over REST; a method
	// with side effects takes neither.
	for path, want := range map[string]int{
		"/library.v1.AuthorService/GetAuthor?" + q.Encode():                                                                     200,
		"/library.v1.AuthorService/GetAuthor?" + url.Values{"encoding": {"json"}, "message": {`{"name":"authors/9"}`}}.Encode(): 404,
		"/library.v1.BookService/CreateBook?" + url.Values{"encoding": {"json"}, "message": {`{}`}}.Encode():                    405,
	} {
		res, err := http.Head(s.url(path))
		require.NoError(t, err)
		b, _ := io.ReadAll(res.Body)
		_ = res.Body.Close()
		assert.Equal(t, want, res.StatusCode, "HEAD %s", path)
		assert.Empty(t, b, "HEAD %s: no body", path)
		if want != 405 {
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"), "HEAD %s", path)
		}
	}

	for name, tc := range map[string]struct {
		query   url.Values
		code    int
		mention string
	}{
		// connect-go answers a message that is not base64 Unknown (500).
		"message not base64": {url.Values{"encoding": {"proto"}, "base64": {"1"}, "message": {"%%%"}}, 400, `illegal base64 data`},
		"JSON not base64":    {url.Values{"encoding": {"json"}, "base64": {"1"}, "message": {"{}"}}, 400, `illegal base64 data`},
		"malformed JSON":     {url.Values{"encoding": {"json"}, "message": {`{"pageSize":`}}, 400, `"code":"invalid_argument"`},
		"unknown field":      {url.Values{"encoding": {"json"}, "message": {`{"colour":"red"}`}}, 400, `colour`},
		"missing message":    {url.Values{"encoding": {"json"}}, 400, `missing message parameter`},
		"bad field value":    {url.Values{"encoding": {"json"}, "message": {`{"pageSize":-1}`}}, 400, `page_size`},
	} {
		t.Run(name, func(t *testing.T) {
			code, body := do(t, "GET", s.url("/library.v1.BookService/ListBooks?"+tc.query.Encode()), "", "")
			assert.Equal(t, tc.code, code, body)
			assert.Contains(t, body, `"code":"invalid_argument"`)
			assert.Contains(t, body, tc.mention)
			assert.Contains(t, body, "google.rpc.ErrorInfo")
		})
	}

	// A body on a GET is the client's mistake: InvalidArgument, as over
	// REST, whether or not it says its media type.
	for _, ct := range []string{"", "application/json"} {
		q := url.Values{"encoding": {"json"}, "message": {`{"id":"1"}`}}
		code, body := do(t, "GET", s.url("/library.v1.BookService/GetBook?"+q.Encode()), ct, `{"id":"2"}`)
		assert.Equal(t, 400, code, "Connect GET with a body, Content-Type %q: %s", ct, body)
		assert.Contains(t, body, `"code":"invalid_argument"`)
		code, body = do(t, "GET", s.url("/v1/books/1"), ct, `{"id":"2"}`)
		assert.Equal(t, 400, code, "REST GET with a body, Content-Type %q: %s", ct, body)
		assert.Contains(t, body, `"code":3`)
	}

	// CreateBook has side effects: not served over GET.
	q = url.Values{"encoding": {"json"}, "message": {`{"book":{"title":"X","authorId":"1"}}`}}
	code, body = do(t, "GET", s.url("/library.v1.BookService/CreateBook?"+q.Encode()), "", "")
	assert.Equal(t, http.StatusMethodNotAllowed, code, body)
	code, body = do(t, "GET", s.url("/v1/books?filter="+url.QueryEscape(`title = "X"`)), "", "")
	assert.Equal(t, 200, code, body)
	assert.Equal(t, "{}", body, "a GET must not have created a book")
}
