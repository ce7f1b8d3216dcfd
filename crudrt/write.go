package crudrt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"go.einride.tech/aip/fieldmask"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/protoforge/protoforge/crudrt/query"
	"github.com/protoforge/protoforge/ormrt"
)

// Create validates msg, sets the server-managed fields and inserts it. A
// resource identified by its name gets a name the server generates.
func (s *Service) Create(ctx context.Context, msg proto.Message) (proto.Message, error) {
	return s.CreateWithID(ctx, "", msg)
}

// CreateWithID is Create with the id of the resource's name chosen by the
// client (AIP-133 `{resource}_id`, AIP-122 syntax), for resources
// identified by their name; an empty id lets the server choose one.
func (s *Service) CreateWithID(ctx context.Context, id string, msg proto.Message) (proto.Message, error) {
	return s.CreateIn(ctx, "", id, msg)
}

// CreateIn is CreateWithID under parent (AIP-133), for resources named
// under a parent: the name is parent + the collection + the id, and a
// parent that does not exist is NotFound. Others take no parent.
func (s *Service) CreateIn(ctx context.Context, parent, id string, msg proto.Message) (proto.Message, error) {
	if err := s.implements(OpCreate); err != nil {
		return nil, err
	}
	return s.create(ctx, parent, id, msg)
}

// createNamed is Create of msg, named by the client in its name, which
// gives the parent and the id (see Method.RequestIsResource).
func (s *Service) createNamed(ctx context.Context, msg proto.Message) (proto.Message, error) {
	if err := s.implements(OpCreate); err != nil {
		return nil, err
	}
	if msg == nil || !msg.ProtoReflect().IsValid() || s.key.NamePattern == "" {
		return nil, InvalidArgument("", FieldViolation{Field: s.key.Path, Description: "is required"})
	}
	name := msg.ProtoReflect().Get(s.key.fd).String()
	if name == "" {
		return nil, InvalidArgument("", FieldViolation{Field: s.key.Path, Description: "is required: it names the resource to create"})
	}
	ids, err := s.nameIDs(s.key.Path, name)
	if err != nil {
		return nil, err
	}
	if id := ids[len(ids)-1]; !resourceID.MatchString(id) {
		return nil, InvalidArgument("", FieldViolation{Field: s.key.Path, Description: invalidID(id)})
	}
	parent := ""
	if len(s.parents) > 0 {
		parent = ormrt.NameOf(s.parentPattern, ids[:len(ids)-1]...)
	}
	return s.create(ctx, parent, ids[len(ids)-1], msg)
}

// create is CreateIn without the check that the resource declares it,
// for Store.
func (s *Service) create(ctx context.Context, parent, id string, msg proto.Message) (proto.Message, error) {
	if msg == nil || !msg.ProtoReflect().IsValid() {
		return nil, InvalidArgument("", FieldViolation{Field: s.res.Field, Description: "is required"})
	}
	pids, err := s.parentIDs("parent", parent)
	if err != nil {
		return nil, err
	}
	return s.createUnder(ctx, parent, pids, id, msg)
}

// createUnder is create under the parent of ids pids, which parent names
// (a singleton's first write gives the ids of its name, see
// writeSingleton).
func (s *Service) createUnder(ctx context.Context, parent string, pids []string, id string, msg proto.Message) (proto.Message, error) {
	tenant, err := s.writeScope(ctx)
	if err != nil {
		return nil, err
	}
	server := flag(ctx, serverWriteKey{})
	p, err := s.prepareCreate(msg, tenant, pids, id, server)
	if err != nil {
		return nil, err
	}
	if server {
		s.keepServerFields(p, msg)
	}
	switch {
	case s.singleton:
		// A singleton's key is its parent's (AIP-156), which must exist
		// and be of the caller's tenant: the foreign key holds any
		// tenant's parent.
		if err := s.ownerOf(ctx, tenant, append(slices.Clone(pids), id)); err != nil {
			return nil, err
		}
	case s.tenantParents(tenant):
		// The foreign key holds any tenant's parent.
		if err := s.parentOf(gormQuerier{s.db.WithContext(ctx)}, tenant, parent, pids); err != nil {
			return nil, s.fail(ctx, err)
		}
	}
	if err := s.validateNew(p); err != nil {
		return nil, err
	}
	m, err := s.res.ToModel(p)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	// One INSERT needs no transaction of its own (GORM opens one by default).
	insert := func(tx *gorm.DB) error {
		if done, err := s.insertRow(ctx, tx, m); done {
			return err
		}
		return tx.WithContext(ctx).Session(&gorm.Session{SkipDefaultTransaction: true}).Omit(clause.Associations).Create(m).Error
	}
	underParent := s.softDeletedParent(pids)
	liveParent, liveIDs, write := parent, pids, "creating under it"
	if s.singleton && s.res.Parent != nil && s.res.Parent.DeleteTime != "" {
		// The first write of a singleton (AIP-156), whose key is its
		// parent's: a soft-deleted parent keeps it as it is.
		underParent, liveIDs = true, append(slices.Clone(pids), id)
		liveParent, write = singletonParent(p.ProtoReflect().Get(s.key.fd).String()), "updating "+s.res.Name
	}
	if s.checksTargets(p) || validateOnly(ctx) || s.inTx() || underParent {
		// The resources it refers to, and a parent that may be
		// soft-deleted, are checked and locked in the insert's
		// transaction; in a transaction of the caller's, a failed insert
		// is rolled back to a savepoint, which lets what follows
		// (parentMissing) read.
		err = s.transaction(ctx, func(tx *gorm.DB) error {
			if underParent {
				if err := s.parentLiveFor(gormQuerier{tx}, liveParent, liveIDs, write); err != nil {
					return err
				}
			}
			if err := s.checkTargets(gormQuerier{tx}, tenant, p, s.res.Field, nil); err != nil {
				return err
			}
			return insert(tx)
		})
	} else {
		err = s.retry(ctx, func() error { return withinDeadline(ctx, s.db, insert) })
	}
	if err != nil {
		err = s.parentMissing(s.db.WithContext(ctx), parent, pids, err)
		return nil, s.fail(ctx, s.foreignKeyMissing(ctx, p, s.res.Field, nil, err))
	}
	out, err := s.toProto(m)
	if err != nil {
		return nil, s.fail(ctx, err)
	}
	return out, nil
}

