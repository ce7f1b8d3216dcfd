// Package crudrt is the runtime of the services protoc-gen-crud generates:
// the AIP standard methods (Get, List, Create, Update, Delete, Undelete) on
// GORM, with validation, field masks, etags, soft delete, keyset
// pagination and status errors that grpc-go and connect-go both
// understand. Generated code only describes the resource and delegates
// here.
package crudrt

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"buf.build/go/protovalidate"
	"connectrpc.com/connect"
	"go.einride.tech/aip/fieldmask"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/protoforge/protoforge/crudrt/query"
	"github.com/protoforge/protoforge/ormrt"
)

// Resource describes a model to the runtime; protoc-gen-crud generates
// one per service, as static data, so that a generated package compiles
// little more than its messages.
type Resource struct {
	// Name is the message's full name, for messages ("library.v1.Book").
	Name string
	// Collection is the first segment of resource names ("books").
	Collection string
	// Field is the request field that holds the resource in Create and
	// Update ("book"), which prefixes field paths in errors.
	Field string
	// Key is the key field and KeyColumn its column; AutoKey means the
	// database assigns it.
	Key       string
	KeyColumn string
	AutoKey   bool
	// Columns are the stored fields filters and order_by may name. The
	// enum type of an enum column is taken from the message.
	Columns []query.Column
	// Limits are the model's own limits checked before writes.
	Limits []Limit
	// Stored lists every stored field with its column, so that an update
	// writes only the columns its mask names.
	Stored []StoredField
	// SoftDelete is set for soft-deleted models (delete_time).
	SoftDelete bool
	// Tenant is the field holding each row's tenant (the tenant option),
	// or "".
	Tenant string
	// Message is a nil message and Model a nil pointer to the model
	// struct: they give the runtime their types.
	Message proto.Message
	Model   any
	// ToModel and ToProto are the generated conversions, ToModel of a
	// Message and ToProto of a Model.
	ToModel func(proto.Message) (any, error)
	ToProto func(any) (proto.Message, error)
}

// StoredField is a stored field and its column.
type StoredField struct {
	Path, Column string
}

// Limit is a limit of a column that requests must respect.
type Limit struct {
	// Path is the field name; MaxLen its length limit in characters.
	Path   string
	MaxLen int
}

// Option configures a Service.
type Option func(*options)

type options struct {
	limits          Limits
	tenant          func(context.Context) (any, error)
	tokenKey        []byte
	defaultPageSize int32
	maxPageSize     int32
	logger          *slog.Logger
	now             func() time.Time
}

// WithPageTokenKey sets the key that signs page tokens. Services behind a
// load balancer need the same key everywhere; the default is random per
// process, so tokens do not survive a restart.
func WithPageTokenKey(key []byte) Option { return func(o *options) { o.tokenKey = key } }

// WithPageSizes sets the page size used when a request asks for none and
// the largest page served (defaults 50 and 1000).
func WithPageSizes(def, max int32) Option {
	return func(o *options) { o.defaultPageSize, o.maxPageSize = def, max }
}

// WithTenant tells the service the caller's tenant, from the request
// context (an authenticated identity, a header an interceptor read…).
// Models with a tenant field need it: rows are stamped with the tenant on
// Create, and every method sees only the caller's tenant's rows; another
// tenant's row is NotFound. An error from tenant is returned as is when it
// is a status error, else as Unauthenticated.
func WithTenant(tenant func(ctx context.Context) (any, error)) Option {
	return func(o *options) { o.tenant = tenant }
}

// Limits bound what one request may ask of the database. Zero fields take
// the defaults; a request over a limit is InvalidArgument naming the field.
type Limits struct {
	// MaxFilterLength is the longest filter in bytes (default and ceiling:
	// query.MaxFilterLength, 4096; nesting is capped at query.MaxFilterDepth).
	MaxFilterLength int
	// MaxOrderByTerms is the most order_by terms (default 8).
	MaxOrderByTerms int
	// MaxBatchSize is the most resources of one batch call (default 1000).
	MaxBatchSize int
}

