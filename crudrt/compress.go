package crudrt

import (
	"compress/gzip"
	"fmt"
	"io"

	"connectrpc.com/connect"
)

// GzipDecompressor makes decompressors of gzip that stop at limit bytes of
// decompressed data, for a REST transcoder that reads a whole request body
// before it hands it on (vanguard.WithCompression("gzip", …)) and for
// connect-go's handlers (connect.WithCompression("gzip", …)): without it a
// body of a few megabytes that the limit on the bytes received lets
// through decompresses to gigabytes, in memory in the transcoder, and
// to its end in connect-go, which reads a message past its
// WithReadMaxBytes to the end to report its size. Past limit, reading is
// ResourceExhausted, as connect-go answers a message over its
// WithReadMaxBytes.
func GzipDecompressor(limit int64) func() connect.Decompressor {
	return func() connect.Decompressor { return &limitedGzip{limit: limit} }
}

// GzipCompressor makes compressors of gzip at the default level, the
// other half of WithCompression("gzip", …).
func GzipCompressor() connect.Compressor { return gzip.NewWriter(io.Discard) }

// limitedGzip is a gzip reader that fails past limit decompressed bytes.
type limitedGzip struct {
	gz       gzip.Reader
	limit, n int64
}

func (d *limitedGzip) Read(p []byte) (int, error) {
	if d.n > d.limit {
		return 0, d.tooLarge()
	}
	// One byte more than the limit allows tells a body at the limit from
	// one past it.
	if room := d.limit - d.n + 1; int64(len(p)) > room {
		p = p[:room]
	}
	k, err := d.gz.Read(p)
	if d.n += int64(k); d.n > d.limit {
		return k, d.tooLarge()
	}
	return k, err
}

func (d *limitedGzip) tooLarge() error {
	return connect.NewError(connect.CodeResourceExhausted, fmt.Errorf("message is larger than configured max %d bytes once decompressed", d.limit))
}

func (d *limitedGzip) Reset(r io.Reader) error {
	d.n = 0
	return d.gz.Reset(r)
}

func (d *limitedGzip) Close() error { return d.gz.Close() }
