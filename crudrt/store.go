package crudrt

import (
	"context"
	"strings"

	"connectrpc.com/connect"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"
)

// Store is typed access to one resource for the methods a user writes
// (custom methods such as MoveBook or MergeShelves): the standard
// methods' semantics (validation, server-managed fields, etags, soft
// delete, tenants, status errors) on messages of type T. StoreOf returns
// the store of a generated type's resource (`crudrt.StoreOf[*Book](impl)`),
// and the generated types of services with methods left to the user have
// one accessor per resource (`BookStore()`). On puts it inside a
// transaction the user opened, so that several stores change rows together
// or not at all.
type Store[T proto.Message] struct{ s *Service }

// NewStore returns the store of s, whose messages are of type T.
func NewStore[T proto.Message](s *Service) *Store[T] { return &Store[T]{s: s} }

// StoreOf returns the store of the resource of set whose message is T:
// set is a type protoc-gen-crud generated (`*BookServiceCRUD`), or one
// that embeds it, and its CRUDServices method lists the runtimes it
// serves. It is an Internal error when set serves no resource of type T.
//
// Only the code that calls StoreOf instantiates Store for T, so generated
// packages do not compile a store per resource that nothing uses.
func StoreOf[T proto.Message](set interface{ CRUDServices() []*Service }) (*Store[T], error) {
	svcs := set.CRUDServices()
	served := make([]string, 0, len(svcs))
	for _, s := range svcs {
		if _, ok := s.res.Message.(T); ok {
			return NewStore[T](s), nil
		}
		served = append(served, s.res.Name)
	}
	if len(served) == 0 {
		served = append(served, "none")
	}
	var zero T
	return nil, Errorf(connect.CodeInternal, "internal error: crudrt.StoreOf: %T serves no resource of type %T; it serves %s",
		set, zero, strings.Join(served, ", "))
}

// On returns the store working in tx, a transaction (or any *gorm.DB) the
// caller opened, e.g. with Transaction.
func (st *Store[T]) On(tx *gorm.DB) *Store[T] {
	c := *st.s
	c.db = tx
	return &Store[T]{s: &c}
}

// Transaction runs fn in one transaction of the store's database: fn's
// stores (On(tx)) commit together when it returns nil, and roll back
// otherwise. Errors of the database become status errors as the standard
// methods' do; fn's own status errors are returned as they are.
func (st *Store[T]) Transaction(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return st.s.fail(ctx, commitOnce(ctx, st.s.db, fn))
}

// Service returns the untyped runtime of the store.
func (st *Store[T]) Service() *Service { return st.s }

// Get returns the resource with key, deleted or not.
func (st *Store[T]) Get(ctx context.Context, key any) (T, error) {
	return One[T](st.s.get(ctx, key))
}

// GetByName returns the resource with an AIP-122 name ("books/1").
func (st *Store[T]) GetByName(ctx context.Context, name string) (T, error) {
	key, err := st.s.KeyFromName(name)
	if err != nil {
		var zero T
		return zero, err
	}
	return st.Get(ctx, key)
}

// List returns a page of resources and the next page's token.
func (st *Store[T]) List(ctx context.Context, req ListRequest) ([]T, string, error) {
	items, next, err := st.s.list(ctx, req)
	out, err := All[T](items, err)
	return out, next, err
}

// Count returns how many resources the pages of req hold in all (AIP-132
// total_size; see Service.Count).
func (st *Store[T]) Count(ctx context.Context, req ListRequest) (int64, error) {
	return st.s.count(ctx, req)
}

// serverWriteKey marks a write through a Store: the server's own code
// (a custom method), which writes the OUTPUT_ONLY fields (AIP-203) no
// client may, such as a state or Cloud KMS's CryptoKey.primary; the
// fields the runtime keeps (times, etag, uid, key, tenant, delete_time)
// stay its own.
type serverWriteKey struct{}

func serverWrite(ctx context.Context) context.Context {
	return context.WithValue(ctx, serverWriteKey{}, true)
}

// Create validates msg, sets the server-managed fields and inserts it.
// The OUTPUT_ONLY fields msg sets are kept: a store writes for the server.
func (st *Store[T]) Create(ctx context.Context, msg T) (T, error) {
	return One[T](st.s.create(serverWrite(ctx), "", "", msg))
}

// CreateWithID is Create with the id of the resource's name chosen by the
// client (see Service.CreateWithID).
func (st *Store[T]) CreateWithID(ctx context.Context, id string, msg T) (T, error) {
	return One[T](st.s.create(serverWrite(ctx), "", id, msg))
}

// CreateIn is CreateWithID under parent, for resources named under a
// parent (see Service.CreateIn).
func (st *Store[T]) CreateIn(ctx context.Context, parent, id string, msg T) (T, error) {
	return One[T](st.s.create(serverWrite(ctx), parent, id, msg))
}

// Update applies the fields of msg named by mask (see Service.Update): the
// first Update of a singleton never written stores it, and under
// AllowMissing a resource that does not exist is created. OUTPUT_ONLY
// fields the mask names are written: a store writes for the server.
func (st *Store[T]) Update(ctx context.Context, msg T, mask *fieldmaskpb.FieldMask) (T, error) {
	return One[T](st.s.updateOrWrite(serverWrite(ctx), msg, mask))
}

// Delete deletes the resource with key, checking etag when given. Under
// AllowMissing a resource that does not exist is deleted already: Delete
// returns the zero T and no error; one soft deleted already is returned
// as stored (AIP-164).
func (st *Store[T]) Delete(ctx context.Context, key any, etag string) (T, error) {
	m, err := st.s.deleteOrMissing(ctx, key, etag, false)
	if m == nil && err == nil {
		var zero T
		return zero, nil
	}
	return One[T](m, err)
}
