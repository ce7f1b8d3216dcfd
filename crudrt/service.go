// Package crudrt is the runtime of the services protoc-gen-crud generates:
// the AIP standard methods (Get, List, Create, Update, Delete, Undelete and
// the batch methods) on GORM, with validation, field masks, etags, soft
// delete, keyset pagination and status errors that grpc-go and connect-go
// both understand. Generated code describes the resource once (Resource)
// and delegates here.
//
// The files follow the jobs: resource.go is the description, read.go the
// read path (Get, List, BatchGet), write.go the write path (Create,
// Update), delete.go deletion and soft delete, batch.go the batch writes,
// validate.go validation, tenant.go tenants, errors.go and classify.go
// status errors.
//
// Database errors become status codes (AlreadyExists, FailedPrecondition,
// Unavailable, Aborted…). SQLite's are read here; a server on PostgreSQL
// or MySQL/MariaDB imports the package that reads its driver's errors,
// which keeps a SQLite-only server free of both drivers:
//
//	import _ "github.com/protoforge/protoforge/crudrt/postgres"
//	import _ "github.com/protoforge/protoforge/crudrt/mysql"
package crudrt

import (
	"context"
	"crypto/rand"
	"fmt"
	"google.golang.org/genproto/googleapis/api/annotations"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"buf.build/go/protovalidate"
	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt/query"
	"github.com/protoforge/protoforge/ormrt"
)

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
	gormOnly        bool
}

// WithPageTokenKey sets the key (at least 16 bytes) from which the keys
// that encrypt and authenticate page tokens are derived. Services behind a
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
	// query.MaxFilterLength, 4096; nesting is capped at query.MaxFilterDepth,
	// wildcards at query.MaxFilterWildcards).
	MaxFilterLength int
	// MaxOrderByTerms is the most order_by terms (default 8).
	MaxOrderByTerms int
	// MaxBatchSize is the most resources of one batch call (default 1000).
	MaxBatchSize int
}

// WithGORMOnly sends every statement through GORM, also those a
// registered RowReader or RowWriter would run (reads, inserts and
// single-statement deletes on PostgreSQL): for programs whose GORM
// callbacks or plugins (logging, tracing, session settings) must see
// every statement, at the cost of GORM's and database/sql's overhead.
func WithGORMOnly() Option { return func(o *options) { o.gormOnly = true } }

// WithLimits sets the request limits (page sizes: WithPageSizes).
func WithLimits(l Limits) Option { return func(o *options) { o.limits = l } }

// WithLogger sets where database errors are logged (they are never sent
// to clients).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock sets the clock of create_time and update_time.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// column is a described column with its field and its quoted name.
type column struct {
	*Column
	fd     protoreflect.FieldDescriptor
	quoted string
	// index is the column's place in the model's scan order.
	index int
	// parts are the RoleReference columns of a reference column, written
	// with it.
	parts []*column
}

