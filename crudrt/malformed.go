package crudrt

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"regexp"
	"strings"

	"connectrpc.com/connect"
	spb "google.golang.org/genproto/googleapis/rpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// unmarshalPrefix begins connect-go's message for a request message its
// codec could not read, in every protocol.
const unmarshalPrefix = "unmarshal message: "

// malformedJSON is the status of a JSON request that could not be read,
// the same on every protocol (REST, Connect, gRPC and gRPC-Web with the
// JSON codec): InvalidArgument with the ErrorInfo MALFORMED_JSON and,
// when the error is at a field, a BadRequest naming it, with the field in
// the message ("invalid request: book.tags[1]: …") and in the ErrorInfo's
// metadata; otherwise connect-go's words ("unmarshal message: proto: …").
func malformedJSON(err error) *Error {
	if pe, ok := asPathError(err); ok {
		return InvalidArgument("", FieldViolation{Field: pe.Path, Description: pe.Msg}).WithReason("MALFORMED_JSON")
	}
	return Errorf(connect.CodeInvalidArgument, "%s%v", unmarshalPrefix, err).WithReason("MALFORMED_JSON")
}

// pathErrorText is a pathError's text: the path (names and map keys as
// quotedKey writes them, list indexes in brackets), ": ", and protojson's
// words ending with the position.
var pathErrorText = regexp.MustCompile("(?s)^((?:[A-Za-z_][A-Za-z0-9_]*|`(?:[^`]|``)*`)(?:\\[\\d+\\])*" +
	"(?:\\.(?:[A-Za-z_][A-Za-z0-9_]*|`(?:[^`]|``)*`)(?:\\[\\d+\\])*)*): (.* \\(line \\d+:\\d+\\))$")

// malformedJSONMessage is malformedJSON for the error message connect-go
// sends when the JSON codec refused a request: "unmarshal message: " and
// the codec's error, a pathError's text where it found the field. ok is
// false for another message.
func malformedJSONMessage(msg string) (*Error, bool) {
	rest, ok := strings.CutPrefix(msg, unmarshalPrefix)
	if !ok {
		return nil, false
	}
	if m := pathErrorText.FindStringSubmatch(rest); m != nil {
		return malformedJSON(&pathError{Path: m[1], Msg: m[2]}), true
	}
	return malformedJSON(errors.New(rest)), true
}

// malformedMessage is the status of a request message the codec could
// not read, from connect-go's error message: malformedJSONMessage for
// JSON (isJSON), malformedProtoMessage for the binary format.
func malformedMessage(msg string, isJSON bool) (*Error, bool) {
	if isJSON {
		return malformedJSONMessage(msg)
	}
	return malformedProtoMessage(msg)
}

// statusProto is e as a google.rpc.Status, its ErrorInfo first.
func (e *Error) statusProto() *spb.Status {
	return e.GRPCStatus().Proto()
}

// connectErrorJSON is e as the Connect protocol's JSON error body:
// the code's name, the message and each detail as its type and its
// unpadded base64 protobuf.
func connectErrorJSON(e *Error) []byte {
	type detail struct {
		Type  string `json:"type"`
		Value string `json:"value"`
	}
	out := struct {
		Code    string   `json:"code"`
		Message string   `json:"message,omitempty"`
		Details []detail `json:"details,omitempty"`
	}{Code: e.Code().String(), Message: e.ce.Message()}
	for _, d := range e.statusProto().GetDetails() {
		out.Details = append(out.Details, detail{
			Type:  strings.TrimPrefix(d.GetTypeUrl(), "type.googleapis.com/"),
			Value: base64.RawStdEncoding.EncodeToString(d.GetValue()),
		})
	}
	b, _ := json.Marshal(out)
	return b
}

// restErrorJSON is e as a REST error body: a google.rpc.Status in JSON.
func restErrorJSON(e *Error) []byte {
	b, err := protojson.Marshal(e.statusProto())
	var out bytes.Buffer
	if err != nil || json.Compact(&out, b) != nil {
		// protojson's spacing varies from build to build: compacted.
		b, _ = json.Marshal(map[string]any{"code": int(e.Code()), "message": e.ce.Message()})
		return b
	}
	return out.Bytes()
}

// grpcStatusBin is e as the grpc-status-details-bin of gRPC's trailers.
func grpcStatusBin(e *Error) string {
	b, _ := proto.Marshal(e.statusProto())
	return base64.RawStdEncoding.EncodeToString(b)
}