// prepareCreate copies msg with the server-managed fields set: the key
// (when the database assigns it), create and update times, no deletion,
// the first etag, the tenant, the uid, and output-only fields cleared.
// server tells an id the server's own code chose (a Store's write) from
// one a client chose.
func (s *Service) prepareCreate(msg proto.Message, tenant tenantScope, parent []string, id string, server bool) (proto.Message, error) {
	p := proto.Clone(msg)
	r := p.ProtoReflect()
	for _, pid := range parent {
		if pid == "-" {
			return nil, InvalidArgument("", FieldViolation{Field: "parent", Description: "a resource is created under one parent: the wildcard \"-\" is for List (AIP-159)"})
		}
	}
	if p := s.idProblem(parent); p != "" && s.res.Parent == nil && len(s.res.Parents) == 0 {
		// A parent this API does not store, whose ids no row bounds (a
		// stored parent with such ids does not exist: NotFound, see
		// parentMissing).
		return nil, InvalidArgument("", FieldViolation{Field: "parent", Description: p})
	}
	if s.key.NamePattern != "" {
		// AIP-133: the server names the resource; a name the client sent
		// is not used.
		switch {
		case s.singleton:
			// Its id is its parent's, which its name gave: "" in a
			// column its pattern lacks, where it has several (AIP-123).
		case id == "":
			u, err := uuid.NewV7()
			if err != nil {
				return nil, err
			}
			id = u.String()
		case server && segmentProblem(id) != "":
			return nil, InvalidArgument("", FieldViolation{Field: s.res.IDField, Description: segmentProblem(id)})
		case !server && !resourceID.MatchString(id):
			return nil, InvalidArgument("", FieldViolation{Field: s.res.IDField, Description: invalidID(id)})
		case s.key.MaxLen > 0 && len(id) > s.key.MaxLen:
			return nil, InvalidArgument("", FieldViolation{Field: s.res.IDField, Description: fmt.Sprintf("%q is %d characters long; at most %d are stored", id, len(id), s.key.MaxLen)})
		}
		r.Set(s.key.fd, protoreflect.ValueOfString(ormrt.NameOf(s.key.NamePattern, append(append([]string{}, parent...), id)...)))
	}
	if s.tenant != nil {
		r.Set(s.tenant.fd, tenant.pv)
	}
	// Output-only fields (AIP-148, AIP-154) are the server's.
	if s.key.AutoIncrement {
		r.Clear(s.key.fd)
	}
	if !s.timesAfterRules {
		s.stampTimes(p)
	} else {
		// Set after the rules ran (validateNew); what the client sent is
		// not the server's.
		for _, c := range []*column{s.createTime, s.updateTime} {
			if c != nil {
				r.Clear(c.fd)
			}
		}
	}
	for _, fd := range s.createClears {
		r.Clear(fd)
	}
	s.nested.clearOutputOnly(r)
	if s.etag != nil {
		r.Set(s.etag.fd, protoreflect.ValueOfString("1"))
	}
	if s.uid != nil {
		// AIP-148: a UUID4, whatever the client sent.
		u, err := uuid.NewRandom()
		if err != nil {
			return nil, err
		}
		r.Set(s.uid.fd, protoreflect.ValueOfString(u.String()))
	}
	return p, nil
}

// stampTimes sets the create and update times of p, a resource being
// created, to now.
func (s *Service) stampTimes(p proto.Message) {
	if s.createTime == nil && s.updateTime == nil {
		return
	}
	now := timestamppb.New(s.opt.now())
	r := p.ProtoReflect()
	for _, c := range []*column{s.createTime, s.updateTime} {
		if c != nil {
			r.Set(c.fd, protoreflect.ValueOfMessage(now.ProtoReflect()))
		}
	}
}

// validateNew validates p, a resource prepareCreate prepared, with its
// create and update times set. Where no rule can see them
// (timesAfterRules), they are set after the rules ran, so that
// protovalidate does not walk into two Timestamps whose values the
// server chose: the answer is the same, for less work.
func (s *Service) validateNew(p proto.Message) error {
	if !s.timesAfterRules {
		return s.validate(p)
	}
	err := s.validate(p)
	s.stampTimes(p)
	return err
}

// keepServerFields gives p, what a Create through a Store writes, the
// fields of msg the runtime does not keep itself: OUTPUT_ONLY fields, at
// any depth, are the server's code's to write (see serverWriteKey).
func (s *Service) keepServerFields(p, msg proto.Message) {
	to, from := p.ProtoReflect(), msg.ProtoReflect()
	fields := s.desc.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		switch {
		case s.runtimeKeeps(fd):
		case from.Has(fd):
			to.Set(fd, from.Get(fd))
		default:
			to.Clear(fd)
		}
	}
}

// runtimeKeeps reports whether fd is a field the runtime sets whoever
// writes: the key, the times, the etag, the tenant, the uid.
func (s *Service) runtimeKeeps(fd protoreflect.FieldDescriptor) bool {
	return s.is(fd, s.createTime, s.updateTime, s.deleteTime, s.purgeTime, s.etag, s.key, s.tenant, s.uid)
}

// clearedOnCreate are the fields a Create clears, in declaration order:
// no deletion or purge time, and no output-only field (AIP-148, AIP-154)
// but those the server sets itself: the key, the times, the tenant.
func (s *Service) clearedOnCreate() []protoreflect.FieldDescriptor {
	var out []protoreflect.FieldDescriptor
	fields := s.desc.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if s.is(fd, s.deleteTime, s.purgeTime) || s.fb.outputOnly[fd] && !s.is(fd, s.createTime, s.updateTime, s.key, s.tenant) {
			out = append(out, fd)
		}
	}
	return out
}

// tenantParents reports whether the caller's parents must be checked to
// be of its tenant: the resource and its parent (one of them, of
// several types) both have one.
func (s *Service) tenantParents(tenant tenantScope) bool {
	if tenant.col == "" {
		return false
	}
	for _, p := range s.res.Parents {
		if p.Tenant != "" {
			return true
		}
	}
	return s.res.Parent != nil && s.res.Parent.Tenant != ""
}