// Service implements the standard methods of one resource on messages and
// models of any type: generated services call it and assert the message
// type of the results, so that its code is compiled once, here.
type Service struct {
	db  *gorm.DB
	res *Resource
	opt options
	v   protovalidate.Validator
	// quick spares protovalidate's walk of a resource that passes rules
	// it computes exactly (nil where it cannot).
	quick *quickRules

	desc    protoreflect.MessageDescriptor
	dialect query.Dialect
	table   query.Table
	fb      behaviors
	// from is the quoted table and selectList the quoted columns in the
	// model's scan order.
	from, selectList string
	// dests locate the columns in the model struct (see dest).
	dests []fieldDest
	model reflect.Type
	// byPath holds every described column by field name.
	byPath map[string]*column
	// byName holds every column by column name.
	byName map[string]*column
	// The columns with a role; nil when the resource has none.
	key, etag, deleteTime, createTime, updateTime, tenant, purgeTime, uid *column
	// parents hold the parent variables of the name of a resource under a
	// parent, in pattern order (RoleParent), and parentPattern is the
	// pattern of the parent's name ("shelves/{shelf}").
	parents       []*column
	parentPattern string
	// singleton is set for a singleton resource (AIP-156), whose name
	// pattern ends with a collection ("users/{user}/config"): its key is
	// its parent's, and ownerPattern is the pattern of that parent
	// ("users/{user}"), which the resource's name ends under.
	singleton    bool
	ownerPattern string
	// keyRefs are the columns that hold another model's key with an
	// AIP-202 format (Column.KeyFormat).
	keyRefs []*column
	// keyColumns are the key's column names: the parents', then the id's.
	keyColumns []string
	// insertSQL is insertRow's statement.
	insertSQL string
	// uniqueSets are the columns of each unique value a batch locks
	// (uniqueSetsOf).
	uniqueSets [][]int
	// createClears are the fields Create clears: see clearedOnCreate.
	createClears []protoreflect.FieldDescriptor
	// timesAfterRules tells that no validation rule can see the create
	// and update times (rulesSeeTimes), which a Create then sets after
	// validating (validateNew).
	timesAfterRules bool
	// nested are the REQUIRED and OUTPUT_ONLY fields of the messages the
	// resource holds, or nil.
	nested *nestedPlan
	// refs are the google.api.resource_reference columns.
	refs []*column
	// listRefs are the repeated google.api.resource_reference columns.
	listRefs []*column
	// foreignKeys are the (protoforge.v1.field).references columns.
	foreignKeys []*column
	// heldParent is the field holding the parent's name of a resource
	// named at the top (Resource.HeldParent), or nil.
	heldParent *column
	// refTenant names a resource with a tenant field that a reference,
	// a foreign key or the held parent of a resource without one may
	// name: its writes resolve the caller's tenant (see writeScope).
	refTenant string
	// limits are the string columns with a length limit.
	limits []*column
	// sqliteMinLens are the string columns with a minimum length CHECK,
	// on SQLite (see Column.MinLen).
	sqliteMinLens []*column
	// methods are the resource's Methods, resolved.
	methods []method
	// requestIDs is the quoted table of the resource's AIP-155 request
	// ids (Resource.RequestIDTable), or empty.
	requestIDs string
	// hidden is the ReadMask of a response without a read mask: what
	// every response leaves out (hiddenMask).
	hidden ReadMask
	// rules are the kinds of rules the resource, or a message it holds,
	// has: validation skips the walk of a kind it has none of.
	rules ruleKinds
	// requestRules caches, per request message, whether it has rules
	// outside the resource (CheckRequest).
	requestRules *sync.Map
}

// NewServiceOf is NewService with the message type P and the model type M
// as type parameters: they give the resource its Message and Model, and
// their ToModel and ToProto methods its conversions. res is not
// modified. (Generated code sets Message and Model in the description and
// calls NewService, which finds the same methods: a generic call costs the
// compiler a function per model.)
func NewServiceOf[P interface {
	proto.Message
	ToModel() (M, error)
}, M interface{ ToProto() (P, error) }](db *gorm.DB, res *Resource, opts ...Option) *Service {
	r := *res
	var p P
	var m M
	r.Message, r.Model = p, m
	r.ToModel = func(msg proto.Message) (any, error) { return msg.(P).ToModel() }
	r.ToProto = func(v any) (proto.Message, error) { return v.(M).ToProto() }
	return NewService(db, &r, opts...)
}

