package crudrt

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// GRPCWebText serves gRPC-Web's text mode (PROTOCOL-WEB.md: content type
// application/grpc-web-text, the default mode of the grpc-web JavaScript
// client and of Envoy's filter) through a handler of the binary mode such
// as connect-go's, which answers it 415: the request body is base64
// decoded before next reads it, and the response, trailers frame included,
// is base64 encoded as it is written, each flush ending a padded chunk as
// the protocol allows. A body that is not base64 is InvalidArgument, in the
// protocol's own form (HTTP 200, grpc-status 3 in the headers). Other
// requests pass through untouched. Put it outside RPCGuard and inside the
// body limit, which then counts base64 bytes.
func GRPCWebText(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		binary, ok := grpcWebBinary(r.Header.Get("Content-Type"))
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		text := "application/grpc-web-text" + strings.TrimPrefix(binary, "application/grpc-web")
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				webTextError(w, text, "8", "BODY_TOO_LARGE", "the request body is larger than the server accepts")
				return
			}
			webTextError(w, text, "3", "MALFORMED_REQUEST", "the request body could not be read")
			return
		}
		body, err := decodeBase64Chunks(raw)
		if err != nil {
			webTextError(w, text, "3", "MALFORMED_BASE64", "the request body is not base64, as application/grpc-web-text requires: "+err.Error())
			return
		}
		r = r.Clone(r.Context())
		r.Header.Set("Content-Type", binary)
		r.Header.Del("Content-Length")
		r.ContentLength = int64(len(body))
		r.Body = io.NopCloser(bytes.NewReader(body))
		tw := &textWriter{ResponseWriter: w, contentType: text}
		next.ServeHTTP(tw, r)
		tw.end()
	})
}

// grpcWebBinary is the binary gRPC-Web content type that a text-mode one
// stands for ("application/grpc-web-text+proto" →
// "application/grpc-web+proto"), with parameters dropped; false for any
// other content type.
func grpcWebBinary(ct string) (string, bool) {
	ct, _, _ = strings.Cut(ct, ";")
	ct = strings.ToLower(strings.TrimSpace(ct))
	rest, ok := strings.CutPrefix(ct, "application/grpc-web-text")
	if !ok || (rest != "" && rest != "+proto") {
		return "", false
	}
	return "application/grpc-web+proto", true
}

// decodeBase64Chunks decodes standard base64 that may be several padded
// chunks one after the other (PROTOCOL-WEB.md allows a padded chunk per
// frame), ignoring line breaks.
func decodeBase64Chunks(s []byte) ([]byte, error) {
	clean := make([]byte, 0, len(s))
	for _, c := range s {
		if c != '\r' && c != '\n' {
			clean = append(clean, c)
		}
	}
	if len(clean)%4 != 0 {
		return nil, errors.New("its length is not a multiple of 4")
	}
	out := make([]byte, 0, len(clean)/4*3)
	var quantum [3]byte
	for i := 0; i < len(clean); i += 4 {
		n, err := base64.StdEncoding.Decode(quantum[:], clean[i:i+4])
		if err != nil {
			return nil, errors.New("illegal base64 data at byte " + strconv.Itoa(i+int(err.(base64.CorruptInputError))))
		}
		out = append(out, quantum[:n]...)
	}
	return out, nil
}

// webTextError answers a trailers-only gRPC-Web response with status code,
// message and an ErrorInfo of reason (grpc-status-details-bin).
func webTextError(w http.ResponseWriter, contentType, code, reason, msg string) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Grpc-Status", code)
	h.Set("Grpc-Message", grpcPercentEncode(msg))
	n, _ := strconv.Atoi(code)
	if st, err := status.New(codes.Code(n), msg).WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: ErrorDomain}); err == nil {
		if b, err := proto.Marshal(st.Proto()); err == nil {
			h.Set("Grpc-Status-Details-Bin", base64.RawStdEncoding.EncodeToString(b))
		}
	}
	w.WriteHeader(http.StatusOK)
}

// grpcPercentEncode encodes a grpc-message value as gRPC's HTTP/2 protocol
// says: bytes outside printable ASCII, and '%', as %XX.
func grpcPercentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c > '~' || c == '%' {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// textWriter base64-encodes what a binary gRPC-Web handler writes.
type textWriter struct {
	http.ResponseWriter
	contentType string
	enc         io.WriteCloser
	sent        bool
}

func (t *textWriter) header() {
	if t.sent {
		return
	}
	t.sent = true
	h := t.ResponseWriter.Header()
	if strings.HasPrefix(strings.ToLower(h.Get("Content-Type")), "application/grpc-web") {
		h.Set("Content-Type", t.contentType)
	}
	h.Del("Content-Length")
}

func (t *textWriter) WriteHeader(code int) {
	t.header()
	t.ResponseWriter.WriteHeader(code)
}

func (t *textWriter) Write(b []byte) (int, error) {
	t.header()
	if t.enc == nil {
		t.enc = base64.NewEncoder(base64.StdEncoding, t.ResponseWriter)
	}
	return t.enc.Write(b)
}

// Flush ends the current base64 chunk (with its padding) and sends it.
func (t *textWriter) Flush() {
	t.header()
	t.closeChunk()
	if f, ok := t.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (t *textWriter) closeChunk() {
	if t.enc != nil {
		_ = t.enc.Close()
		t.enc = nil
	}
}

// end writes the last chunk once the handler has returned.
func (t *textWriter) end() { t.closeChunk() }

func (t *textWriter) Unwrap() http.ResponseWriter { return t.ResponseWriter }