// parentTable is the table of the stored parent of the resources under
// the parent of ids pids (the values of the RoleParent columns, "" in
// those its pattern lacks), and the parent's ids: Resource.Parent, or
// of Resource.Parents the one whose ids pids hold (AIP-122: ids are
// never empty); nil when the package does not store it.
func (s *Service) parentTable(pids []string) (*ParentTable, []string) {
	if len(s.res.Parents) == 0 {
		return s.res.Parent, pids
	}
	if len(pids) != len(s.parents) {
		return nil, nil
	}
	held := 0 // the ids the parent's pattern has
	for _, id := range pids {
		if id != "" {
			held++
		}
	}
	for i := range s.res.Parents {
		p := &s.res.Parents[i]
		ids := make([]string, 0, len(p.Of))
		for _, c := range p.Of {
			if j := slices.IndexFunc(s.parents, func(pc *column) bool { return pc.Name == c }); j >= 0 && pids[j] != "" {
				ids = append(ids, pids[j])
			}
		}
		if len(ids) == len(p.Of) && len(ids) == held {
			// Its ids, and none of another parent's.
			return p, ids
		}
	}
	return nil, nil
}

// parentOf is NotFound naming parent when the row of pids, the ids of a
// parent named without wildcards, does not exist in the parent's table,
// or belongs to another tenant than the caller's: to a caller, another
// tenant's parent does not exist.
func (s *Service) parentOf(q querier, tenant tenantScope, parent string, pids []string) error {
	p, parent, pids := s.parentRow(parent, pids)
	if p == nil || len(pids) != len(p.Columns) {
		return nil
	}
	if i := slices.Index(pids, "-"); i >= 0 {
		// AIP-159: the ids before the first wildcard name an ancestor,
		// which must exist (publishers/nobody of publishers/nobody/shelves/-).
		for _, a := range p.Ancestors {
			if len(a.Columns) == i && i > 0 {
				segs := strings.Split(parent, "/")
				return s.tableHolds(q, tenant, &a, strings.Join(segs[:min(2*i, len(segs))], "/"), pids[:i])
			}
		}
		return nil
	}
	return s.tableHolds(q, tenant, p, parent, pids)
}

// parentRow is the table of the stored parent of the resources under
// parent, of ids pids, with the name and the ids of that parent's row
// there (storedParent, then parentTable); nil when the package does not
// store it.
func (s *Service) parentRow(parent string, pids []string) (*ParentTable, string, []string) {
	parent, pids = s.storedParent(parent, pids)
	p, pids := s.parentTable(pids)
	return p, parent, pids
}

// storedParent is the name and the ids of the row of the parent table
// under which parent, of ids pids, is: parent itself, or, where no
// message stores the parent (ParentTable.Above), the ancestor named by
// its first ids (projects/p/databases/d of
// projects/p/databases/d/collectionGroups/c).
func (s *Service) storedParent(parent string, pids []string) (string, []string) {
	p := s.res.Parent
	if p == nil || !p.Above || len(pids) <= len(p.Columns) {
		return parent, pids
	}
	segs := strings.Split(parent, "/")
	return strings.Join(segs[:min(2*len(p.Columns), len(segs))], "/"), pids[:len(p.Columns)]
}

// tableHolds is NotFound naming name when table p holds no row of ids
// (of the caller's tenant, where p has a tenant).
func (s *Service) tableHolds(q querier, tenant tenantScope, p *ParentTable, name string, ids []string) error {
	cols, vals := p.Columns, anys(ids)
	if p.Tenant != "" && tenant.col != "" {
		cols, vals = append(cols[:len(cols):len(cols)], p.Tenant), append(vals, tenant.v)
	}
	found, err := s.exists(q, p.Table, cols, vals, "", false)
	if err != nil {
		return err
	}
	if !found {
		return parentNotFound(p.Name, name)
	}
	return nil
}

// softDeletedParent reports whether a write under the parent of ids pids
// must check that the parent is not soft-deleted (see parentLive): the
// parent's table has a delete_time, and pids name one parent.
func (s *Service) softDeletedParent(pids []string) bool {
	p, _, pids := s.parentRow("", pids)
	return p != nil && p.DeleteTime != "" && len(pids) == len(p.Columns) && !slices.Contains(pids, "-")
}

// parentLive refuses a write of a child under a soft-deleted parent:
// FailedPrecondition RESOURCE_DELETED (AIP-164: a soft-deleted resource
// is not mutable; Delete refuses a parent with live children, whose
// state this would make). The parent's row is share-locked until the
// write's transaction ends, so that a Delete of it waits and then sees
// the child. A parent that does not exist is left to the foreign key.
func (s *Service) parentLive(q querier, parent string, pids []string) error {
	return s.parentLiveFor(q, parent, pids, "creating under it")
}

// parentLiveFor is parentLive for a write that the refusal names as what
// waits for the parent's Undelete ("creating under it").
func (s *Service) parentLiveFor(q querier, parent string, pids []string, write string) error {
	p, parent, pids := s.parentRow(parent, pids)
	if p == nil {
		return nil
	}
	live, err := s.exists(q, p.Table, p.Columns, anys(pids), p.DeleteTime, true)
	if err != nil || live {
		return err
	}
	if found, err := s.exists(q, p.Table, p.Columns, anys(pids), "", false); err != nil || !found {
		return err
	}
	return parentDeleted(p.Name, parent, write)
}

// singletonParent is the name of the parent of the singleton named name
// (AIP-156: its pattern ends with one collection segment).
func singletonParent(name string) string {
	return name[:max(strings.LastIndexByte(name, '/'), 0)]
}

// keyParent is the parent of the resource whose stored key is ck, named
// by key, when that parent may be soft-deleted (see softDeletedParent):
// its name and ids.
func (s *Service) keyParent(key any, ck rowKey) (string, []string, bool) {
	name, ok := key.(string)
	if !ok || s.key.NamePattern == "" || s.singleton || len(s.parents) == 0 || len(ck) <= len(s.parents) {
		return "", nil, false
	}
	// The key columns are the parent's, then the resource's own id.
	pids := make([]string, len(s.parents))
	for i := range pids {
		id, ok := ck[i].(string)
		if !ok {
			return "", nil, false
		}
		pids[i] = id
	}
	p, _ := s.parentTable(pids)
	if p == nil || p.DeleteTime == "" {
		return "", nil, false
	}
	segs := strings.Split(name, "/")
	if len(segs) < 2 {
		return "", nil, false
	}
	parent, _ := s.storedParent(strings.Join(segs[:len(segs)-2], "/"), pids)
	return parent, pids, true
}