// NewService returns the standard methods of res on db. res must be a
// description as protoc-gen-crud generates it (Resource.Check passes; the
// program is wrong otherwise, and NewService panics saying why); it is
// not modified.
func NewService(db *gorm.DB, res *Resource, opts ...Option) *Service {
	if res.ToModel == nil && res.ToProto == nil && res.Message != nil && res.Model != nil {
		r := *res
		var err error
		if r.ToModel, r.ToProto, err = conversions(r.Message, r.Model); err != nil {
			panic(fmt.Sprintf("crudrt: resource %T: %v", r.Message, err))
		}
		res = &r
	}
	ck, err := res.check()
	if err != nil {
		panic(err.Error())
	}
	res = ck.res
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
	desc := res.Message.ProtoReflect().Descriptor()
	d := ormrt.DialectOf(db)
	if err := CheckErrorClassifier(d); err != nil {
		o.logger.Warn("crud: database errors will answer Internal", "resource", res.Name, "error", err)
	}
	s := &Service{
		db: db, res: res, opt: o, v: v, desc: desc, dialect: d,
		fb:           readBehaviors(desc),
		from:         ormrt.QuoteIdent(d, res.Table),
		model:        reflect.TypeOf(res.Model).Elem(),
		byPath:       make(map[string]*column, len(res.Columns)),
		byName:       make(map[string]*column, len(res.Columns)),
		requestRules: &sync.Map{},
		dests:        ck.dests,
		methods:      ck.methods,
	}
	for i := range s.methods {
		s.methods[i].info = s.requestInfoOf(s.methods[i].req)
	}
	s.rules = rulesIn(desc, "", map[protoreflect.FullName]bool{})
	if s.rules.pv {
		s.quick = newQuickRules(desc, "")
	}
	s.table = query.Table{Dialect: d, From: s.from, InputOnly: func(path string) bool { return inputOnlyPath(desc, path) }}
	quoted := make([]string, len(res.Columns))
	all := make([]*column, len(res.Columns))
	for i := range res.Columns {
		c := &column{Column: &res.Columns[i], fd: desc.Fields().ByName(protoreflect.Name(res.Columns[i].Path)), quoted: ormrt.QuoteIdent(d, res.Columns[i].Name), index: i}
		quoted[i], all[i] = c.quoted, c
		s.byName[c.Name] = c
		switch c.Role {
		case RoleParent:
			s.parents = append(s.parents, c)
		case RoleParentID:
			// Written with the name, from the model.
		case RoleReference:
			ref := s.byPath[c.Path]
			ref.parts = append(ref.parts, c)
		default:
			s.byPath[c.Path] = c
		}
		if c.Queryable {
			qc := query.Column{Path: c.Path, Name: c.Name, Kind: c.Kind, Nullable: c.Nullable, Collated: c.MySQLCollation != "" && s.dialect == query.MySQL}
			if c.NamePattern != "" {
				qc.Prefix = ormrt.NamePrefix(c.NamePattern)
			}
			if c.fd.Enum() != nil {
				qc.Enum = c.fd.Enum()
			}
			if f := c.format(); f != annotations.FieldInfo_FORMAT_UNSPECIFIED {
				// Stored in its canonical form, and compared in it.
				qc.Canonical = func(v string) string { return canonicalValue(v, f) }
			}
			s.table.Columns = append(s.table.Columns, qc)
		}
		if fd := c.fd; c.Type == "JSON" && c.Role == RoleOrdinary && fd != nil && !c.Queryable && !slices.Contains(s.fb.inputOnly, fd) {
			switch {
			case fd.IsList() || fd.IsMap():
				// A list or map stored as JSON (but of strings, a column
				// of its own kind): filters test its elements or keys
				// (r:42, m:"key") and reach into them (r.size:42).
				s.table.Columns = append(s.table.Columns, listColumns(c.Path, c.Name, fd)...)
			case fd.Message() != nil:
				// A message stored as JSON: filters test whether it is set
				// (spec:*) and reach into it.
				s.table.Columns = append(s.table.Columns, query.Column{Path: c.Path, Name: c.Name, Kind: query.KindString, Nullable: true, Presence: true})
				s.table.Columns = append(s.table.Columns, jsonColumns(c.Path, c.Name, fd.Message())...)
			}
		}
		if c.MaxLen > 0 && c.Role != RoleReference && c.NamePattern == "" && !pvBoundsLength(c.fd, c.MaxLen) {
			// A variable of a name or a reference is one id of the field:
			// the field's length is not its own (see idProblem).
			s.limits = append(s.limits, c)
		}
		if c.MinLen > 0 && s.dialect == query.SQLite && c.fd != nil {
			s.sqliteMinLens = append(s.sqliteMinLens, c)
		}
		if c.RefersTo != nil {
			s.refs = append(s.refs, c)
		}
		if c.ListRefersTo != nil {
			s.listRefs = append(s.listRefs, c)
		}
		if c.ForeignKey != nil && c.fd != nil {
			s.foreignKeys = append(s.foreignKeys, c)
		}
		if c.KeyFormat != "" && c.fd != nil {
			s.keyRefs = append(s.keyRefs, c)
		}
		switch c.Role {
		case RoleID:
			s.key = c
		case RoleEtag:
			s.etag = c
		case RoleDeleteTime:
			s.deleteTime = c
		case RoleCreateTime:
			s.createTime = c
		case RoleUpdateTime:
			s.updateTime = c
		case RoleTenant:
			s.tenant = c
		case RolePurgeTime:
			s.purgeTime = c
		case RoleUID:
			s.uid = c
		}
	}
	if hp := res.HeldParent; hp != nil {
		s.heldParent = s.byPath[hp.Field]
	}
	if s.tenant == nil {
		s.refTenant = s.tenantOfTargets()
	}
	s.selectList = strings.Join(quoted, ", ")
	s.insertSQL = insertSQL(s.from, all)
	s.uniqueSets = uniqueSetsOf(s)
	s.createClears = s.clearedOnCreate()
	s.timesAfterRules = !s.rulesSeeTimes()
	s.nested = nestedPlanOf(desc)
	s.hidden = s.hiddenMask()
	if res.RequestIDTable != "" {
		s.requestIDs = ormrt.QuoteIdent(d, res.RequestIDTable)
	}
	// The key columns break ties in every order, also those filters do
	// not name. The name of a resource under a parent spans them: filters
	// and order_by name it whole, through a column of its own.
	spanned := len(s.parents) > 0 && s.key.NamePattern != "" && !ormrt.SingletonPattern(s.key.NamePattern)
	var parts []string
	for _, c := range append(append([]*column{}, s.parents...), s.key) {
		path := c.Path
		if c.Role == RoleParent || spanned {
			path = c.Path + ":" + c.Name
			parts = append(parts, path)
		}
		if !c.Queryable || c.Role == RoleParent || spanned {
			kind := query.KindString
			if c.Kind != 0 {
				kind = c.Kind
			}
			s.table.Columns = append(s.table.Columns, query.Column{Path: path, Name: c.Name, Kind: kind, KeyOnly: true})
		}
		s.table.Key = append(s.table.Key, path)
		s.keyColumns = append(s.keyColumns, c.Name)
	}
	if spanned && !s.key.Queryable {
		s.table.Columns = append(s.table.Columns, query.Column{Path: s.key.Path, Name: s.key.Name, Kind: query.KindString, Parts: parts, Pattern: s.key.NamePattern})
	}
	if s.key.NamePattern != "" {
		parts := strings.Split(s.key.NamePattern, "/")
		if ormrt.SingletonPattern(s.key.NamePattern) {
			// A singleton keyed like its parent, whose own parent (the
			// parent variables) its name holds before.
			s.singleton = true
			s.ownerPattern = ormrt.OwnerPattern(s.key.NamePattern)
			parts = parts[:len(parts)-1]
		}
		switch {
		case len(s.parents) == 0:
		case s.singleton && s.multiPattern():
			// Parents of several patterns (AIP-123), of which the
			// parents' own parents are a set too, or none: such a
			// singleton is written under the ids of its name (see
			// writeSingleton).
			s.parentPattern = ormrt.ParentPattern(s.ownerPattern)
		case s.multiPattern():
			s.parentPattern = ormrt.ParentPattern(s.key.NamePattern)
		default:
			s.parentPattern = strings.Join(parts[:len(parts)-2], "/")
		}
	}
	return s
}