// WithLimits sets the request limits (page sizes: WithPageSizes).
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithLogger sets where database errors are logged (they are never sent
// to clients).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock sets the clock of create_time and update_time.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// info is what the runtime derives from a Resource.
type info struct {
	*Resource
	// Stored maps each stored field to its column (Resource.Stored).
	Stored   map[string]string
	New      func() any
	NewProto func() proto.Message
}

// Service implements the standard methods of one resource on messages and
// models of any type: generated services call it and assert the message
// type of the results, so that its code is compiled once, here.
type Service struct {
	db  *gorm.DB
	res *info
	opt options
	v   protovalidate.Validator

	table query.Table
	fb    behaviors
	// columns is the SELECT list of models that scan themselves.
	columns string
	// tenantField and tenantCol hold the tenant of each row, if any.
	tenantField                            protoreflect.FieldDescriptor
	tenantCol                              string
	desc                                   protoreflect.MessageDescriptor
	key, createTime, updateTime, etag, del protoreflect.FieldDescriptor
}

// NewService returns the standard methods of res on db. res must describe
// a message and its model as protoc-gen-crud does; it is not modified.
func NewService(db *gorm.DB, res *Resource, opts ...Option) *Service {
	desc := res.Message.ProtoReflect().Descriptor()
	in := &info{Resource: res}
	if res.Stored != nil {
		in.Stored = make(map[string]string, len(res.Stored))
		for _, f := range res.Stored {
			in.Stored[f.Path] = f.Column
		}
	}
	model := reflect.TypeOf(res.Model).Elem()
	in.New = func() any { return reflect.New(model).Interface() }
	in.NewProto = func() proto.Message { return res.Message.ProtoReflect().New().Interface() }

	table := query.Table{Key: []string{res.Key}, Columns: slices.Clone(res.Columns), Dialect: query.Dialect(db.Dialector.Name())}
	for i, c := range table.Columns {
		if c.Kind == query.KindEnum || c.Kind == query.KindEnumName {
			if fd := desc.Fields().ByName(protoreflect.Name(c.Path)); fd != nil && fd.Enum() != nil {
				table.Columns[i].Enum = fd.Enum()
			}
		}
	}

	o := options{defaultPageSize: 50, maxPageSize: 1000, logger: slog.Default(), now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	if o.limits.MaxFilterLength <= 0 || o.limits.MaxFilterLength > query.MaxFilterLength {
		o.limits.MaxFilterLength = query.MaxFilterLength
	}
	if o.limits.MaxOrderByTerms <= 0 {
		o.limits.MaxOrderByTerms = 8
	}
	if o.limits.MaxBatchSize <= 0 {
		o.limits.MaxBatchSize = 1000
	}
	if o.tokenKey != nil && len(o.tokenKey) < query.MinTokenKeyLength {
		panic(fmt.Sprintf("crudrt: WithPageTokenKey needs at least %d bytes", query.MinTokenKeyLength))
	}
	if o.tokenKey == nil {
		o.tokenKey = make([]byte, 32)
		if _, err := rand.Read(o.tokenKey); err != nil {
			panic(err)
		}
	}
	v, err := protovalidate.New()
	if err != nil {
		panic(fmt.Sprintf("crudrt: protovalidate: %v", err))
	}
	s := &Service{db: db, res: in, opt: o, v: v, desc: desc, table: table}
	fields := desc.Fields()
	s.key = fields.ByName(protoreflect.Name(res.Key))
	s.columns = s.selectColumns()
	if res.Tenant != "" {
		s.tenantField = fields.ByName(protoreflect.Name(res.Tenant))
		s.tenantCol = in.Stored[res.Tenant]
		if s.tenantCol == "" {
			s.tenantCol = res.Tenant
		}
	}
	s.fb = readBehaviors(desc)
	s.createTime = timestampField(fields.ByName("create_time"))
	s.updateTime = timestampField(fields.ByName("update_time"))
	s.del = timestampField(fields.ByName("delete_time"))
	if fd := fields.ByName("etag"); fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() {
		s.etag = fd
	}
	return s
}

func timestampField(fd protoreflect.FieldDescriptor) protoreflect.FieldDescriptor {
	if fd == nil || fd.Message() == nil || fd.Message().FullName() != "google.protobuf.Timestamp" || fd.IsList() {
		return nil
	}
	return fd
}

func (s *Service) newProto() proto.Message { return s.res.NewProto() }

func (s *Service) fail(ctx context.Context, err error) error {
	return dbError(ctx, s.opt.logger, s.res.Name, s.res.Field, err)
}

// keyArg is the value of a key for a query: uint64 keys in their column form.
func keyArg(key any) any {
	if u, ok := key.(uint64); ok {
		return ormrt.Uint64(u)
	}
	return key
}

// KeyFromName parses an AIP-122 resource name "<collection>/<key>" into the
// key's Go type.
func (s *Service) KeyFromName(name string) (any, error) {
	id, ok := strings.CutPrefix(name, s.res.Collection+"/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return nil, InvalidArgument("", FieldViolation{Field: "name", Description: fmt.Sprintf("want %s/<id>, got %q", s.res.Collection, name)})
	}
	var v any
	var err error
	switch s.key.Kind() {
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		v, err = strconv.ParseInt(id, 10, 64)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		var n int64
		n, err = strconv.ParseInt(id, 10, 32)
		v = int32(n)
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		v, err = strconv.ParseUint(id, 10, 64)
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		var n uint64
		n, err = strconv.ParseUint(id, 10, 32)
		v = uint32(n)
	default:
		v = id
	}
	if err != nil {
		return nil, InvalidArgument("", FieldViolation{Field: "name", Description: fmt.Sprintf("%q is not a valid id", id)})
	}
	return v, nil
}

// find loads the row with key; deleted rows too when unscoped.
func (s *Service) find(tx *gorm.DB, tenant tenantScope, key any, unscoped, lock bool) (any, error) {
	if s.columns != "" {
		conds := []query.Condition{{SQL: s.keyCond(), Args: []any{keyArg(key)}}, tenant.cond()}
		if s.res.SoftDelete && !unscoped {
			conds = append(conds, query.Condition{SQL: quoteIdent(s.table.Dialect, "delete_time") + " IS NULL"})
		}
		rows, err := s.selectRowsIn(tx, conds, "", 1, lock)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			return nil, gorm.ErrRecordNotFound
		}
		return rows[0], nil
	}
	m := s.res.New()
	q := tx.Where(s.keyCond(), keyArg(key))
	if c := tenant.cond(); c.SQL != "" {
		q = q.Where(c.SQL, c.Args...)
	}
	if unscoped {
		q = q.Unscoped()
	}
	if lock && tx.Dialector.Name() != "sqlite" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(m).Error; err != nil {
		var zero any
		return zero, err
	}
	return m, nil
}

func (s *Service) keyCond() string {
	return quoteIdent(s.table.Dialect, s.res.KeyColumn) + " = ?"
}

// Get returns the resource with key. Soft-deleted resources are returned
// with their delete_time (AIP-164).
func (s *Service) Get(ctx context.Context, key any) (proto.Message, error) {
	var zero proto.Message
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return zero, err
	}
	var m any
	if s.columns != "" {
		rows, err := s.selectRows(ctx, []query.Condition{{SQL: s.keyCond(), Args: []any{keyArg(key)}}, tenant.cond()}, "", 1)
		if err != nil {
			return zero, s.fail(ctx, err)
		}
		if len(rows) == 0 {
			return zero, s.fail(ctx, gorm.ErrRecordNotFound)
		}
		m = rows[0]
	} else {
		if m, err = s.find(s.db.WithContext(ctx), tenant, key, true, false); err != nil {
			return zero, s.fail(ctx, err)
		}
	}
	p, err := s.res.ToProto(m)
	if err != nil {
		return zero, s.fail(ctx, err)
	}
	return p, nil
}