// parentMissing turns the foreign key violation of an insert under a
// parent that does not exist into NotFound naming the parent (AIP-133),
// and so the refusal of a parent id longer than the columns that hold it
// (a check of the schema, which comes first), when no such parent
// exists; other errors are returned as they are.
func (s *Service) parentMissing(db *gorm.DB, parent string, pids []string, err error) error {
	p, parent, ppids := s.parentRow(parent, pids)
	k := classify(err)
	if p == nil || len(ppids) != len(p.Columns) || k != DBErrorForeignKey && k != DBErrorCheck {
		return err
	}
	if found, qerr := s.exists(gormQuerier{db}, p.Table, p.Columns, anys(ppids), "", false); qerr != nil || found {
		if problem := s.idProblem(pids); qerr == nil && k == DBErrorCheck && problem != "" {
			// A parent whose ids its own table holds, longer than
			// this table's columns for them.
			return InvalidArgument("", FieldViolation{Field: "parent", Description: problem})
		}
		return err // the violation is another key's
	}
	return parentNotFound(p.Name, parent)
}

// foreignKeyMissing turns the foreign key violation of a write of msg
// into FailedPrecondition naming each (protoforge.v1.field).references field
// among those written (paths; nil: all) whose value names no row, with
// prefix before its path; when each names a row the violation is
// another's, and err is returned as it is. The check reads outside the
// failed transaction, only once a write failed.
func (s *Service) foreignKeyMissing(ctx context.Context, msg proto.Message, prefix string, paths []string, err error) error {
	if classify(err) != DBErrorForeignKey || msg == nil {
		return err
	}
	r := msg.ProtoReflect()
	var vs []FieldViolation
	for _, c := range s.foreignKeys {
		fk := c.ForeignKey
		if !inPaths(paths, c.Path) || c.fd.HasPresence() && !r.Has(c.fd) {
			continue // NULL names no row and breaks no key
		}
		v, desc := keyValue(c, r)
		found, qerr := s.exists(gormQuerier{s.db.WithContext(ctx)}, fk.Table, []string{fk.Column}, []any{keyArg(v)}, "", false)
		if qerr != nil {
			return err
		}
		if !found {
			vs = append(vs, FieldViolation{Field: joinPath(prefix, c.Path), Description: desc})
		}
	}
	if len(vs) == 0 {
		return err
	}
	return referenceMissing(s.res.Name, vs)
}

// resourceID is AIP-122's syntax of a resource id a client chooses.
var resourceID = regexp.MustCompile(`^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$`)

// segmentProblem says what keeps id, chosen by the server's own code,
// from being one segment of a resource name, or "". AIP-122 asks ids a
// client chooses to have resourceID's syntax; those a service chooses
// need only be one segment: Artifact Registry names packages and files
// with their own names encoded (`packages/%40scope%2Fwidget`) and versions
// with theirs (`versions/1.0.0`).
func segmentProblem(id string) string {
	switch {
	case id == "-":
		return `"-" is not a resource id: it is List's wildcard (AIP-159)`
	case strings.ContainsAny(id, "/\x00"):
		return fmt.Sprintf("%q is not a resource id: it holds a slash or a NUL character, which a segment of a name cannot (AIP-122)", id)
	case !utf8.ValidString(id):
		return fmt.Sprintf("%q is not a resource id: it is not UTF-8", id)
	}
	return ""
}

// invalidID says why id, which resourceID does not match, is refused.
func invalidID(id string) string {
	return fmt.Sprintf("%q is not a valid resource id: 1 to 63 lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen (AIP-122)", id)
}

// is reports whether fd is the field of one of cols.
func (s *Service) is(fd protoreflect.FieldDescriptor, cols ...*column) bool {
	for _, c := range cols {
		if c != nil && c.fd == fd {
			return true
		}
	}
	return false
}

// managed reports whether fd is set by the server only.
func (s *Service) managed(fd protoreflect.FieldDescriptor) bool {
	return s.runtimeKeeps(fd) || s.fb.outputOnly[fd]
}

// managedFor is managed for a write of the server's own code (server,
// see serverWriteKey), which writes OUTPUT_ONLY fields, or a client's.
func (s *Service) managedFor(fd protoreflect.FieldDescriptor, server bool) bool {
	if server {
		return s.runtimeKeeps(fd)
	}
	return s.managed(fd)
}

// Update applies the fields of msg named by mask to the stored resource,
// in one transaction, checking the etag when msg carries one (AIP-134,
// AIP-154). No mask means the fields msg populates; "*" replaces every
// field the client may set.
func (s *Service) Update(ctx context.Context, msg proto.Message, mask *fieldmaskpb.FieldMask) (proto.Message, error) {
	if err := s.implements(OpUpdate); err != nil {
		return nil, err
	}
	return s.updateOrWrite(ctx, msg, mask)
}

// updateOrWrite is Update without the check that the resource declares
// it, for Store: a singleton never written, and a resource missing under
// AllowMissing, are written as Update writes them.
func (s *Service) updateOrWrite(ctx context.Context, msg proto.Message, mask *fieldmaskpb.FieldMask) (proto.Message, error) {
	out, err := s.update(ctx, msg, mask)
	if err != nil && s.singleton && missing(err) {
		// A singleton exists with its parent (AIP-156): its first
		// write stores it.
		return s.writeSingleton(ctx, msg, mask)
	}
	if err != nil && allowMissing(ctx) && s.key.NamePattern != "" && missing(err) {
		// AIP-134's upsert: the name gives the parent and the id, which
		// the request names in no field of its own but the name.
		field := joinPath(s.res.Field, s.key.Path)
		ids, nerr := s.nameIDs(field, msg.ProtoReflect().Get(s.key.fd).String())
		if nerr != nil {
			return nil, nerr
		}
		switch id := ids[len(ids)-1]; {
		case flag(ctx, serverWriteKey{}):
			// A store's: the server's id (see segmentProblem), which the
			// name's scan has checked.
		case !resourceID.MatchString(id):
			return nil, InvalidArgument("", FieldViolation{Field: field, Description: invalidID(id)})
		}
		if s.etag != nil {
			// An etag names a version of a resource that exists
			// (AIP-154): none matches one that does not, and the write
			// it guards must not create one (as a first write of a
			// singleton, and a resource deleted since it was read).
			if sent := msg.ProtoReflect().Get(s.etag.fd).String(); sent != "" {
				return nil, staleEtag(s.res.Name, sent, "")
			}
		}
		parent := ""
		if len(s.parents) > 0 {
			parent = ormrt.NameOf(s.parentPattern, ids[:len(ids)-1]...)
		}
		out, err = s.create(ctx, parent, ids[len(ids)-1], msg)
		var e *Error
		if errors.As(err, &e) && e.Code() == connect.CodeAlreadyExists {
			// Created by a concurrent upsert since this one looked:
			// updated, as it then exists (AIP-134).
			if again, uerr := s.update(ctx, msg, mask); !missing(uerr) {
				return again, uerr
			}
		}
	}
	return out, err
}

