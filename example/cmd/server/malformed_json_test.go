package main_test

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

// jsonAnswer is what a client learns from an error answer: the code, the
// message, the ErrorInfo's reason and fields, and the BadRequest's fields.
type jsonAnswer struct {
	code           int32
	message        string
	reason, fields string
	violations     []string
}

// answerOf reads a google.rpc.Status.
func answerOf(t *testing.T, st *spb.Status) jsonAnswer {
	t.Helper()
	a := jsonAnswer{code: st.GetCode(), message: st.GetMessage()}
	for _, d := range st.GetDetails() {
		m, err := d.UnmarshalNew()
		require.NoError(t, err)
		switch m := m.(type) {
		case *errdetails.ErrorInfo:
			a.reason, a.fields = m.GetReason(), m.GetMetadata()["fields"]
		case *errdetails.BadRequest:
			for _, v := range m.GetFieldViolations() {
				a.violations = append(a.violations, v.GetField())
			}
		}
	}
	return a
}

// TestMalformedJSONSameEverywhere sends JSON that protojson refuses over
// every protocol that reads JSON (Connect, gRPC and gRPC-Web with the JSON
// codec, REST with the resource as the body and with the whole request
// as the body): each answer is InvalidArgument with the ErrorInfo
// MALFORMED_JSON, and where the error is at a field, the same field in
// the message, the ErrorInfo and a BadRequest; the messages differ only
// in the position, which is in the document each protocol sent.
func TestMalformedJSONSameEverywhere(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "")
	position := regexp.MustCompile(` \(line \d+:\d+\)`)
	for _, tc := range []struct {
		name      string
		procedure string // Connect's, gRPC's
		body      string // the request, in JSON
		rest      string // POST route, its body
		restBody  string
		field     string // "" where the error is at no field
	}{
		{"list element", "CreateBook", `{"book":{"title":"a","tags":["x",3]}}`, "/v1/books", `{"title":"a","tags":["x",3]}`, "book.tags[1]"},
		{"enum name", "CreateBook", `{"book":{"title":"a","state":"NOPE"}}`, "/v1/books", `{"title":"a","state":"NOPE"}`, "book.state"},
		{"map value, quoted key", "CreateBook", `{"book":{"title":"a","metadata":{"k.x":1}}}`, "/v1/books", `{"title":"a","metadata":{"k.x":1}}`, "book.metadata.`k.x`"},
		{"uint64 out of range", "CreateBook", `{"book":{"title":"a","isbn":"-1"}}`, "/v1/books", `{"title":"a","isbn":"-1"}`, "book.isbn"},
		{"unknown field", "CreateBook", `{"book":{"title":"a","nope":1}}`, "/v1/books", `{"title":"a","nope":1}`, "book.nope"},
		{"cut short", "CreateBook", `{"book":{"title":"a"}`, "/v1/books", `{"title":"a"`, ""},
		{"batch element", "BatchCreateBooks", `{"requests":[{"book":{"title":"a"}},{"book":{"tags":[true]}}]}`, "/v1/books:batchCreate", `{"requests":[{"book":{"title":"a"}},{"book":{"tags":[true]}}]}`, "requests[1].book.tags[0]"},
		{"batch, cut short", "BatchCreateBooks", `{"requests":[`, "/v1/books:batchCreate", `{"requests":[`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			procedure := "/library.v1.BookService/" + tc.procedure
			got := map[string]jsonAnswer{}

			code, body := do(t, "POST", s.url(procedure), "application/json", tc.body)
			require.Equal(t, 400, code, body)
			got["Connect"] = answerOf(t, connectStatus(t, body))

			frame := make([]byte, 5, 5+len(tc.body))
			binary.BigEndian.PutUint32(frame[1:], uint32(len(tc.body)))
			frame = append(frame, tc.body...)
			for _, ct := range []string{"application/grpc+json", "application/grpc-web+json"} {
				resp, _ := rawRPC(t, s.url(procedure), ct, string(frame))
				require.Equal(t, 200, resp.StatusCode, ct)
				raw := resp.Header.Get("Grpc-Status-Details-Bin") + resp.Trailer.Get("Grpc-Status-Details-Bin")
				b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(raw, "="))
				require.NoError(t, err, ct)
				var st spb.Status
				require.NoError(t, proto.Unmarshal(b, &st), ct)
				a := answerOf(t, &st)
				msg := resp.Header.Get("Grpc-Message") + resp.Trailer.Get("Grpc-Message")
				assert.NotEmpty(t, msg, ct)
				assert.NotContains(t, msg+a.message, "unmarshal message: "+tc.field+":", "%s: the status is rewritten whole", ct)
				got[ct] = a
			}

			code, body = do(t, "POST", s.url(tc.rest), "application/json", tc.restBody)
			require.Equal(t, 400, code, body)
			var st spb.Status
			require.NoError(t, protojson.Unmarshal([]byte(body), &st), body)
			got["REST"] = answerOf(t, &st)

			want := got["Connect"]
			assert.Equal(t, int32(3), want.code)
			assert.Equal(t, "MALFORMED_JSON", want.reason, "Connect: %+v", want)
			if tc.field != "" {
				assert.Equal(t, tc.field, want.fields)
				assert.Equal(t, []string{tc.field}, want.violations)
				assert.True(t, strings.HasPrefix(want.message, "invalid request: "+tc.field+": "), want.message)
			} else {
				assert.Empty(t, want.violations)
				assert.True(t, strings.HasPrefix(want.message, "unmarshal message: proto"), want.message)
			}
			for name, a := range got {
				if name == "REST" {
					// The body is another document: another position.
					a.message = position.ReplaceAllString(a.message, "")
					w := want
					w.message = position.ReplaceAllString(w.message, "")
					assert.Equal(t, w, a, name)
					continue
				}
				assert.Equal(t, want, a, name)
			}
		})
	}
}