// Create validates msg, sets the server-managed fields and inserts it.
func (s *Service) Create(ctx context.Context, msg proto.Message) (proto.Message, error) {
	var zero proto.Message
	if !msg.ProtoReflect().IsValid() {
		return zero, InvalidArgument("", FieldViolation{Field: s.res.Field, Description: "required"})
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return zero, err
	}
	p := s.prepareCreate(msg, tenant)
	if err := s.validate(p); err != nil {
		return zero, err
	}
	m, err := s.res.ToModel(p)
	if err != nil {
		return zero, s.fail(ctx, err)
	}
	// One INSERT needs no transaction of its own (GORM opens one by default).
	if err := s.db.WithContext(ctx).Session(&gorm.Session{SkipDefaultTransaction: true}).Omit(clause.Associations).Create(m).Error; err != nil {
		return zero, s.fail(ctx, err)
	}
	out, err := s.res.ToProto(m)
	if err != nil {
		return zero, s.fail(ctx, err)
	}
	return out, nil
}

// prepareCreate copies msg with the server-managed fields set: the key
// (when the database assigns it), create and update times, no deletion,
// the first etag, and output-only fields cleared.
func (s *Service) prepareCreate(msg proto.Message, tenant tenantScope) proto.Message {
	p := proto.Clone(msg)
	r := p.ProtoReflect()
	if s.tenantField != nil {
		r.Set(s.tenantField, tenant.value(s.tenantField))
	}
	// Output-only fields (AIP-148, AIP-154) are the server's.
	if s.res.AutoKey {
		r.Clear(s.key)
	}
	now := timestamppb.New(s.opt.now())
	for _, fd := range []protoreflect.FieldDescriptor{s.createTime, s.updateTime} {
		if fd != nil {
			r.Set(fd, protoreflect.ValueOfMessage(now.ProtoReflect()))
		}
	}
	if s.del != nil {
		r.Clear(s.del)
	}
	for fd := range s.fb.outputOnly {
		if fd != s.createTime && fd != s.updateTime && fd != s.key {
			r.Clear(fd)
		}
	}
	if s.etag != nil {
		r.Set(s.etag, protoreflect.ValueOfString("1"))
	}
	return p
}