// update is Update without the check that the resource declares it, for
// Store.
func (s *Service) update(ctx context.Context, msg proto.Message, mask *fieldmaskpb.FieldMask) (proto.Message, error) {
	if msg == nil || !msg.ProtoReflect().IsValid() {
		return nil, InvalidArgument("", FieldViolation{Field: s.res.Field, Description: "is required"})
	}
	paths, tenant, err := s.updateScope(ctx, msg, mask)
	if err != nil {
		return nil, err
	}
	ck, err := s.columnKeyAt(joinPath(s.res.Field, s.key.Path), msg.ProtoReflect().Get(s.key.fd).Interface())
	if err != nil {
		return nil, err
	}
	var out proto.Message
	if run, pool, ok := s.txRunner(ctx); ok {
		err = s.retry(ctx, func() error {
			return run(ctx, pool, func(c TxConn) (err error) {
				out, err = s.updateOn(c, tenant, ck, msg, paths, flag(ctx, serverWriteKey{}))
				return err
			})
		})
		if !errors.Is(err, ErrNoRowReader) {
			if err != nil {
				return nil, s.fail(ctx, s.foreignKeyMissing(ctx, msg, s.res.Field, paths, err))
			}
			return out, nil
		}
	}
	err = s.transaction(ctx, func(tx *gorm.DB) error {
		// Deleted rows too: updated refuses them under the lock.
		cur, err := s.find(tx, tenant, ck, true, true)
		if err != nil {
			return err
		}
		m, write, err := s.updated(gormQuerier{tx}, tenant, cur, msg, paths, flag(ctx, serverWriteKey{}), s.res.Field)
		if err != nil {
			return err
		}
		// The row is locked since it was read (on SQLite the transaction
		// holds the database), so the etag checked above is still current;
		// the UPDATE is guarded by it all the same: on MariaDB Galera the
		// lock is the node's own, and a read in the transaction after it
		// (a reference's, say) can move the transaction past a write of
		// another node that certification would otherwise refuse.
		kc := s.keyCond(ck)
		if write { // else updated left the row as it is
			q := tx.Model(m).Select(s.updateColumns(paths)).Omit(clause.Associations).Where(kc.SQL, kc.Args...)
			if s.etag != nil {
				f := s.dests[s.etag.index]
				read, err := f.arg(unsafe.Add(modelBase(cur), f.off))
				if err != nil {
					return err
				}
				q = q.Where(s.etag.quoted+" = ?", read)
			}
			res := q.Updates(m)
			if res.Error != nil {
				return res.Error
			}
			if s.etag != nil && res.RowsAffected == 0 {
				return errRowMoved // read again, and checked again
			}
		}
		out, err = s.toProto(m)
		return err
	})
	if err != nil {
		return nil, s.fail(ctx, s.foreignKeyMissing(ctx, msg, s.res.Field, paths, err))
	}
	return out, nil
}

// updateScope is what an Update of msg writes, the paths of its mask
// (the update_mask query parameter of a REST request when the request
// has none: see RESTGuard), and the caller's tenant.
func (s *Service) updateScope(ctx context.Context, msg proto.Message, mask *fieldmaskpb.FieldMask) ([]string, tenantScope, error) {
	if len(mask.GetPaths()) == 0 {
		if qm := queryMask(ctx); qm != nil {
			mask = qm
		}
	}
	paths, err := s.maskPathsFor(msg, mask, flag(ctx, serverWriteKey{}))
	if err != nil {
		return nil, tenantScope{}, err
	}
	tenant, err := s.writeScope(ctx)
	return paths, tenant, err
}

// updateOn is Update's transaction on a TxRunner's connection c: it reads
// and locks the row, then writes the columns of paths and the
// server-managed ones with an UPDATE of its own.
func (s *Service) updateOn(c TxConn, tenant tenantScope, ck rowKey, msg proto.Message, paths []string, server bool) (proto.Message, error) {
	var b strings.Builder
	// Deleted rows too: updated refuses them under the lock.
	args := s.selectSQL(&b, s.findConds(tenant, ck, true), "", 1, 0)
	b.WriteString(" FOR UPDATE")
	var rows []any
	if err := c.Query(b.String(), args, s.into(&rows)); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, gorm.ErrRecordNotFound
	}
	m, write, err := s.updated(c, tenant, rows[0], msg, paths, server, s.res.Field)
	if err != nil {
		return nil, err
	}
	if !write {
		return s.toProto(m) // updated left the row as it is
	}
	if h, ok := m.(interface{ BeforeSave(*gorm.DB) error }); ok {
		if err := h.BeforeSave(s.db); err != nil {
			return nil, err
		}
	}
	q, args, err := s.updateSQL(m, s.updateColumns(paths), ck)
	if err != nil {
		return nil, err
	}
	if q != "" {
		if _, err := c.Exec(q, args); err != nil {
			return nil, err
		}
	}
	return s.toProto(m)
}

// errRowMoved is an Update's guarded write that found its row changed
// since it read it: a conflict, which the write's retry reads again.
var errRowMoved = errors.New("crudrt: the row changed since it was read")

// deletedErr is the refusal of an Update of a soft-deleted resource
// (AIP-164: a soft-deleted resource is not mutable, and Get still
// returns it).
func (s *Service) deletedErr() error {
	return Errorf(connect.CodeFailedPrecondition, "%s is deleted: undelete it before updating it (AIP-164)", s.res.Name).WithReason("RESOURCE_DELETED", "resource", s.res.Name)
}

