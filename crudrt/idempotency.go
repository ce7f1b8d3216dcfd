package crudrt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"google.golang.org/genproto/googleapis/api/annotations"
	"math/rand/v2"
	"slices"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"
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
// write out, the others answer its response (or, when it failed, carry
// the write out in turn).
func (s *Service) once(ctx context.Context, i int, m *method, req proto.Message, id string) (proto.Message, error) {
	scope, digest, err := s.requestDigest(ctx, m, req, id)
	if err != nil {
		return nil, err
	}
	table := s.requestIDs
	rec := withFlag(ctx, recordingKey{}, true)
	for attempt := 1; ; attempt++ {
		var out proto.Message
		err := s.retry(ctx, func() error {
			return commitOnce(ctx, s.db, func(tx *gorm.DB) error {
				var err error
				if out, err = s.recorded(tx, m, scope, id, digest); err != nil || out != nil {
					return err
				}
				// Recorded first: a concurrent request with the same id
				// waits here until this one commits or rolls back.
				if err := tx.Exec("INSERT INTO "+table+" (tenant, request_id, method, request_hash, response, create_time) VALUES (?, ?, ?, ?, ?, ?)",
					scope, id, m.Name, digest, []byte{}, s.opt.now().UTC().Truncate(time.Microsecond)).Error; err != nil {
					if k := classify(err); k == DBErrorUnique || k == DBErrorConflict {
						// Recorded meanwhile, or (InnoDB) a deadlock among
						// the requests that waited for one that rolled back.
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
				if err := tx.Exec("UPDATE "+table+" SET response = ? WHERE tenant = ? AND request_id = ?", b, scope, id).Error; err != nil {
					return err
				}
				out = res
				return nil
			})
		})
		switch {
		case err == nil:
			return out, nil
		case !errors.Is(err, errRequestIDRace):
			return nil, s.fail(ctx, err)
		}
		// Each turn, one of the requests that waited goes on.
		if attempt == raceAttempts || !pause(ctx, time.Duration(1+rand.IntN(5))*time.Millisecond) {
			return nil, Errorf(connect.CodeAborted, "request id %q is being served by another request: retry", id).WithReason("REQUEST_ID_BUSY", string(m.idempotencyKey.Name()), id)
		}
	}
}

// raceAttempts bounds the turns of a request whose id other requests
// hold: one of them goes on each turn.
const raceAttempts = 100

// replay answers a validate-only write whose request sets its request_id
// as the write would: InvalidArgument for an id it would refuse, the
// recorded response of a repeat; nil, nil when the write would be carried
// out (and the validate-only write then is).
func (s *Service) replay(ctx context.Context, m *method, req proto.Message, id string) (proto.Message, error) {
	scope, digest, err := s.requestDigest(ctx, m, req, id)
	if err != nil {
		return nil, err
	}
	out, err := s.recorded(s.db.WithContext(ctx), m, scope, id, digest)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

// recorded is the response recorded for id in the tenant's scope, nil
// when none is, or InvalidArgument when id was recorded for another
// request than digest's.
func (s *Service) recorded(tx *gorm.DB, m *method, scope, id string, digest []byte) (proto.Message, error) {
	var found bool
	var sum, resp []byte
	if err := (gormQuerier{tx}).Query("SELECT request_hash, response FROM "+s.requestIDs+" WHERE tenant = ? AND request_id = ?", []any{scope, id}, func() []any {
		found = true
		return []any{&sum, &resp}
	}); err != nil || !found {
		return nil, err
	}
	field := string(m.idempotencyKey.Name())
	if !bytes.Equal(sum, digest) {
		return nil, InvalidArgument("", FieldViolation{Field: field, Description: fmt.Sprintf("%q was sent with another request: a request id names one request (AIP-155)", id)}).
			WithReason("REQUEST_ID_REUSED", field, id)
	}
	out := m.answerType().New().Interface()
	if err := proto.Unmarshal(resp, out); err != nil {
		return nil, fmt.Errorf("crudrt: the recorded response of request id %q: %w", id, err)
	}
	return out, nil
}

// checkRequestID refuses a request id the table cannot hold as sent: one
// to MaxRequestIDLength printable ASCII characters.
func checkRequestID(id string) error {
	if len(id) > MaxRequestIDLength {
		return fmt.Errorf("at most %d characters (got %d): a UUID is recommended (AIP-155)", MaxRequestIDLength, len(id))
	}
	for _, r := range id {
		if r <= ' ' || r > '~' {
			return fmt.Errorf("%q holds %q: printable ASCII characters only, a UUID is recommended (AIP-155)", id, r)
		}
	}
	return nil
}

// requestDigest checks id and returns the scope of the caller's ids (a
// digest of its tenant, empty without tenants: tenants choose their ids
// apart) and what its request is recognised by when the id comes again:
// the method, the tenant, and the request's fields but the id and
// validate_only, deterministically encoded, without unknown fields, and
// with the paths of its field masks sorted and empty masks left out, as
// they mean the same.
func (s *Service) requestDigest(ctx context.Context, m *method, req proto.Message, id string) (scope string, digest []byte, err error) {
	if err := checkRequestID(id); err != nil {
		return "", nil, InvalidArgument("", FieldViolation{Field: string(m.idempotencyKey.Name()), Description: err.Error()})
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return "", nil, err
	}
	if tenant.v != nil {
		sum := sha256.Sum256(fmt.Appendf(nil, "%T\x00%v", tenant.v, tenant.v))
		scope = hex.EncodeToString(sum[:])
	}
	c := proto.Clone(req)
	r := c.ProtoReflect()
	r.Clear(m.idempotencyKey)
	if m.validateOnly != nil {
		r.Clear(m.validateOnly)
	}
	canonical(r)
	// Two spellings of a UUID or an IP address are one value (AIP-202),
	// the resource's key the request names included.
	canonicalizeFormats(r)
	if f := s.keyFormat(); f != annotations.FieldInfo_FORMAT_UNSPECIFIED {
		canonicalKeys(r, f, m.key, m.keys)
		if m.requests != nil && m.requestKey != nil {
			// The key of each of a BatchDelete's requests (AIP-235).
			for i, l := 0, r.Get(m.requests).List(); i < l.Len(); i++ {
				canonicalKeys(l.Get(i).Message(), f, m.requestKey)
			}
		}
	}
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	if err != nil {
		return "", nil, err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%T\x00%v\x00", m.Name, tenant.v, tenant.v)
	h.Write(b)
	return scope, h.Sum(nil), nil
}

// canonicalKeys writes the string keys fds of r (a key, or a list of
// them) as the key's format f stores them.
func canonicalKeys(r protoreflect.Message, f annotations.FieldInfo_Format, fds ...protoreflect.FieldDescriptor) {
	for _, fd := range fds {
		if fd == nil || fd.Kind() != protoreflect.StringKind {
			continue
		}
		if fd.IsList() {
			for i, l := 0, r.Mutable(fd).List(); i < l.Len(); i++ {
				l.Set(i, protoreflect.ValueOfString(canonicalValue(l.Get(i).String(), f)))
			}
		} else if r.Has(fd) {
			r.Set(fd, protoreflect.ValueOfString(canonicalValue(r.Get(fd).String(), f)))
		}
	}
}

// canonical drops the unknown fields of m and of the messages it holds,
// sorts the paths of its field masks (without repeats) and clears the
// empty ones.
func canonical(m protoreflect.Message) {
	m.SetUnknown(nil)
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.Message() == nil:
		case fd.IsMap():
			if fd.MapValue().Message() != nil {
				v.Map().Range(func(_ protoreflect.MapKey, e protoreflect.Value) bool {
					canonical(e.Message())
					return true
				})
			}
		case fd.IsList():
			for i := 0; i < v.List().Len(); i++ {
				canonical(v.List().Get(i).Message())
			}
		case fd.Message().FullName() == "google.protobuf.FieldMask":
			mask, ok := v.Message().Interface().(*fieldmaskpb.FieldMask)
			if !ok {
				break
			}
			if len(mask.GetPaths()) == 0 {
				m.Clear(fd)
				break
			}
			slices.Sort(mask.Paths)
			mask.Paths = slices.Compact(mask.Paths)
			mask.ProtoReflect().SetUnknown(nil)
		default:
			canonical(v.Message())
		}
		return true
	})
}

// PurgeRequestIDs deletes the AIP-155 request ids recorded before
// before, with their responses, and returns how many it deleted: a
// request that repeats one of them afterwards is carried out as a new
// request. Call it from time to time to bound the table; a resource
// whose methods serve no request_id has none (0, nil).
func (s *Service) PurgeRequestIDs(ctx context.Context, before time.Time) (int64, error) {
	if s.requestIDs == "" {
		return 0, nil
	}
	res := s.db.WithContext(ctx).Exec("DELETE FROM "+s.requestIDs+" WHERE create_time < ?", before.UTC())
	if res.Error != nil {
		return 0, s.fail(ctx, res.Error)
	}
	return res.RowsAffected, nil
}