// managed reports whether fd is set by the server only.
func (s *Service) managed(fd protoreflect.FieldDescriptor) bool {
	return fd == s.createTime || fd == s.updateTime || fd == s.del || fd == s.etag || fd == s.key || fd == s.tenantField || s.fb.outputOnly[fd]
}

// Update applies the fields of msg named by mask to the stored resource,
// in one transaction, checking the etag when msg carries one (AIP-134,
// AIP-154). No mask means the fields msg populates; "*" replaces every
// field the client may set.
func (s *Service) Update(ctx context.Context, msg proto.Message, mask *fieldmaskpb.FieldMask) (proto.Message, error) {
	var zero proto.Message
	if !msg.ProtoReflect().IsValid() {
		return zero, InvalidArgument("", FieldViolation{Field: s.res.Field, Description: "required"})
	}
	paths, err := s.maskPaths(msg, mask)
	if err != nil {
		return zero, err
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return zero, err
	}
	key := msg.ProtoReflect().Get(s.key).Interface()
	var out proto.Message
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.find(tx, tenant, key, false, true)
		if err != nil {
			return err
		}
		stored, err := s.res.ToProto(cur)
		if err != nil {
			return err
		}
		current := ""
		if s.etag != nil {
			current = stored.ProtoReflect().Get(s.etag).String()
			if sent := msg.ProtoReflect().Get(s.etag).String(); sent != "" && sent != current {
				return Errorf(connect.CodeAborted, "etag %q is stale: %s changed since it was read (current etag %q); read it again and retry", sent, s.res.Name, current)
			}
		}
		next := proto.Clone(stored)
		fieldmask.Update(&fieldmaskpb.FieldMask{Paths: paths}, next, msg)
		if s.tenantField != nil {
			// The tenant of a row never changes.
			next.ProtoReflect().Set(s.tenantField, stored.ProtoReflect().Get(s.tenantField))
		}
		if err := s.immutable(stored, next); err != nil {
			return err
		}
		r := next.ProtoReflect()
		if s.updateTime != nil {
			r.Set(s.updateTime, protoreflect.ValueOfMessage(timestamppb.New(s.opt.now()).ProtoReflect()))
		}
		if s.etag != nil {
			r.Set(s.etag, protoreflect.ValueOfString(nextEtag(current)))
		}
		if err := s.validate(next); err != nil {
			return err
		}
		m, err := s.res.ToModel(next)
		if err != nil {
			return err
		}
		q := tx.Model(m).Select(s.updateColumns(paths)).Omit(clause.Associations).Where(s.keyCond(), keyArg(key))
		if s.etag != nil {
			q = q.Where(quoteIdent(s.table.Dialect, "etag")+" = ?", current)
		}
		res := q.Updates(m)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return Errorf(connect.CodeAborted, "%s changed concurrently; read it again and retry", s.res.Name)
		}
		out, err = s.res.ToProto(m)
		return err
	})
	if err != nil {
		return zero, s.fail(ctx, err)
	}
	return out, nil
}

// updateColumns lists the columns an update with mask paths writes: the
// masked fields' columns and the server-managed ones; every column when a
// path is not a plain stored field.
func (s *Service) updateColumns(paths []string) []string {
	if s.res.Stored == nil {
		return []string{"*"}
	}
	cols := []string{}
	seen := map[string]bool{}
	add := func(c string) {
		if c != "" && !seen[c] {
			seen[c] = true
			cols = append(cols, c)
		}
	}
	for _, p := range paths {
		top, _, _ := strings.Cut(p, ".")
		c, ok := s.res.Stored[top]
		if !ok {
			return []string{"*"}
		}
		add(c)
	}
	for _, fd := range []protoreflect.FieldDescriptor{s.updateTime, s.etag} {
		if fd != nil {
			add(s.res.Stored[string(fd.Name())])
		}
	}
	if len(cols) == 0 {
		return []string{"*"}
	}
	return cols
}

// nextEtag is the etag after cur: a counter, so etags only grow.
func nextEtag(cur string) string {
	n, _ := strconv.ParseUint(cur, 10, 64)
	return strconv.FormatUint(n+1, 10)
}