// updated is the model Update writes over cur, the stored row it read
// and locked: msg's fields named by paths, the server-managed fields
// counted on, checked (not soft deleted, etag, immutable fields,
// validation, references and a changed held parent on q, in the caller's
// tenant, the foreign keys' errors naming fields under at). write is
// false when no stored value would change: m is then cur, which is left
// as it is. A write of the server's own code (server) writes the
// OUTPUT_ONLY fields of the messages it holds too.
func (s *Service) updated(q querier, tenant tenantScope, cur any, msg proto.Message, paths []string, server bool, at string) (m any, write bool, err error) {
	stored, err := s.toProto(cur)
	if err != nil {
		return nil, false, err
	}
	if s.deleteTime != nil && stored.ProtoReflect().Has(s.deleteTime.fd) {
		// Read with the live rows and locked with them, so that an
		// Undelete or Delete running meanwhile cannot make a resource
		// that existed all along look missing.
		return nil, false, s.deletedErr()
	}
	if s.singleton && s.res.Parent != nil && s.res.Parent.DeleteTime != "" {
		// A singleton stays with its soft-deleted parent, as it is
		// (AIP-156, AIP-164): its key is the parent's.
		name := stored.ProtoReflect().Get(s.key.fd).String()
		ids, err := s.nameIDs(s.key.Path, name)
		if err != nil {
			return nil, false, err
		}
		if err := s.parentLiveFor(q, singletonParent(name), ids, "updating "+s.res.Name); err != nil {
			return nil, false, err
		}
	}
	current := ""
	if s.etag != nil {
		current = stored.ProtoReflect().Get(s.etag.fd).String()
		if sent := msg.ProtoReflect().Get(s.etag.fd).String(); sent != "" && sent != current {
			return nil, false, staleEtag(s.res.Name, sent, current)
		}
	}
	if len(paths) == 0 {
		// Nothing the client may change is named (AIP-134: output-only
		// fields in the mask are ignored): the resource is as stored, its
		// etag and update time included, and nothing is written.
		return cur, false, nil
	}
	read := stored
	next := proto.Clone(stored)
	s.applyPaths(next, msg, paths)
	if s.tenant != nil {
		// The tenant of a row never changes.
		next.ProtoReflect().Set(s.tenant.fd, stored.ProtoReflect().Get(s.tenant.fd))
	}
	if !server {
		s.nested.keepOutputOnly(next.ProtoReflect(), stored.ProtoReflect(), paths)
	}
	if s.rules.formats {
		// Another spelling of an IMMUTABLE field's value is the value,
		// stored in it before values were canonical or sent in it now.
		canonicalizeFormats(next.ProtoReflect())
		if len(s.fb.immutable) > 0 {
			stored = proto.Clone(stored)
			canonicalizeFormats(stored.ProtoReflect())
		}
	}
	if s.unchanged(next, read) {
		// AIP-134: every field already holds the value sent; the
		// resource is returned as stored, its etag and update time
		// included.
		return cur, false, nil
	}
	// Every violation at once: those of the immutable fields and those
	// of the message they are part of.
	changed := s.immutable(stored, next)
	r := next.ProtoReflect()
	if s.updateTime != nil {
		r.Set(s.updateTime.fd, protoreflect.ValueOfMessage(timestamppb.New(s.opt.now()).ProtoReflect()))
	}
	if s.etag != nil {
		r.Set(s.etag.fd, protoreflect.ValueOfString(nextEtag(current)))
	}
	if err := s.validate(next, changed...); err != nil {
		return nil, false, err
	}
	if err := s.checkRefsOn(q, tenant, next, s.res.Field, paths); err != nil {
		return nil, false, err
	}
	if err := s.tenantForeignKeys(q, tenant, next, at, paths); err != nil {
		return nil, false, err
	}
	if c := s.heldParent; c != nil && r.Get(c.fd).String() != read.ProtoReflect().Get(c.fd).String() {
		// Moved: the new parent must exist, as on Create, and not lie
		// under the resource.
		if err := s.checkHeldParent(q, tenant, next, read.ProtoReflect().Get(s.key.fd).String()); err != nil {
			return nil, false, err
		}
	}
	m, err = s.res.ToModel(next)
	return m, err == nil, err
}

// unchanged reports whether next, the resource an update would write
// (its update time and etag still stored's), stores what stored, the
// resource as read, holds: next is compared as it would be read back,
// so that a value the column holds less precisely (a timestamp's
// nanoseconds) or a field that is not stored changes nothing. A value
// that does not convert is a change, which the write then refuses.
func (s *Service) unchanged(next, stored proto.Message) bool {
	m, err := s.res.ToModel(next)
	if err != nil {
		return false
	}
	back, err := s.res.ToProto(m)
	return err == nil && sameMessage(back, stored)
}

// sameMessage reports whether a and b hold the same values: compared as
// bytes rather than by proto.Equal, for which a NaN differs from itself.
func sameMessage(a, b proto.Message) bool {
	o := proto.MarshalOptions{Deterministic: true}
	x, err := o.Marshal(a)
	if err != nil {
		return false
	}
	y, err := o.Marshal(b)
	return err == nil && bytes.Equal(x, y)
}

// applyPaths sets the fields of next that paths name (checked by
// maskPaths) to msg's: AIP-161's map entries one by one.
func (s *Service) applyPaths(next, msg proto.Message, paths []string) {
	var plain []string
	for _, p := range paths {
		in, fd, key, ok, _ := s.mapKeyPath(p)
		if !ok {
			plain = append(plain, p)
			continue
		}
		// AIP-161: one entry of a map, set as the request has it, or
		// removed when the request has none; the map in the messages the
		// path goes through.
		from := msg.ProtoReflect()
		for _, f := range in {
			from = from.Get(f).Message()
		}
		src := from.Get(fd).Map()
		v, set := src.Get(key), src.Has(key)
		to := next.ProtoReflect()
		for _, f := range in {
			if !set && !to.Has(f) {
				// No message holds the entry: there is nothing to
				// remove, and creating the message (which may be a
				// member of a oneof) would change the resource.
				to = nil
				break
			}
			to = to.Mutable(f).Message()
		}
		switch {
		case set:
			if fd.MapValue().Message() != nil {
				v = protoreflect.ValueOfMessage(proto.Clone(v.Message().Interface()).ProtoReflect())
			}
			to.Mutable(fd).Map().Set(key, v)
		case to != nil && to.Has(fd):
			to.Mutable(fd).Map().Clear(key)
		}
	}
	if len(plain) > 0 {
		// An empty mask would copy every populated field: a mask of
		// server-managed fields only changes nothing of the client's.
		fieldmask.Update(&fieldmaskpb.FieldMask{Paths: plain}, next, msg)
	}
}

