package main_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
)

// TestBodyLimit sends requests over --max-body-bytes to the binary: every
// RPC protocol answers ResourceExhausted, REST too (as HTTP 429), and a
// request under the limit still succeeds.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	s := start(t, "sqlite:"+filepath.Join(t.TempDir(), "library.db"), "--max-body-bytes", "2048")
	ctx := context.Background()
	big := &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: strings.Repeat("x", 4096)}}
	small := &libraryv1.CreateAuthorRequest{Author: &libraryv1.Author{DisplayName: "Small"}}

	h2c := &http.Client{Transport: &http.Transport{Protocols: func() *http.Protocols {
		p := new(http.Protocols)
		p.SetUnencryptedHTTP2(true)
		return p
	}()}}
	for name, opts := range map[string][]connect.ClientOption{
		"connect binary": nil,
		"connect json":   {connect.WithProtoJSON()},
		"grpc-web":       {connect.WithGRPCWeb()},
		"grpc":           {connect.WithGRPC()},
	} {
		c := libraryv1connect.NewAuthorServiceClient(h2c, s.url(""), opts...)
		_, err := c.CreateAuthor(ctx, big)
		assert.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%s: %v", name, err)
		_, err = c.CreateAuthor(ctx, small)
		assert.NoError(t, err, name)
	}

	conn, err := grpc.NewClient(s.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	g := libraryv1.NewAuthorServiceClient(conn)
	_, err = g.CreateAuthor(ctx, big)
	assert.Equal(t, codes.ResourceExhausted, status.Code(err), "grpc-go: %v", err)
	_, err = g.CreateAuthor(ctx, small)
	assert.NoError(t, err, "grpc-go")

	code, body := do(t, "POST", s.url("/v1/authors"), "application/json", `{"displayName":"`+strings.Repeat("x", 4096)+`"}`)
	// REST carries the status in the body and maps ResourceExhausted to
	// 429, as google.rpc.Code's HTTP mapping does.
	assert.Equal(t, http.StatusTooManyRequests, code, body)
	assert.Contains(t, body, `"code":8`)

	// A REST body at the limit is read: the transcoder writes it again
	// for the handler without adding the fields it leaves out.
	meta := `{"title":"At the limit","authorId":"1","metadata":{"k":"`
	tail := `"}}`
	at := meta + strings.Repeat("m", 2048-len(meta)-len(tail)) + tail
	require.Len(t, at, 2048)
	code, body = do(t, "POST", s.url("/v1/books"), "application/json", at)
	assert.NotEqual(t, http.StatusTooManyRequests, code, body)
	assert.NotContains(t, body, "larger than")
	// Written again, a list of many short elements grows (protojson's
	// spacing); plain or gzip, a body under the limit is read.
	n := (2048 - 60) / 3
	list := `{"title":"Tags","authorId":"1","isbn":"3","tags":[""` + strings.Repeat(`,""`, n-1) + `]}`
	require.Less(t, len(list), 2048)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(list))
	_ = zw.Close()
	for name, h := range map[string][]string{"plain": nil, "gzip": {"Content-Encoding", "gzip"}} {
		b := list
		if name == "gzip" {
			b = gz.String()
		}
		code, body = do(t, "POST", s.url("/v1/books"), "application/json", b, h...)
		assert.NotEqual(t, http.StatusTooManyRequests, code, "%s: %s", name, body)
		assert.NotContains(t, body, "larger than", name)
	}
	// Over the limit once decompressed, a gzip REST body is refused.
	gz.Reset()
	zw = gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(`{"title":"` + strings.Repeat("z", 4096) + `"}`))
	_ = zw.Close()
	code, body = do(t, "POST", s.url("/v1/books"), "application/json", gz.String(), "Content-Encoding", "gzip")
	assert.Equal(t, http.StatusTooManyRequests, code, body)
}