// maskPaths checks and completes an update mask.
func (s *Service) maskPaths(msg proto.Message, mask *fieldmaskpb.FieldMask) ([]string, error) {
	field := "update_mask"
	if len(mask.GetPaths()) == 1 && mask.GetPaths()[0] == "*" {
		var paths []string
		fields := s.desc.Fields()
		for i := 0; i < fields.Len(); i++ {
			if fd := fields.Get(i); !s.managed(fd) {
				paths = append(paths, string(fd.Name()))
			}
		}
		return paths, nil
	}
	if len(mask.GetPaths()) == 0 {
		var paths []string
		msg.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			if !s.managed(fd) {
				paths = append(paths, string(fd.Name()))
			}
			return true
		})
		return paths, nil
	}
	if err := fieldmask.Validate(mask, msg); err != nil {
		return nil, InvalidArgument("", FieldViolation{Field: field, Description: err.Error()})
	}
	var paths []string
	for _, p := range mask.GetPaths() {
		if p == "*" {
			return nil, InvalidArgument("", FieldViolation{Field: field, Description: `"*" must be the only path`})
		}
		top, _, _ := strings.Cut(p, ".")
		if fd := s.desc.Fields().ByName(protoreflect.Name(top)); fd != nil && s.managed(fd) {
			continue // output-only fields in a mask are ignored (AIP-161)
		}
		paths = append(paths, p)
	}
	return paths, nil
}

// Delete deletes the resource with key, after checking etag when given.
// Soft-deleted models get their delete_time set and are returned; others
// are removed and returned as they were.
func (s *Service) Delete(ctx context.Context, key any, etag string) (proto.Message, error) {
	return s.mutate(ctx, key, etag, false, func(tx *gorm.DB, p proto.Message) (bool, error) {
		if !s.res.SoftDelete {
			return false, tx.Where(s.keyCond(), keyArg(key)).Delete(s.res.New()).Error
		}
		p.ProtoReflect().Set(s.del, protoreflect.ValueOfMessage(timestamppb.New(s.opt.now()).ProtoReflect()))
		return true, nil
	})
}

// Undelete restores a soft-deleted resource (AIP-164).
func (s *Service) Undelete(ctx context.Context, key any, etag string) (proto.Message, error) {
	return s.mutate(ctx, key, etag, true, func(_ *gorm.DB, p proto.Message) (bool, error) {
		r := p.ProtoReflect()
		if !r.Has(s.del) {
			return false, Errorf(connect.CodeFailedPrecondition, "%s is not deleted", s.res.Name)
		}
		r.Clear(s.del)
		return true, nil
	})
}

// mutate runs change on the stored resource with key in one transaction,
// after checking etag; when change asks to save, the update time and the
// etag move on and the row is written back. deleted includes soft-deleted
// rows in the lookup.
func (s *Service) mutate(ctx context.Context, key any, etag string, deleted bool, change func(tx *gorm.DB, p proto.Message) (save bool, err error)) (proto.Message, error) {
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		var zero proto.Message
		return zero, err
	}
	var out proto.Message
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		cur, err := s.find(tx, tenant, key, deleted, true)
		if err != nil {
			return err
		}
		p, err := s.res.ToProto(cur)
		if err != nil {
			return err
		}
		if err := s.checkEtag(p, etag); err != nil {
			return err
		}
		save, err := change(tx, p)
		if err != nil || !save {
			out = p
			return err
		}
		r := p.ProtoReflect()
		if s.updateTime != nil {
			r.Set(s.updateTime, protoreflect.ValueOfMessage(timestamppb.New(s.opt.now()).ProtoReflect()))
		}
		if s.etag != nil {
			r.Set(s.etag, protoreflect.ValueOfString(nextEtag(r.Get(s.etag).String())))
		}
		return s.save(tx, p, key, &out)
	})
	if err != nil {
		var zero proto.Message
		return zero, s.fail(ctx, err)
	}
	return out, nil
}

func (s *Service) checkEtag(p proto.Message, etag string) error {
	if etag == "" || s.etag == nil {
		return nil
	}
	if cur := p.ProtoReflect().Get(s.etag).String(); cur != etag {
		return Errorf(connect.CodeAborted, "etag %q is stale (current etag %q); read %s again and retry", etag, cur, s.res.Name)
	}
	return nil
}

// save writes every column of p to the row with key, deleted or not.
func (s *Service) save(tx *gorm.DB, p proto.Message, key any, out *proto.Message) error {
	m, err := s.res.ToModel(p)
	if err != nil {
		return err
	}
	if err := tx.Unscoped().Model(m).Select("*").Omit(clause.Associations).Where(s.keyCond(), keyArg(key)).Updates(m).Error; err != nil {
		return err
	}
	*out = p
	return nil
}

// ListRequest holds the fields of an AIP-132 List request.
type ListRequest struct {
	PageSize    int32
	PageToken   string
	Filter      string
	OrderBy     string
	ShowDeleted bool
}

