package crudrt_test

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/crudrt/query"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	rulesv1 "github.com/protoforge/protoforge/internal/e2e/gen/rules/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// wantInvalidSet fails unless err is InvalidArgument naming fields, in
// any order.
func wantInvalidSet(t testing.TB, err error, fields ...string) {
	t.Helper()
	wantCode(t, err, connect.CodeInvalidArgument)
	got := violations(t, err)
	sort.Strings(got)
	want := append([]string(nil), fields...)
	sort.Strings(want)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("violations %q, want %q (error: %v)", got, want, err)
	}
}

// mask builds an update mask.
func fieldMask(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }

// stepClock is a clock that moves on by a second at every reading, with
// nanoseconds that do not survive storage.
type stepClock struct{ t time.Time }

func newStepClock() *stepClock {
	return &stepClock{t: time.Date(2024, 3, 1, 9, 0, 0, 123456789, time.UTC)}
}

func (c *stepClock) now() time.Time { c.t = c.t.Add(time.Second); return c.t }

// last is the last time read, as stored (microseconds).
func (c *stepClock) last() *timestamppb.Timestamp {
	return timestamppb.New(c.t.Truncate(time.Microsecond))
}

func TestCreate(t *testing.T) {
	ctx := context.Background()
	clock := newStepClock()
	l := newLibrary(t, testdb.SQLite, crudrt.WithClock(clock.now))
	for _, m := range []proto.Message{nil, (*libraryv1.Book)(nil)} {
		_, err := l.books.Create(ctx, m)
		wantInvalid(t, err, "book")
	}
	// Server-managed fields sent by the client are ignored.
	old := timestamppb.New(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	in := &libraryv1.Book{Id: 999, Title: "Dune", AuthorId: l.author, State: libraryv1.BookState_BOOK_STATE_PUBLISHED,
		Isbn: 9780441013593, Tags: []string{"sf", "classic"}, Metadata: map[string]string{"lang": "en"},
		CreateTime: old, UpdateTime: old, DeleteTime: old, Etag: "99"}
	sent := proto.Clone(in)
	out, err := l.books.Create(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(in, sent) {
		t.Errorf("Create changed its argument: %v", in)
	}
	b := out.(*libraryv1.Book)
	if b.Id == 0 || b.Id == 999 {
		t.Errorf("id %d: want one the database assigned", b.Id)
	}
	if !proto.Equal(b.CreateTime, clock.last()) || !proto.Equal(b.UpdateTime, clock.last()) {
		t.Errorf("create_time %v, update_time %v; want the clock, %v", b.CreateTime, b.UpdateTime, clock.last())
	}
	if b.DeleteTime != nil || b.Etag != "1" {
		t.Errorf("delete_time %v, etag %q; want none and 1", b.DeleteTime, b.Etag)
	}
	want := proto.Clone(sent).(*libraryv1.Book)
	want.Id, want.CreateTime, want.UpdateTime, want.DeleteTime, want.Etag = b.Id, b.CreateTime, b.UpdateTime, nil, "1"
	if !proto.Equal(b, want) {
		t.Errorf("Create = %v, want %v", b, want)
	}
	if got := l.getBook(t, b.Id); !proto.Equal(got, b) {
		t.Errorf("stored %v, Create returned %v", got, b)
	}

	// Validation before any write, every violation with its path.
	n := countRows(t, l.db, "books")
	_, err = l.books.Create(ctx, &libraryv1.Book{Title: "", AuthorId: l.author, State: 9})
	wantInvalidSet(t, err, "book.title", "book.state")
	_, err = l.books.Create(ctx, &libraryv1.Book{Title: strings.Repeat("é", 301), AuthorId: l.author})
	wantInvalid(t, err, "book.title")
	if !strings.Contains(err.Error(), "at most 300 characters (got 301)") {
		t.Errorf("error %q does not give the limit", err)
	}
	if _, err := l.books.Create(ctx, &libraryv1.Book{Title: strings.Repeat("é", 300), AuthorId: l.author}); err != nil {
		t.Errorf("title of 300 characters: %v", err)
	}
	n++
	// Constraints of the database.
	_, err = l.books.Create(ctx, &libraryv1.Book{Title: "other", AuthorId: l.author, Isbn: 9780441013593})
	wantCode(t, err, connect.CodeAlreadyExists)
	_, err = l.books.Create(ctx, &libraryv1.Book{Title: "Dune", AuthorId: l.author})
	wantCode(t, err, connect.CodeAlreadyExists)
	_, err = l.books.Create(ctx, &libraryv1.Book{Title: "orphan", AuthorId: l.author + 100, Isbn: 5})
	wantCode(t, err, connect.CodeFailedPrecondition)
	if got := countRows(t, l.db, "books"); got != n {
		t.Errorf("%d books after refused creates, want %d", got, n)
	}
}

// TestCreateValidationFamilies: a gadget breaking a rule of every family
// (protovalidate, protoc-gen-validate, field behaviors, the column's size)
// is refused with every violation named.
func TestCreateValidationFamilies(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "rules")
	svc := crudrt.NewService(db, gadgetResource())
	_, err := svc.Create(ctx, &rulesv1.Gadget{Name: "x", Weight: 0, Code: "ab", Power: 7, Serial: 5, Note: "123456", Tags: []string{"a", "b", "c"}})
	wantInvalidSet(t, err, "gadget.name", "gadget.weight", "gadget.code", "gadget.power", "gadget.serial", "gadget.owner", "gadget.note", "gadget.tags")
	if got := countRows(t, db, "gadgets"); got != 0 {
		t.Fatalf("%d gadgets after a refused create", got)
	}
	g := validGadget()
	g.Id = 77
	g.CreateTime = timestamppb.New(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	out, err := svc.Create(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	created := out.(*rulesv1.Gadget)
	if created.Id == 77 || created.Id == 0 || created.CreateTime.AsTime().Year() == 2000 {
		t.Errorf("output-only fields kept: %v", created)
	}
	got, err := svc.Get(ctx, created.Id)
	if err != nil || !proto.Equal(got, created) {
		t.Errorf("Get = %v, %v; want %v", got, err, created)
	}
}

func validGadget() *rulesv1.Gadget {
	return &rulesv1.Gadget{Name: "ok", Weight: 5, Code: "ABC", Power: rulesv1.Power_POWER_MAINS, Serial: 1 << 63, Owner: "me", Note: "hi", Tags: []string{"a"}}
}

func TestUpdate(t *testing.T) {
	ctx := context.Background()
	clock := newStepClock()
	l := newLibrary(t, testdb.SQLite, crudrt.WithClock(clock.now))
	orig := l.addBook(t, &libraryv1.Book{Title: "Dune", Isbn: 1, State: libraryv1.BookState_BOOK_STATE_DRAFT, Tags: []string{"sf"}, Metadata: map[string]string{"lang": "en"}})
	created := orig.CreateTime

	update := func(msg *libraryv1.Book, m *fieldmaskpb.FieldMask) *libraryv1.Book {
		t.Helper()
		out, err := l.books.Update(ctx, msg, m)
		if err != nil {
			t.Fatalf("Update(%v, %v): %v", msg, m, err)
		}
		b := out.(*libraryv1.Book)
		if got := l.getBook(t, b.Id); !proto.Equal(got, b) {
			t.Fatalf("Update returned %v, stored %v", b, got)
		}
		if !proto.Equal(b.CreateTime, created) || !proto.Equal(b.UpdateTime, clock.last()) {
			t.Fatalf("create_time %v, update_time %v; want %v and %v", b.CreateTime, b.UpdateTime, created, clock.last())
		}
		return b
	}

	// No mask: the fields the message populates.
	b := update(&libraryv1.Book{Id: orig.Id, Title: "Dune Messiah"}, nil)
	if b.Title != "Dune Messiah" || b.Isbn != 1 || b.State != libraryv1.BookState_BOOK_STATE_DRAFT || len(b.Tags) != 1 || b.Etag != "2" {
		t.Errorf("no mask: %v", b)
	}
	// An explicit mask: only its fields, zero values included.
	b = update(&libraryv1.Book{Id: orig.Id, Title: "ignored", Isbn: 2, Tags: nil}, fieldMask("isbn", "tags"))
	if b.Title != "Dune Messiah" || b.Isbn != 2 || len(b.Tags) != 0 || b.Metadata["lang"] != "en" || b.Etag != "3" {
		t.Errorf("mask isbn, tags: %v", b)
	}
	// The current etag is accepted.
	b = update(&libraryv1.Book{Id: orig.Id, State: libraryv1.BookState_BOOK_STATE_PUBLISHED, Etag: "3"}, fieldMask("state"))
	if b.State != libraryv1.BookState_BOOK_STATE_PUBLISHED || b.Etag != "4" {
		t.Errorf("mask state: %v", b)
	}
	// "*": every field the client may set is replaced.
	b = update(&libraryv1.Book{Id: orig.Id, Title: "Children of Dune", AuthorId: l.author, CreateTime: timestamppb.Now(), Etag: ""}, fieldMask("*"))
	if b.Title != "Children of Dune" || b.Isbn != 0 || b.State != 0 || len(b.Metadata) != 0 || b.Etag != "5" {
		t.Errorf("mask *: %v", b)
	}
	// Output-only paths among others are ignored.
	b = update(&libraryv1.Book{Id: orig.Id, Title: "God Emperor", CreateTime: timestamppb.Now(), Etag: "5"}, fieldMask("title", "create_time", "etag", "id"))
	if b.Title != "God Emperor" || b.Etag != "6" {
		t.Errorf("mask with output-only paths: %v", b)
	}

	before := l.getBook(t, orig.Id)
	// A stale etag is Aborted and changes nothing.
	_, err := l.books.Update(ctx, &libraryv1.Book{Id: orig.Id, Title: "stale", Etag: "5"}, nil)
	wantCode(t, err, connect.CodeAborted)
	for _, c := range []struct {
		name string
		msg  proto.Message
		mask *fieldmaskpb.FieldMask
		code connect.Code
		// field is the violation of an InvalidArgument.
		field string
	}{
		{"nil", nil, nil, connect.CodeInvalidArgument, "book"},
		{"typed nil", (*libraryv1.Book)(nil), fieldMask("title"), connect.CodeInvalidArgument, "book"},
		{"unknown path", &libraryv1.Book{Id: orig.Id, Title: "x"}, fieldMask("colour"), connect.CodeInvalidArgument, "update_mask"},
		{"unknown nested path", &libraryv1.Book{Id: orig.Id, Title: "x"}, fieldMask("title.x"), connect.CodeInvalidArgument, "update_mask"},
		{"* with others", &libraryv1.Book{Id: orig.Id, Title: "x"}, fieldMask("*", "title"), connect.CodeInvalidArgument, "update_mask"},
		{"others with *", &libraryv1.Book{Id: orig.Id, Title: "x"}, fieldMask("title", "*"), connect.CodeInvalidArgument, "update_mask"},
		{"invalid title", &libraryv1.Book{Id: orig.Id}, fieldMask("title"), connect.CodeInvalidArgument, "book.title"},
		{"title too long", &libraryv1.Book{Id: orig.Id, Title: strings.Repeat("x", 301)}, nil, connect.CodeInvalidArgument, "book.title"},
		{"missing", &libraryv1.Book{Id: orig.Id + 100, Title: "x"}, nil, connect.CodeNotFound, ""},
		{"no id", &libraryv1.Book{Title: "x"}, nil, connect.CodeNotFound, ""},
		{"unknown author", &libraryv1.Book{Id: orig.Id, AuthorId: l.author + 100}, nil, connect.CodeFailedPrecondition, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := l.books.Update(ctx, c.msg, c.mask)
			if c.field != "" {
				wantInvalid(t, err, c.field)
			} else {
				wantCode(t, err, c.code)
			}
		})
	}
	if got := l.getBook(t, orig.Id); !proto.Equal(got, before) {
		t.Errorf("refused updates changed the book: %v, was %v", got, before)
	}

	// A unique value taken by another book.
	other := l.addBook(t, &libraryv1.Book{Title: "other", Isbn: 42})
	_, err = l.books.Update(ctx, &libraryv1.Book{Id: orig.Id, Isbn: other.Isbn}, nil)
	wantCode(t, err, connect.CodeAlreadyExists)
	// A deleted book is not updated (AIP-164: not mutable).
	if _, err := l.books.Delete(ctx, other.Id, ""); err != nil {
		t.Fatal(err)
	}
	_, err = l.books.Update(ctx, &libraryv1.Book{Id: other.Id, Title: "undead"}, nil)
	wantCode(t, err, connect.CodeFailedPrecondition)
}

// TestUpdateOutputOnlyMask: a mask of output-only paths only, or no mask
// on a message that populates only server-managed fields, updates no
// field the client may set and no server-managed field (AIP-161: output
// only fields in a mask are ignored).
func TestUpdateOutputOnlyMask(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	orig := l.addBook(t, &libraryv1.Book{Title: "Dune", Isbn: 1})
	old := timestamppb.New(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	for _, c := range []struct {
		name string
		msg  *libraryv1.Book
		mask *fieldmaskpb.FieldMask
	}{
		{"output-only mask", &libraryv1.Book{Id: orig.Id, Title: "sneaky", Isbn: 7, CreateTime: old, DeleteTime: old}, fieldMask("create_time", "etag")},
		{"no mask, managed fields only", &libraryv1.Book{Id: orig.Id, CreateTime: old, DeleteTime: old}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, err := l.books.Update(ctx, c.msg, c.mask)
			if err != nil {
				t.Fatal(err)
			}
			got := l.getBook(t, orig.Id)
			if !proto.Equal(out, got) {
				t.Errorf("Update returned %v, stored %v", out, got)
			}
			if got.Title != "Dune" || got.Isbn != 1 {
				t.Errorf("fields outside the mask changed: title %q, isbn %d", got.Title, got.Isbn)
			}
			if !proto.Equal(got.CreateTime, orig.CreateTime) {
				t.Errorf("create_time changed to %v (was %v)", got.CreateTime, orig.CreateTime)
			}
			if got.DeleteTime != nil {
				t.Errorf("the book was deleted by an update: delete_time %v", got.DeleteTime)
			}
		})
	}
}

// TestUpdateOutputOnlyMaskWithoutEtag is TestUpdateOutputOnlyMask on a
// model without update_time and etag: nothing changes at all.
func TestUpdateOutputOnlyMaskWithoutEtag(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "rules")
	svc := crudrt.NewService(db, gadgetResource())
	out, err := svc.Create(ctx, validGadget())
	if err != nil {
		t.Fatal(err)
	}
	g := out.(*rulesv1.Gadget)
	old := timestamppb.New(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC))
	msg := &rulesv1.Gadget{Id: g.Id, Name: "sneaky", Weight: 9, Owner: "me", CreateTime: old}
	up, err := svc.Update(ctx, msg, fieldMask("create_time", "id"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.Get(ctx, g.Id)
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(up, got) {
		t.Errorf("Update returned %v, stored %v", up, got)
	}
	if !proto.Equal(got, g) {
		t.Errorf("a mask of output-only paths changed the gadget: %v, was %v", got, g)
	}
}

// TestUpdateImmutable: an IMMUTABLE field cannot change; the other fields
// of its message can.
func TestUpdateImmutable(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "rules")
	svc := crudrt.NewService(db, gadgetResource())
	out, err := svc.Create(ctx, validGadget())
	if err != nil {
		t.Fatal(err)
	}
	g := out.(*rulesv1.Gadget)
	_, err = svc.Update(ctx, &rulesv1.Gadget{Id: g.Id, Owner: "you"}, fieldMask("owner"))
	wantInvalid(t, err, "gadget.owner")
	if !strings.Contains(err.Error(), "immutable") {
		t.Errorf("error %q does not say immutable", err)
	}
	_, err = svc.Update(ctx, &rulesv1.Gadget{Id: g.Id, Name: "renamed", Owner: "you"}, nil)
	wantInvalid(t, err, "gadget.owner")
	// The same value is no change.
	up, err := svc.Update(ctx, &rulesv1.Gadget{Id: g.Id, Name: "renamed", Owner: "me"}, nil)
	if err != nil || up.(*rulesv1.Gadget).Name != "renamed" || up.(*rulesv1.Gadget).Owner != "me" {
		t.Fatalf("Update = %v, %v", up, err)
	}
	full := validGadget()
	full.Id, full.Weight = g.Id, 9
	up, err = svc.Update(ctx, full, fieldMask("*"))
	if err != nil || up.(*rulesv1.Gadget).Weight != 9 {
		t.Fatalf("Update * = %v, %v", up, err)
	}
	// Validation of the result: the rules of every family.
	_, err = svc.Update(ctx, &rulesv1.Gadget{Id: g.Id, Weight: 2000, Code: "x"}, fieldMask("weight", "code"))
	wantInvalidSet(t, err, "gadget.weight", "gadget.code")
	got, err := svc.Get(ctx, g.Id)
	if err != nil || !proto.Equal(got, up) {
		t.Errorf("stored %v, %v; want %v", got, err, up)
	}
}

// stampResource describes rules.v1.Stamp, whose create and update times
// carry rules.
func stampResource() *crudrt.Resource {
	return &crudrt.Resource{
		Name: "rules.v1.Stamp", Table: "stamps", Collection: "stamps", Field: "stamp",
		Columns: []crudrt.Column{
			{Path: "id", Name: "id", GoField: "Id", Type: "int64", Role: crudrt.RoleID, Queryable: true, Kind: query.KindInt, AutoIncrement: true},
			{Path: "label", Name: "label", GoField: "Label", Type: "string", Queryable: true, Kind: query.KindString},
			{Path: "create_time", Name: "create_time", GoField: "CreateTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleCreateTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
			{Path: "update_time", Name: "update_time", GoField: "UpdateTime", Type: "google.protobuf.Timestamp", Role: crudrt.RoleUpdateTime, Queryable: true, Kind: query.KindTimestamp, Nullable: true},
		},
		Operations: crudrt.OpGet | crudrt.OpCreate | crudrt.OpBatchCreate,
		Message:    (*rulesv1.Stamp)(nil),
		Model:      (*rulesv1.StampModel)(nil),
		ToModel:    func(p proto.Message) (any, error) { return p.(*rulesv1.Stamp).ToModel() },
		ToProto:    func(m any) (proto.Message, error) { return m.(*rulesv1.StampModel).ToProto() },
	}
}

// TestCreateChecksServerTimes: the rules of the create and update times
// hold for the values the server sets, on Create and BatchCreate: the
// required create time is there, and a clock ahead of the validator's
// makes an update time that is not before now.
func TestCreateChecksServerTimes(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "rules")
	svc := crudrt.NewService(db, stampResource())
	out, err := svc.Create(ctx, &rulesv1.Stamp{Label: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.(*rulesv1.Stamp); s.CreateTime == nil || !proto.Equal(s.CreateTime, s.UpdateTime) {
		t.Fatalf("created %v", s)
	}
	if _, err := svc.BatchCreate(ctx, []proto.Message{&rulesv1.Stamp{Label: "b"}, &rulesv1.Stamp{Label: "c"}}); err != nil {
		t.Fatal(err)
	}
	ahead := crudrt.NewService(db, stampResource(), crudrt.WithClock(func() time.Time { return time.Now().Add(time.Hour) }))
	_, err = ahead.Create(ctx, &rulesv1.Stamp{Label: "d"})
	wantInvalidSet(t, err, "stamp.update_time")
	_, err = ahead.BatchCreate(ctx, []proto.Message{&rulesv1.Stamp{Label: "e"}})
	wantInvalidSet(t, err, "requests[0].stamp.update_time")
	if got := countRows(t, db, "stamps"); got != 3 {
		t.Fatalf("%d stamps, want 3", got)
	}
}
