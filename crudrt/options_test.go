package crudrt_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

func TestWithPageTokenKey(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite)
	for i := range 4 {
		l.addBook(t, &libraryv1.Book{Title: fmt.Sprint(i), Isbn: uint64(i)})
	}
	for _, key := range [][]byte{{}, []byte("fifteen bytes!!")} {
		func() {
			defer func() {
				if r := recover(); fmt.Sprint(r) != "crudrt: WithPageTokenKey needs at least 16 bytes" {
					t.Errorf("key of %d bytes: panic %v", len(key), r)
				}
			}()
			crudrt.NewService(l.db, bookResource(), crudrt.WithPageTokenKey(key))
		}()
	}
	key := []byte("sixteen bytes!!!")
	one := crudrt.NewService(l.db, bookResource(), crudrt.WithPageTokenKey(key))
	two := crudrt.NewService(l.db, bookResource(), crudrt.WithPageTokenKey(append([]byte(nil), key...)))
	other := crudrt.NewService(l.db, bookResource(), crudrt.WithPageTokenKey([]byte("sixteen bytes!!?")))
	random := crudrt.NewService(l.db, bookResource())
	req := crudrt.ListRequest{PageSize: 3, OrderBy: "title desc"}
	first, next, err := one.List(ctx, req)
	if err != nil || len(first) != 3 || next == "" {
		t.Fatalf("first page: %v, %q, %v", first, next, err)
	}
	req.PageToken = next
	// Services behind a load balancer share the key.
	rest, last, err := two.List(ctx, req)
	if err != nil || len(rest) != 1 || last != "" || rest[0].(*libraryv1.Book).Title != "0" {
		t.Errorf("next page from a service with the same key: %v, %q, %v", rest, last, err)
	}
	for name, svc := range map[string]*crudrt.Service{"another key": other, "a random key": random} {
		t.Run(name, func(t *testing.T) {
			_, _, err := svc.List(ctx, req)
			wantInvalid(t, err, "page_token")
		})
	}
	// Two services with random keys do not share them either.
	_, next, err = random.List(ctx, crudrt.ListRequest{PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = crudrt.NewService(l.db, bookResource()).List(ctx, crudrt.ListRequest{PageSize: 1, PageToken: next})
	wantInvalid(t, err, "page_token")
}

// TestPageTokenIsOpaque: the page token of a List holds none of the
// values of the row it resumes after, in any readable form (AIP-158), and
// listing the same page twice gives two different tokens that both resume
// there.
func TestPageTokenIsOpaque(t *testing.T) {
	ctx := context.Background()
	l := newLibrary(t, testdb.SQLite, crudrt.WithPageTokenKey([]byte("sixteen bytes!!!")))
	for i, title := range []string{"acme fiction emma", "acme fiction zola", "zz last"} {
		l.addBook(t, &libraryv1.Book{Title: title, Isbn: uint64(i+1) << 40})
	}
	req := crudrt.ListRequest{PageSize: 2, OrderBy: "title, isbn"}
	var tokens []string
	for range 2 {
		page, next, err := l.books.List(ctx, req)
		if err != nil || len(page) != 2 || next == "" {
			t.Fatalf("first page: %v, %q, %v", page, next, err)
		}
		raw, err := base64.RawURLEncoding.DecodeString(next)
		if err != nil {
			t.Fatal(err)
		}
		last := page[1].(*libraryv1.Book)
		for _, v := range [][]byte{[]byte(last.Title), []byte("acme"), []byte("fiction"), binary.BigEndian.AppendUint64(nil, last.Isbn)} {
			if bytes.Contains(raw, v) {
				t.Errorf("token %q holds %q", next, v)
			}
		}
		tokens = append(tokens, next)
	}
	if tokens[0] == tokens[1] {
		t.Errorf("the same page twice gives the same token %q", tokens[0])
	}
	for _, tok := range tokens {
		rest, _, err := l.books.List(ctx, crudrt.ListRequest{PageSize: 2, OrderBy: "title, isbn", PageToken: tok})
		if err != nil || len(rest) != 1 || rest[0].(*libraryv1.Book).Title != "zz last" {
			t.Errorf("next page: %v, %v", rest, err)
		}
	}
}

// TestWithLogger: database errors are logged where WithLogger says, and
// the client sees a generic Internal error without them.
func TestWithLogger(t *testing.T) {
	ctx := context.Background()
	var logs bytes.Buffer
	l := newLibrary(t, testdb.SQLite, crudrt.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	b := l.addBook(t, &libraryv1.Book{Title: "t"})
	if err := l.db.Exec("ALTER TABLE books RENAME TO livres").Error; err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Get":  func() error { _, err := l.books.Get(ctx, b.Id); return err },
		"List": func() error { _, _, err := l.books.List(ctx, crudrt.ListRequest{}); return err },
		"Create": func() error {
			_, err := l.books.Create(ctx, &libraryv1.Book{Title: "x", AuthorId: l.author})
			return err
		},
		"Update":   func() error { _, err := l.books.Update(ctx, &libraryv1.Book{Id: b.Id, Title: "x"}, nil); return err },
		"Delete":   func() error { _, err := l.books.Delete(ctx, b.Id, ""); return err },
		"Undelete": func() error { _, err := l.books.Undelete(ctx, b.Id, ""); return err },
		"BatchGet": func() error { _, err := l.books.BatchGet(ctx, []any{b.Id}); return err },
		"BatchCreate": func() error {
			_, err := l.books.BatchCreate(ctx, []proto.Message{&libraryv1.Book{Title: "x", AuthorId: l.author}})
			return err
		},
		"BatchDelete": func() error { return l.books.BatchDelete(ctx, []any{b.Id}) },
	}
	for name, call := range calls {
		logs.Reset()
		err := call()
		wantCode(t, err, connect.CodeInternal)
		if strings.Contains(err.Error(), "books") {
			t.Errorf("%s: the client sees the cause: %q", name, err)
		}
		if !strings.Contains(logs.String(), "crud: database error") || !strings.Contains(logs.String(), "no such table: books") ||
			!strings.Contains(logs.String(), "resource=library.v1.Book") {
			t.Errorf("%s: logged %q", name, logs.String())
		}
	}
}

// TestWithClock: create_time and update_time are the clock's, to the
// microsecond the databases store; Update moves update_time only.
func TestWithClock(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2031, 7, 9, 10, 11, 12, 987654321, time.FixedZone("CEST", 2*3600))
	l := newLibrary(t, testdb.SQLite, crudrt.WithClock(func() time.Time { return at }))
	b := l.addBook(t, &libraryv1.Book{Title: "t"})
	want := timestamppb.New(time.Date(2031, 7, 9, 8, 11, 12, 987654000, time.UTC))
	if !proto.Equal(b.CreateTime, want) || !proto.Equal(b.UpdateTime, want) {
		t.Errorf("create_time %v, update_time %v; want %v", b.CreateTime, b.UpdateTime, want)
	}
	if got := l.getBook(t, b.Id); !proto.Equal(got, b) {
		t.Errorf("stored %v, Create returned %v", got, b)
	}
	at = at.Add(time.Hour + time.Nanosecond)
	out, err := l.books.Update(ctx, &libraryv1.Book{Id: b.Id, Title: "u"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	u := out.(*libraryv1.Book)
	later := timestamppb.New(want.AsTime().Add(time.Hour))
	if !proto.Equal(u.CreateTime, want) || !proto.Equal(u.UpdateTime, later) {
		t.Errorf("after Update: create_time %v, update_time %v; want %v, %v", u.CreateTime, u.UpdateTime, want, later)
	}
	if got := l.getBook(t, b.Id); !proto.Equal(got, u) {
		t.Errorf("stored %v, Update returned %v", got, u)
	}
}