// List returns a page of resources and the token of the next page ("" at
// the end). Pages are read by keyset on the requested order with the key
// as tie-breaker, so a deep page costs what the first does, and tokens are
// signed and bound to the query.
func (s *Service) List(ctx context.Context, req ListRequest) ([]proto.Message, string, error) {
	size := req.PageSize
	switch {
	case size < 0:
		return nil, "", InvalidArgument("", FieldViolation{Field: "page_size", Description: "must not be negative"})
	case size == 0:
		size = s.opt.defaultPageSize
	case size > s.opt.maxPageSize:
		size = s.opt.maxPageSize
	}
	if len(req.Filter) > s.opt.limits.MaxFilterLength {
		return nil, "", InvalidArgument("", FieldViolation{Field: "filter", Description: fmt.Sprintf("at most %d bytes (got %d)", s.opt.limits.MaxFilterLength, len(req.Filter))})
	}
	t := &s.table
	where, err := query.ParseFilter(t, req.Filter)
	if err != nil {
		return nil, "", s.fail(ctx, err)
	}
	terms, err := query.ParseOrderBy(t, req.OrderBy)
	if err != nil {
		return nil, "", s.fail(ctx, err)
	}
	if asked := len(strings.Split(req.OrderBy, ",")); req.OrderBy != "" && asked > s.opt.limits.MaxOrderByTerms {
		return nil, "", InvalidArgument("", FieldViolation{Field: "order_by", Description: fmt.Sprintf("at most %d terms (got %d)", s.opt.limits.MaxOrderByTerms, asked)})
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return nil, "", err
	}
	// A token is bound to the query and to the tenant it was issued to.
	qid := fmt.Sprintf("%s\x00%s\x00%s\x00%t\x00%v", s.res.Name, req.Filter, req.OrderBy, req.ShowDeleted, tenant.v)
	var after query.Condition
	if req.PageToken != "" {
		last, err := query.DecodeToken(s.opt.tokenKey, qid, terms, req.PageToken)
		if err != nil {
			return nil, "", s.fail(ctx, err)
		}
		after = query.After(t, terms, last)
	}
	var rows []any
	if s.columns != "" {
		conds := []query.Condition{where, after, tenant.cond()}
		if s.res.SoftDelete && !req.ShowDeleted {
			conds = append(conds, query.Condition{SQL: quoteIdent(s.table.Dialect, "delete_time") + " IS NULL"})
		}
		if rows, err = s.selectRows(ctx, conds, query.OrderSQL(t, terms), int(size)+1); err != nil {
			return nil, "", s.fail(ctx, err)
		}
	} else {
		q := s.db.WithContext(ctx).Model(s.res.New())
		if req.ShowDeleted || !s.res.SoftDelete {
			q = q.Unscoped()
		}
		for _, c := range []query.Condition{where, after, tenant.cond()} {
			if c.SQL != "" {
				q = q.Where(c.SQL, c.Args...)
			}
		}
		found := reflect.New(reflect.SliceOf(reflect.TypeOf(s.res.New())))
		if err := q.Order(query.OrderSQL(t, terms)).Limit(int(size) + 1).Find(found.Interface()).Error; err != nil {
			return nil, "", s.fail(ctx, err)
		}
		for i := 0; i < found.Elem().Len(); i++ {
			rows = append(rows, found.Elem().Index(i).Interface())
		}
	}
	next := ""
	if len(rows) > int(size) {
		rows = rows[:size]
		last, err := s.orderValues(rows[len(rows)-1], terms)
		if err != nil {
			return nil, "", s.fail(ctx, err)
		}
		if next, err = query.EncodeToken(s.opt.tokenKey, qid, terms, last); err != nil {
			return nil, "", s.fail(ctx, err)
		}
	}
	out := make([]proto.Message, 0, len(rows))
	for i := range rows {
		p, err := s.res.ToProto(rows[i])
		if err != nil {
			return nil, "", s.fail(ctx, err)
		}
		out = append(out, p)
	}
	return out, next, nil
}

// orderValues reads the ordered columns of a row, as the page token
// carries them.
func (s *Service) orderValues(m any, terms []query.OrderTerm) ([]any, error) {
	if sc, ok := any(m).(scanner); ok {
		return scannedValues(sc, sc.Columns(), terms)
	}
	stmt := &gorm.Statement{DB: s.db}
	if err := stmt.Parse(m); err != nil {
		return nil, err
	}
	rv := reflect.ValueOf(m)
	out := make([]any, len(terms))
	for i, t := range terms {
		f := stmt.Schema.LookUpField(t.Column.Name)
		if f == nil {
			return nil, errors.New("crudrt: no model field for column " + t.Column.Name)
		}
		v, zero := f.ValueOf(context.Background(), rv)
		if zero && reflect.ValueOf(v).Kind() == reflect.Pointer {
			return nil, errors.New("crudrt: ordered column " + t.Column.Name + " is NULL")
		}
		out[i] = deref(v)
	}
	return out, nil
}

