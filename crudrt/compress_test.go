package crudrt_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/protoforge/protoforge/crudrt"
)

// TestGzipDecompressorLimit: a body of exactly the limit decompressed is
// read whole, one byte more is ResourceExhausted, and a decompressor
// reset for the next body counts from zero.
func TestGzipDecompressorLimit(t *testing.T) {
	gz := func(n int) *bytes.Buffer {
		var b bytes.Buffer
		w := gzip.NewWriter(&b)
		_, _ = w.Write([]byte(strings.Repeat("x", n)))
		_ = w.Close()
		return &b
	}
	d := crudrt.GzipDecompressor(1000)()
	for _, n := range []int{1000, 0, 999, 1001, 50000, 1000} {
		if err := d.Reset(gz(n)); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(d)
		switch {
		case n <= 1000 && (err != nil || len(got) != n):
			t.Errorf("%d bytes: read %d, %v", n, len(got), err)
		case n > 1000 && connect.CodeOf(err) != connect.CodeResourceExhausted:
			t.Errorf("%d bytes: %v, want ResourceExhausted", n, err)
		case n > 1000 && len(got) > 1001:
			t.Errorf("%d bytes: read %d past the limit", n, len(got))
		}
		_ = d.Close()
	}
}