// updateSQL is the UPDATE of the row with key ck to m's values of cols
// (see updateColumns), and its arguments; "" when nothing is written.
func (s *Service) updateSQL(m any, cols []string, ck rowKey) (string, []any, error) {
	if len(cols) == 1 && cols[0] == "*" {
		// Nothing stored changes, and the row stays locked until the
		// transaction ends.
		return "", nil, nil
	}
	base := modelBase(m)
	var b strings.Builder
	b.WriteString("UPDATE " + s.from + " SET ")
	args := make([]any, 0, len(cols)+len(ck))
	for i, name := range cols {
		c := s.byName[name]
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(c.quoted + " = ?")
		f := s.dests[c.index]
		a, err := f.arg(unsafe.Add(base, f.off))
		if err != nil {
			return "", nil, err
		}
		args = append(args, a)
	}
	b.WriteString(" WHERE ")
	args = append(args, whereSQL(&b, []query.Condition{s.keyCond(ck)})...)
	return b.String(), args, nil
}

// updateColumns lists the columns an update with mask paths writes: the
// masked fields' columns (with those of the other members of their
// oneofs) and the server-managed ones. A path that names
// no column (a field that is not stored) writes nothing of its own.
func (s *Service) updateColumns(paths []string) []string {
	cols := []string{}
	seen := map[string]bool{}
	var add func(c *column)
	add = func(c *column) {
		if c != nil && !seen[c.Name] {
			seen[c.Name] = true
			cols = append(cols, c.Name)
			for _, p := range c.parts {
				add(p)
			}
		}
	}
	for _, p := range paths {
		top, _, _ := strings.Cut(p, ".")
		add(s.byPath[top])
		// Setting a member of a oneof clears the others: their columns
		// are written too, or the row would hold two members.
		if fd := s.desc.Fields().ByName(protoreflect.Name(top)); fd != nil {
			if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
				for i := range od.Fields().Len() {
					add(s.byPath[string(od.Fields().Get(i).Name())])
				}
			}
		}
	}
	add(s.updateTime)
	add(s.etag)
	if len(cols) == 0 {
		// Nothing stored changes: write the row as it was read.
		return []string{"*"}
	}
	return cols
}

// nextEtag is the etag after cur: a counter, so etags only grow.
func nextEtag(cur string) string {
	n, _ := strconv.ParseUint(cur, 10, 64)
	return strconv.FormatUint(n+1, 10)
}

// mapKeyPath reads an update mask path that names one entry of a map
// field of the resource (AIP-161: "labels.env", or "labels.`a.b`" for a
// key that is not an identifier, a backtick in it doubled): ok reports
// whether path is one, and err what is wrong with one.
func (s *Service) mapKeyPath(path string) (in []protoreflect.FieldDescriptor, fd protoreflect.FieldDescriptor, key protoreflect.MapKey, ok bool, err error) {
	// The singular messages down to the map: "a.b.key" is key of map b of
	// message a (AIP-161 names map keys at any depth).
	segs := splitUnquoted(path, '.')
	md := s.desc
	for i, seg := range segs[:len(segs)-1] {
		f := md.Fields().ByName(protoreflect.Name(seg))
		switch {
		case f == nil:
			return nil, nil, key, false, nil
		case f.IsMap():
			// What follows is the key: unquoted, one identifier.
			fd, key, ok, err = mapKey(path, f, strings.Join(segs[i+1:], "."))
			return in, fd, key, ok, err
		case f.Message() != nil && !f.IsList():
			in = append(in, f)
			md = f.Message()
		default:
			return nil, nil, key, false, nil
		}
	}
	return nil, nil, key, false, nil
}

// mapKey reads the key rest of map fd, at the end of path.
func mapKey(path string, fd protoreflect.FieldDescriptor, rest string) (_ protoreflect.FieldDescriptor, key protoreflect.MapKey, ok bool, err error) {
	k := rest
	if entry, ok := entryPrefix(rest); ok && entry != rest {
		return nil, key, true, fmt.Errorf("invalid field path: %s: a path ends at a map's entry (%s.%s): the fields of a map's values cannot be named (AIP-161); a key with a dot in it is quoted in backticks", path, fd.Name(), entry)
	}
	if strings.HasPrefix(rest, "`") {
		inner, closed := strings.CutSuffix(rest[1:], "`")
		if !closed || strings.Contains(strings.ReplaceAll(inner, "``", ""), "`") {
			return nil, key, true, fmt.Errorf("invalid field path: %s: a quoted map key ends with a backtick, and a backtick in it is doubled", path)
		}
		k = strings.ReplaceAll(inner, "``", "`")
	} else if !mapKeyRE.MatchString(rest) {
		return nil, key, true, fmt.Errorf("invalid field path: %s: quote a map key that is not an identifier with backticks (AIP-161)", path)
	}
	switch kd := fd.MapKey(); kd.Kind() {
	case protoreflect.StringKind:
		key = protoreflect.ValueOfString(k).MapKey()
	case protoreflect.BoolKind:
		b, perr := strconv.ParseBool(k)
		if perr != nil {
			return nil, key, true, fmt.Errorf("invalid field path: %s: the map's keys are bools", path)
		}
		key = protoreflect.ValueOfBool(b).MapKey()
	default:
		v, perr := protoreflect.Value{}, error(nil)
		switch kd.Kind() {
		case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
			var n int64
			n, perr = strconv.ParseInt(k, 10, 32)
			v = protoreflect.ValueOfInt32(int32(n))
		case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
			var n int64
			n, perr = strconv.ParseInt(k, 10, 64)
			v = protoreflect.ValueOfInt64(n)
		case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
			var n uint64
			n, perr = strconv.ParseUint(k, 10, 32)
			v = protoreflect.ValueOfUint32(uint32(n))
		default:
			var n uint64
			n, perr = strconv.ParseUint(k, 10, 64)
			v = protoreflect.ValueOfUint64(n)
		}
		if perr != nil {
			return nil, key, true, fmt.Errorf("invalid field path: %s: the map's keys are integers", path)
		}
		key = v.MapKey()
	}
	return fd, key, true, nil
}