func deref(v any) any {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		if rv.IsNil() {
			return nil
		}
		return rv.Elem().Interface()
	}
	return v
}

// immutable refuses changes of IMMUTABLE fields (AIP-203).
func (s *Service) immutable(stored, next proto.Message) error {
	var vs []FieldViolation
	a, b := stored.ProtoReflect(), next.ProtoReflect()
	for fd := range s.fb.immutable {
		if !a.Get(fd).Equal(b.Get(fd)) {
			vs = append(vs, FieldViolation{Field: joinPath(s.res.Field, string(fd.Name())), Description: "is immutable: it cannot change after creation"})
		}
	}
	if len(vs) > 0 {
		return InvalidArgument("", vs...)
	}
	return nil
}

// validate checks p against its protovalidate and protoc-gen-validate
// rules, its REQUIRED fields and the model's own limits, and lists every
// violation.
func (s *Service) validate(p proto.Message) error {
	var vs []FieldViolation
	r := p.ProtoReflect()
	for _, fd := range sortedFields(s.fb.required) {
		if !r.Has(fd) {
			vs = append(vs, FieldViolation{Field: joinPath(s.res.Field, string(fd.Name())), Description: "is required"})
		}
	}
	vs = append(vs, pgvViolations(s.res.Field, r)...)
	if err := s.v.Validate(p); err != nil {
		var ve *protovalidate.ValidationError
		if !errors.As(err, &ve) {
			return Errorf(connect.CodeInternal, "validation: %v", err)
		}
		for _, v := range ve.Violations {
			vs = append(vs, FieldViolation{
				Field:       joinPath(s.res.Field, protovalidate.FieldPathString(v.Proto.GetField())),
				Description: v.Proto.GetMessage(),
			})
		}
	}
	for _, l := range s.res.Limits {
		fd := s.desc.Fields().ByName(protoreflect.Name(l.Path))
		if fd == nil || l.MaxLen == 0 {
			continue
		}
		if n := len([]rune(r.Get(fd).String())); n > l.MaxLen {
			vs = append(vs, FieldViolation{Field: joinPath(s.res.Field, l.Path), Description: fmt.Sprintf("at most %d characters (got %d): the column holds no more", l.MaxLen, n)})
		}
	}
	if len(vs) > 0 {
		return InvalidArgument("", vs...)
	}
	return nil
}

func joinPath(prefix, path string) string {
	if prefix == "" {
		return path
	}
	return prefix + "." + path
}

func quoteIdent(d query.Dialect, name string) string {
	if d == "mysql" {
		return "`" + name + "`"
	}
	return `"` + name + `"`
}

// sortedFields lists a set of fields in declaration order, so that errors
// list violations in a stable order.
func sortedFields(set map[protoreflect.FieldDescriptor]bool) []protoreflect.FieldDescriptor {
	out := make([]protoreflect.FieldDescriptor, 0, len(set))
	for fd := range set {
		out = append(out, fd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index() < out[j].Index() })
	return out
}