// Resource returns the description the service was built from.
func (s *Service) Resource() *Resource { return s.res }

// implements refuses an operation the resource does not declare.
func (s *Service) implements(op Op) error {
	if s.res.Operations&op == 0 {
		return Errorf(connect.CodeUnimplemented, "%s does not implement %v", s.res.Name, op).WithReason("METHOD_NOT_IMPLEMENTED", "resource", s.res.Name, "method", op.String())
	}
	return nil
}

func (s *Service) newModel() any { return reflect.New(s.model).Interface() }

// toProto converts a model read from or written to the database. Its
// errors are the server's (a stored value the message cannot hold), never
// the request's.
func (s *Service) toProto(m any) (proto.Message, error) {
	p, err := s.res.ToProto(m)
	if err != nil {
		return nil, &unreadable{err}
	}
	return p, nil
}

// unreadable is a stored row that does not convert to its message:
// Internal, logged.
type unreadable struct{ err error }

func (u *unreadable) Error() string {
	return "stored row does not convert to its message: " + u.err.Error()
}
func (u *unreadable) Unwrap() error { return u.err }

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

// rowKey is the stored key of one row: the values of the parent columns
// (for a resource under a parent), then the key column's.
type rowKey []any

// columnKey is the stored key of key: the ids of a resource name for
// resources identified by their name (a name that does not match the
// pattern is InvalidArgument), else keyArg's.
func (s *Service) columnKey(key any) (rowKey, error) {
	return s.columnKeyAt(s.key.Path, key)
}