// connectStatus reads a Connect protocol error body as a google.rpc.Status.
func connectStatus(t *testing.T, body string) *spb.Status {
	t.Helper()
	var e struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"details"`
	}
	require.NoError(t, json.Unmarshal([]byte(body), &e), body)
	codes := map[string]int32{"invalid_argument": 3, "not_found": 5, "already_exists": 6, "failed_precondition": 9, "aborted": 10, "internal": 13, "unknown": 2}
	st := &spb.Status{Code: codes[e.Code], Message: e.Message}
	for _, d := range e.Details {
		v, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(d.Value, "="))
		require.NoError(t, err)
		st.Details = append(st.Details, &anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type, Value: v})
	}
	return st
}

// TestErrorsBounded: an error that quotes what the client sent (an
// unknown field's name of 3 MB, a request_id of 70 KB) quotes at most a
// kilobyte of it, on every protocol: answers stay small, and gRPC-Web's,
// whose status travels in the headers, stays under the headers' limits
// of browsers and proxies.
func TestErrorsBounded(t *testing.T) {
	t.Parallel()
	s := startWithBooks(t, "", "Dune")
	huge := strings.Repeat("x", 3<<20)
	for _, tc := range []struct{ name, path, ct, body string }{
		{"Connect, unknown field", "/library.v1.BookService/CreateBook", "application/json", `{"book":{"title":"a","` + huge + `":1}}`},
		{"REST, unknown field", "/v1/books", "application/json", `{"title":"a","` + huge + `":1}`},
		{"Connect, request_id", "/library.v1.BookService/DeleteBook", "application/json", `{"id":"1","requestId":"` + huge[:70000] + `"}`},
	} {
		code, body := do(t, "POST", s.url(tc.path), tc.ct, tc.body)
		assert.Equal(t, 400, code, tc.name)
		assert.Less(t, len(body), 8<<10, "%s: an answer of %d bytes", tc.name, len(body))
		assert.Contains(t, body, "bytes in all)", tc.name)
	}
	body := `{"id":"1","requestId":"` + huge[:70000] + `"}`
	frame := make([]byte, 5, 5+len(body))
	binary.BigEndian.PutUint32(frame[1:], uint32(len(body)))
	frame = append(frame, body...)
	resp, _ := rawRPC(t, s.url("/library.v1.BookService/DeleteBook"), "application/grpc-web+json", string(frame))
	size := 0
	for k, vs := range resp.Header {
		for _, v := range vs {
			size += len(k) + len(v)
		}
	}
	assert.Equal(t, "3", resp.Header.Get("Grpc-Status"))
	assert.Less(t, size, 8<<10, "gRPC-Web: headers of %d bytes", size)

	// Paths and names the client chose, in the guards' own answers.
	long := strings.Repeat("y", 100<<10)
	resp, _ = rawRPC(t, s.url("/library.v1.BookService/"+long), "application/grpc-web+proto", "\x00\x00\x00\x00\x00")
	assert.Equal(t, "12", resp.Header.Get("Grpc-Status"))
	assert.Less(t, len(resp.Header.Get("Grpc-Message")), 4<<10, "gRPC-Web: an unknown procedure's name")
	for _, p := range []string{"/v1/" + long, "/library.v1.BookService/" + long, "/v1/books?" + long + "=1"} {
		code, body := do(t, "GET", s.url(p), "", "")
		assert.GreaterOrEqual(t, code, 400)
		assert.Less(t, len(body), 8<<10, "%s…: an answer of %d bytes", p[:20], len(body))
	}
}