// KeysFromNames parses resource names (see KeyFromName); errors name the
// failing index.
func (s *Service) KeysFromNames(names []string) ([]any, error) {
	keys := make([]any, 0, len(names))
	for i, n := range names {
		k, err := s.KeyFromName(n)
		if err != nil {
			return nil, InvalidArgument("", FieldViolation{Field: fmt.Sprintf("names[%d]", i), Description: fmt.Sprintf("want %s/<id>, got %q", s.res.Collection, n)})
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// BatchGet returns the resources with keys, in the order asked; if any is
// missing the whole call is NotFound (AIP-231).
func (s *Service) BatchGet(ctx context.Context, keys []any) ([]proto.Message, error) {
	if err := s.batchSize(len(keys)); err != nil {
		return nil, err
	}
	out := make([]proto.Message, 0, len(keys))
	for i, k := range keys {
		p, err := s.Get(ctx, k)
		if err != nil {
			if connect.CodeOf(err) == connect.CodeNotFound {
				return nil, Errorf(connect.CodeNotFound, "%s %d of the batch (%v) not found", s.res.Name, i, k)
			}
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// BatchCreate validates every resource, reporting all violations with
// their index, then inserts them in one transaction: all or none (AIP-233).
func (s *Service) BatchCreate(ctx context.Context, msgs []proto.Message) ([]proto.Message, error) {
	if err := s.batchSize(len(msgs)); err != nil {
		return nil, err
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return nil, err
	}
	var vs []FieldViolation
	for i, m := range msgs {
		if err := s.validate(s.prepareCreate(m, tenant)); err != nil {
			var e *Error
			if !errors.As(err, &e) {
				return nil, err
			}
			for _, v := range violationsOf(e) {
				vs = append(vs, FieldViolation{Field: fmt.Sprintf("requests[%d].%s", i, v.Field), Description: v.Description})
			}
		}
	}
	if len(vs) > 0 {
		return nil, InvalidArgument("", vs...)
	}
	out := make([]proto.Message, 0, len(msgs))
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, msg := range msgs {
			p := s.prepareCreate(msg, tenant)
			m, err := s.res.ToModel(p)
			if err != nil {
				return err
			}
			if err := tx.Omit(clause.Associations).Create(m).Error; err != nil {
				return err
			}
			created, err := s.res.ToProto(m)
			if err != nil {
				return err
			}
			out = append(out, created)
		}
		return nil
	})
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

// BatchDelete deletes the resources with keys in one transaction: all or
// none (AIP-235).
func (s *Service) BatchDelete(ctx context.Context, keys []any) error {
	if err := s.batchSize(len(keys)); err != nil {
		return err
	}
	tenant, err := s.tenantOf(ctx)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		for _, k := range keys {
			if _, err := s.find(tx, tenant, k, false, true); err != nil {
				return err
			}
			if s.res.SoftDelete {
				if err := tx.Model(s.res.New()).Where(s.keyCond(), keyArg(k)).Update("delete_time", s.opt.now().UTC().Truncate(time.Microsecond)).Error; err != nil {
					return err
				}
				continue
			}
			if err := tx.Where(s.keyCond(), keyArg(k)).Delete(s.res.New()).Error; err != nil {
				return err
			}
		}
		return nil
	})
	return s.fail(ctx, err)
}

func (s *Service) batchSize(n int) error {
	if n > s.opt.limits.MaxBatchSize {
		return InvalidArgument("", FieldViolation{Field: "requests", Description: fmt.Sprintf("at most %d per call (got %d)", s.opt.limits.MaxBatchSize, n)})
	}
	return nil
}

// violationsOf returns the field violations an InvalidArgument carries.
func violationsOf(e *Error) []FieldViolation {
	var out []FieldViolation
	for _, d := range e.details {
		if br, ok := protoadapt.MessageV2Of(d).(*errdetails.BadRequest); ok {
			for _, fv := range br.GetFieldViolations() {
				out = append(out, FieldViolation{Field: fv.GetField(), Description: fv.GetDescription()})
			}
		}
	}
	return out
}

// tenantScope is the caller's tenant for one call; the zero value means
// the model has no tenant field.
type tenantScope struct {
	col string
	v   any
	d   query.Dialect
}

// tenantOf resolves the caller's tenant for models with a tenant field.
func (s *Service) tenantOf(ctx context.Context) (tenantScope, error) {
	if s.tenantField == nil {
		return tenantScope{}, nil
	}
	if s.opt.tenant == nil {
		return tenantScope{}, Errorf(connect.CodeFailedPrecondition, "%s has a tenant field but the service was built without crudrt.WithTenant", s.res.Name)
	}
	v, err := s.opt.tenant(ctx)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return tenantScope{}, e
		}
		var ce *connect.Error
		if errors.As(err, &ce) {
			return tenantScope{}, &Error{ce: ce}
		}
		return tenantScope{}, Errorf(connect.CodeUnauthenticated, "no tenant: %v", err)
	}
	switch v.(type) {
	case string, int64, int32, int:
	default:
		return tenantScope{}, Errorf(connect.CodeInternal, "tenant of type %T; want string or an integer", v)
	}
	return tenantScope{col: s.tenantCol, v: v, d: s.table.Dialect}, nil
}

// cond restricts a query to the tenant.
func (t tenantScope) cond() query.Condition {
	if t.col == "" {
		return query.Condition{}
	}
	return query.Condition{SQL: quoteIdent(t.d, t.col) + " = ?", Args: []any{t.v}}
}

// value is the tenant as the field's value.
func (t tenantScope) value(fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch v := t.v.(type) {
	case string:
		return protoreflect.ValueOfString(v)
	case int:
		return integer(fd, int64(v))
	case int32:
		return integer(fd, int64(v))
	case int64:
		return integer(fd, v)
	}
	return fd.Default()
}

func integer(fd protoreflect.FieldDescriptor, v int64) protoreflect.Value {
	if fd.Kind() == protoreflect.StringKind {
		return protoreflect.ValueOfString(strconv.FormatInt(v, 10))
	}
	if fd.Kind() == protoreflect.Int32Kind || fd.Kind() == protoreflect.Sint32Kind || fd.Kind() == protoreflect.Sfixed32Kind {
		return protoreflect.ValueOfInt32(int32(v))
	}
	return protoreflect.ValueOfInt64(v)
}