// columnKeyAt is columnKey of a key the request holds at field.
func (s *Service) columnKeyAt(field string, key any) (rowKey, error) {
	if s.key.NamePattern == "" {
		if k, ok := key.(string); ok {
			// A key with an AIP-202 format is stored in its canonical
			// form: another spelling of it names the same row.
			key = canonicalValue(k, s.keyFormat())
		}
		return rowKey{keyArg(key)}, nil
	}
	name, _ := key.(string)
	ids, err := s.nameIDs(field, name)
	if err != nil {
		return nil, err
	}
	k := make(rowKey, len(ids))
	for i, id := range ids {
		k[i] = id
	}
	return k, nil
}

// nameIDs splits a resource name into the ids of its pattern's variables;
// a name that does not match, or that holds the wildcard, is
// InvalidArgument naming field (see splitName).
func (s *Service) nameIDs(field, name string) ([]string, error) {
	if slices.Contains(s.res.Literals, name) {
		// A name of a pattern without variables, which no stored
		// resource has.
		return nil, resourceNotFound(s.res.Name, name)
	}
	ids, problem := s.splitName(name)
	if problem != "" {
		return nil, InvalidArgument("", FieldViolation{Field: field, Description: problem})
	}
	return ids, nil
}

// splitName splits a resource name into the ids of its pattern's
// variables, or says what is wrong with it: it does not match the
// pattern, or one of its ids is AIP-159's wildcard "-", which reads across
// collections in List only: a name names one resource, and ids under
// different parents may be the same.
func (s *Service) splitName(name string) ([]string, string) {
	ids, err := scanIDs(s.key.NamePattern, name, len(s.parents)+1)
	if err != nil {
		return nil, nameProblem(s.key.NamePattern, name)
	}
	if slices.Contains(ids, "-") {
		return nil, fmt.Sprintf("%q: the wildcard \"-\" is for List's parent (AIP-159); a name names one resource", name)
	}
	return ids, ""
}

// scanIDs splits name into the n variables of pattern (see
// ormrt.ScanName).
func scanIDs(pattern, name string, n int) ([]string, error) {
	ids := make([]string, n)
	ptrs := make([]*string, n)
	for i := range ids {
		ptrs[i] = &ids[i]
	}
	return ids, ormrt.ScanName(pattern, name, "", ptrs...)
}

// keyCond selects the row of k.
func (s *Service) keyCond(k rowKey) query.Condition {
	if len(k) == 1 {
		return query.Condition{SQL: s.key.quoted + " = ?", Args: []any{k[0]}}
	}
	parts := make([]string, 0, len(k))
	for _, c := range s.parents {
		parts = append(parts, c.quoted+" = ?")
	}
	parts = append(parts, s.key.quoted+" = ?")
	return query.Condition{SQL: strings.Join(parts, " AND "), Args: append([]any{}, k...)}
}

// parentIDs splits a parent name (AIP-132 `parent`) into the ids of the
// parent pattern's variables, where "-" is AIP-159's wildcard; a name
// that does not match is InvalidArgument naming field. A resource
// without parents has none.
func (s *Service) parentIDs(field, parent string) ([]string, error) {
	if len(s.parents) == 0 {
		return nil, nil
	}
	ids, err := scanIDs(s.parentPattern, parent, len(s.parents))
	if err != nil {
		desc := nameProblem(s.parentPattern, parent)
		if parent == "" {
			desc = "required: the parent, " + ormrt.PatternText(s.parentPattern)
		}
		return nil, InvalidArgument("", FieldViolation{Field: field, Description: desc})
	}
	return ids, nil
}

