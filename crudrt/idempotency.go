package crudrt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/ormrt"
)

// MaxRequestIDLength is the longest AIP-155 request_id served, in
// characters: the request id table's column holds no more. A UUID, the
// form AIP-155 recommends, has 36.
const MaxRequestIDLength = 64

// recordingKey marks the context of a write that once is recording, so
// that the method it runs does not record it again.
type recordingKey struct{}

// errRequestIDRace is a request id recorded by a concurrent request
// after this one looked for it.
var errRequestIDRace = errors.New("crudrt: request id recorded concurrently")

// once serves a write whose request sets its AIP-155 request_id: in one
// transaction, the id is recorded with a digest of the request, the write
// is carried out, and its response is recorded with the id. A request
// that repeats a recorded id gets the recorded response, and nothing is
// written again; one that reuses the id for another request (another
// method, other fields, another tenant) is refused. A write that fails
// records nothing, so that the request can be retried with its id.
// Concurrent requests with one id wait for each other: one carries the
// write out, the others answer its response.
func (s *Service) once(ctx context.Context, i int, m *method, req proto.Message, id string) (proto.Message, error) {
	field := string(m.idempotencyKey.Name())
	if err := checkRequestID(id); err != nil {
		return nil, InvalidArgument("", FieldViolation{Field: field, Description: err.Error()})
	}
	digest, err := s.requestDigest(ctx, m, req)
	if err != nil {
		return nil, err
	}
	table := ormrt.QuoteIdent(s.dialect, s.res.RequestIDTable)
	rec := withFlag(ctx, recordingKey{}, true)
	for attempt := 1; ; attempt++ {
		var out proto.Message
		err := s.retry(ctx, func() error {
			return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
				var found bool
				var sum, resp []byte
				if err := (gormQuerier{tx}).Query("SELECT request_hash, response FROM "+table+" WHERE request_id = ?", []any{id}, func() []any {
					found = true
					return []any{&sum, &resp}
				}); err != nil {
					return err
				}
				if found {
					if !bytes.Equal(sum, digest) {
						return InvalidArgument("", FieldViolation{Field: field, Description: fmt.Sprintf("%q was sent with another request: a request id names one request (AIP-155)", id)}).
							WithReason("REQUEST_ID_REUSED", field, id)
					}
					out = m.respType.New().Interface()
					if err := proto.Unmarshal(resp, out); err != nil {
						return fmt.Errorf("crudrt: the recorded response of request id %q: %w", id, err)
					}
					return nil
				}
				// Recorded first: a concurrent request with the same id
				// waits here until this one commits or rolls back.
				if err := tx.Exec("INSERT INTO "+table+" (request_id, method, request_hash, response, create_time) VALUES (?, ?, ?, ?, ?)",
					id, m.Name, digest, []byte{}, s.opt.now().UTC().Truncate(time.Microsecond)).Error; err != nil {
					if classify(err) == DBErrorUnique {
						return errRequestIDRace
					}
					return err
				}
				c := *s
				c.db = tx
				res, err := c.call(rec, i, req)
				if err != nil {
					return err
				}
				b, err := proto.MarshalOptions{Deterministic: true}.Marshal(res)
				if err != nil {
					return err
				}
				if err := tx.Exec("UPDATE "+table+" SET response = ? WHERE request_id = ?", b, id).Error; err != nil {
					return err
				}
				out = res
				return nil
			})
		})
		switch {
		case err == nil:
			return out, nil
		case errors.Is(err, errRequestIDRace) && attempt < conflictAttempts:
			continue
		case errors.Is(err, errRequestIDRace):
			return nil, Errorf(connect.CodeAborted, "request id %q is being served by another request: retry", id).WithReason("REQUEST_ID_BUSY", field, id)
		}
		return nil, s.fail(ctx, err)
	}
}

// checkRequestID refuses a request id the table cannot hold as sent: one
// to MaxRequestIDLength printable ASCII characters.
func checkRequestID(id string) error {
	if len(id) > MaxRequestIDLength {
		return fmt.Errorf("at most %d characters (got %d): a UUID is recommended (AIP-155)", MaxRequestIDLength, len(id))
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return fmt.Errorf("%q holds %q: printable ASCII characters only, a UUID is recommended (AIP-155)", id, id[i])
		}
	}
	return nil
}

// requestDigest is what a request is recognised by when its id comes
// again: the method, the caller's tenant, and the request's fields but
// its id, deterministically encoded.
func (s *Service) requestDigest(ctx context.Context, m *method, req proto.Message) ([]byte, error) {
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	c := proto.Clone(req)
	c.ProtoReflect().Clear(m.idempotencyKey)
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%T\x00%v\x00", m.Name, tenant.v, tenant.v)
	h.Write(b)
	return h.Sum(nil), nil
}

// PurgeRequestIDs deletes the AIP-155 request ids recorded before
// before, with their responses, and returns how many it deleted: a
// request that repeats one of them afterwards is carried out as a new
// request. Call it from time to time to bound the table; a resource
// whose methods serve no request_id has none (0, nil).
func (s *Service) PurgeRequestIDs(ctx context.Context, before time.Time) (int64, error) {
	if s.res.RequestIDTable == "" {
		return 0, nil
	}
	res := s.db.WithContext(ctx).Exec("DELETE FROM "+ormrt.QuoteIdent(s.dialect, s.res.RequestIDTable)+" WHERE create_time < ?", before.UTC())
	if res.Error != nil {
		return 0, s.fail(ctx, res.Error)
	}
	return res.RowsAffected, nil
}