// mapKeyRE is a map key written in a field path without backticks.
var mapKeyRE = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// entryPrefix is the map key that begins rest, the text after a map
// field in a path, as written (an identifier, or quoted in backticks with
// backticks in it doubled) when a dot or the end of rest follows it.
func entryPrefix(rest string) (string, bool) {
	if strings.HasPrefix(rest, "`") {
		for i := 1; i < len(rest); i++ {
			if rest[i] != '`' {
				continue
			}
			if i+1 < len(rest) && rest[i+1] == '`' {
				i++ // a doubled backtick
				continue
			}
			if i+1 == len(rest) || rest[i+1] == '.' {
				return rest[:i+1], true
			}
			return "", false
		}
		return "", false
	}
	k, _, _ := strings.Cut(rest, ".")
	return k, mapKeyRE.MatchString(k)
}

// maskFieldPath checks a field mask path of field names against md (each
// segment but the last a singular message field: a path into a list, a
// map or a scalar names nothing an update can set) and spells it with the
// fields' names: a group may be named by its message's name too, as text
// formats name it ("Meta" for the group field meta). nestedOutputOnly
// reports whether the path goes through an OUTPUT_ONLY field of a message
// below md ("ebook.downloads"), which is the server's as md's own
// output-only fields are.
func maskFieldPath(md protoreflect.MessageDescriptor, p string) (named string, nestedOutputOnly, ok bool) {
	segs := strings.Split(p, ".")
	for i, seg := range segs {
		if md == nil {
			return "", false, false
		}
		fd := md.Fields().ByName(protoreflect.Name(seg))
		if fd == nil {
			if gd := md.Fields().ByName(protoreflect.Name(strings.ToLower(seg))); gd != nil && gd.Kind() == protoreflect.GroupKind && string(gd.Message().Name()) == seg {
				fd = gd
			}
		}
		if fd == nil {
			return "", false, false
		}
		segs[i] = string(fd.Name())
		if i > 0 && slices.Contains(fieldBehaviors(fd), annotations.FieldBehavior_OUTPUT_ONLY) {
			nestedOutputOnly = true
		}
		if i < len(segs)-1 {
			if fd.IsList() || fd.IsMap() || fd.Message() == nil {
				return "", false, false
			}
			md = fd.Message()
		}
	}
	return strings.Join(segs, "."), nestedOutputOnly, true
}

// maskPaths checks and completes a client's update mask.
func (s *Service) maskPaths(msg proto.Message, mask *fieldmaskpb.FieldMask) ([]string, error) {
	return s.maskPathsFor(msg, mask, false)
}

// maskPathsFor is maskPaths for a write of the server's own code when
// server is set: OUTPUT_ONLY fields are then written, not ignored.
func (s *Service) maskPathsFor(msg proto.Message, mask *fieldmaskpb.FieldMask, server bool) ([]string, error) {
	paths, err := s.completeMask(msg, mask, server)
	if err != nil {
		return nil, err
	}
	// An INPUT_ONLY and IMMUTABLE field (AIP-203) cannot be named in an
	// update: whether the value sent matches the stored one is what no
	// response may tell, so an update that names it is refused whatever
	// it holds.
	for _, p := range paths {
		top, _, _ := strings.Cut(p, ".")
		if fd := s.desc.Fields().ByName(protoreflect.Name(top)); fd != nil && s.sealed(fd) {
			return nil, InvalidArgument("", FieldViolation{Field: joinPath(s.res.Field, top), Description: "is input only and immutable: it is set on create and cannot be named in an update"})
		}
	}
	return paths, nil
}

// sealed reports whether fd is both INPUT_ONLY and IMMUTABLE (AIP-203):
// written on Create only, and never read back.
func (s *Service) sealed(fd protoreflect.FieldDescriptor) bool {
	return slices.Contains(s.fb.inputOnly, fd) && slices.Contains(s.fb.immutable, fd)
}

// completeMask is maskPaths before the check of what the paths name.
func (s *Service) completeMask(msg proto.Message, mask *fieldmaskpb.FieldMask, server bool) ([]string, error) {
	const field = "update_mask"
	if len(mask.GetPaths()) == 1 && mask.GetPaths()[0] == "*" {
		var paths []string
		fields := s.desc.Fields()
		for i := 0; i < fields.Len(); i++ {
			fd := fields.Get(i)
			// A full replacement built from a read lacks the sealed
			// fields, which no response holds: left out, they are kept.
			if !s.managedFor(fd, server) && (!s.sealed(fd) || msg.ProtoReflect().Has(fd)) {
				paths = append(paths, string(fd.Name()))
			}
		}
		return paths, nil
	}
	if len(mask.GetPaths()) == 0 {
		var paths []string
		msg.ProtoReflect().Range(func(fd protoreflect.FieldDescriptor, _ protoreflect.Value) bool {
			if !s.managedFor(fd, server) {
				paths = append(paths, string(fd.Name()))
			}
			return true
		})
		return paths, nil
	}
	var paths []string
	for _, p := range mask.GetPaths() {
		if p == "*" {
			return nil, InvalidArgument("", FieldViolation{Field: field, Description: "invalid field path: '*' must not be used with other paths"})
		}
		if _, _, _, ok, err := s.mapKeyPath(p); err != nil {
			return nil, InvalidArgument("", FieldViolation{Field: field, Description: err.Error()})
		} else if !ok {
			named, nested, ok := maskFieldPath(s.desc, p)
			if !ok {
				return nil, InvalidArgument("", FieldViolation{Field: field, Description: "invalid field path: " + p})
			}
			if nested && !server {
				continue // output-only fields in a mask are ignored (AIP-203), at any depth
			}
			p = named
		}
		top, _, _ := strings.Cut(p, ".")
		if fd := s.desc.Fields().ByName(protoreflect.Name(top)); fd != nil && s.managedFor(fd, server) {
			continue // output-only fields in a mask are ignored (AIP-161)
		}
		paths = append(paths, p)
	}
	return paths, nil
}