// idProblem says which of the ids of a name, the parents' first, is longer
// than its column holds: "" when none is. Such a name names no stored
// resource, and no write can store it (see ownerOf).
func (s *Service) idProblem(ids []string) string {
	for i, id := range ids {
		c := s.key
		if i < len(s.parents) {
			c = s.parents[i]
		}
		if n := utf8.RuneCountInString(id); c.MaxLen > 0 && n > c.MaxLen && id != "-" {
			return fmt.Sprintf("{%s} of %s is %d characters long; at most %d are stored", c.Name, ormrt.PatternText(s.key.NamePattern), n, c.MaxLen)
		}
	}
	return ""
}

// nameProblem says what is wrong with a name that does not scan as
// pattern: a NUL character, which no id holds (PostgreSQL could not even
// look it up), or the form.
func nameProblem(pattern, name string) string {
	if strings.IndexByte(name, 0) >= 0 {
		return fmt.Sprintf("%q holds a NUL character, which no resource id does (AIP-122)", name)
	}
	return fmt.Sprintf("want %s, got %q", ormrt.PatternText(pattern), name)
}

// multiPattern reports whether the resource has several patterns
// (AIP-123), its key's NamePattern their set (ormrt.Patterns): its rows
// hold "" in the parent columns of the variables their pattern lacks.
func (s *Service) multiPattern() bool {
	return s.key != nil && strings.Contains(s.key.NamePattern, "|")
}

// parentCond selects the rows under the parent of ids (see parentIDs);
// wildcards match any parent.
func (s *Service) parentCond(ids []string) query.Condition {
	var parts []string
	var args []any
	for i, id := range ids {
		switch {
		case id != "-":
			// "" too: the rows of the parent's pattern, which lacks
			// the variable.
			parts = append(parts, s.parents[i].quoted+" = ?")
			args = append(args, id)
		case s.multiPattern():
			// Any id of the variable, which rows of other patterns lack.
			parts = append(parts, s.parents[i].quoted+" <> ''")
		}
	}
	return query.Condition{SQL: strings.Join(parts, " AND "), Args: args}
}

// underParent reports whether the key k of a row lies under the parent
// of ids (wildcards included).
func underParent(k rowKey, ids []string) bool {
	for i, id := range ids {
		if id != "-" && k[i] != id || id == "-" && k[i] == "" {
			return false
		}
	}
	return true
}

// notDeleted hides soft-deleted rows.
func (s *Service) notDeleted() query.Condition {
	if s.deleteTime == nil {
		return query.Condition{}
	}
	return query.Condition{SQL: s.deleteTime.quoted + " IS NULL"}
}

// KeyFromName parses an AIP-122 resource name "<collection>/<key>" into the
// key's Go type.
func (s *Service) KeyFromName(name string) (any, error) {
	if s.key.NamePattern != "" {
		// The name is the key of a resource identified by its name.
		if _, err := s.nameIDs("name", name); err != nil {
			return nil, err
		}
		return name, nil
	}
	id, ok := strings.CutPrefix(name, s.res.Collection+"/")
	if !ok || id == "" || strings.Contains(id, "/") {
		return nil, InvalidArgument("", FieldViolation{Field: "name", Description: fmt.Sprintf("want %s/<id>, got %q", s.res.Collection, name)})
	}
	var v any
	var err error
	switch s.key.fd.Kind() {
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
	if canonical := fmt.Sprint(v); canonical != id {
		// A name is the resource's identity: "books/01" is not "books/1".
		return nil, InvalidArgument("", FieldViolation{Field: "name", Description: fmt.Sprintf("%q is not a valid id: write it %q", id, canonical)})
	}
	return v, nil
}

// KeysFromNames parses resource names (see KeyFromName); errors name the
// failing index.
func (s *Service) KeysFromNames(names []string) ([]any, error) {
	return s.keysFromNames(batchField{list: "names"}, names)
}

// keysFromNames is KeysFromNames, its errors naming field.at(i).
func (s *Service) keysFromNames(field batchField, names []string) ([]any, error) {
	keys := make([]any, 0, len(names))
	for i, n := range names {
		k, err := s.KeyFromName(n)
		if err != nil {
			return nil, InvalidArgument("", FieldViolation{Field: field.at(i), Description: fmt.Sprintf("want %s/<id>, got %q", s.res.Collection, n)})
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func joinPath(prefix, path string) string {
	if prefix == "" {
		return path
	}
	if path == "" {
		// The message itself: a message-level rule's violation.
		return prefix
	}
	return prefix + "." + path
}
