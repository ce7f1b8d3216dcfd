package crudrt_test

import (
	"context"
	"fmt"
	"gorm.io/gorm"
	"math"
	"reflect"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"
	kindsv1 "github.com/protoforge/protoforge/internal/e2e/gen/kinds/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestKeyFromName parses "<collection>/<id>" into the Go type of every key
// kind, and refuses names of another collection, of no or a nested id,
// ids out of the key's range, and numbers not written the one way they
// are written back (a name is the resource's identity).
func TestKeyFromName(t *testing.T) {
	db := testdb.Open(t, testdb.SQLite)
	cases := []struct {
		key  string
		name string
		want any
	}{
		{"id", "scalars/42", int64(42)},
		{"id", "scalars/-9223372036854775808", int64(math.MinInt64)},
		{"v_int64", "scalars/9223372036854775807", int64(math.MaxInt64)},
		{"v_sint64", "scalars/-5", int64(-5)},
		{"v_sfixed64", "scalars/7", int64(7)},
		{"v_int32", "scalars/-2147483648", int32(math.MinInt32)},
		{"v_sint32", "scalars/2147483647", int32(math.MaxInt32)},
		{"v_sfixed32", "scalars/3", int32(3)},
		{"v_uint64", "scalars/18446744073709551615", uint64(math.MaxUint64)},
		{"v_fixed64", "scalars/0", uint64(0)},
		{"v_uint32", "scalars/4294967295", uint32(math.MaxUint32)},
		{"v_fixed32", "scalars/8", uint32(8)},
		{"v_string", "scalars/anything goes", "anything goes"},
		// Other kinds are taken as strings.
		{"v_bool", "scalars/true", "true"},
	}
	for _, c := range cases {
		svc := crudrt.NewService(db, scalarsResource(c.key))
		got, err := svc.KeyFromName(c.name)
		if err != nil {
			t.Errorf("%s key: KeyFromName(%q): %v", c.key, c.name, err)
			continue
		}
		if got != c.want {
			t.Errorf("%s key: KeyFromName(%q) = %#v (%T), want %#v (%T)", c.key, c.name, got, got, c.want, c.want)
		}
	}

	bad := []struct{ key, name string }{
		{"id", "books/1"},
		{"id", "scalars/"},
		{"id", "scalars"},
		{"id", ""},
		{"id", "/scalars/1"},
		{"id", "scalars/1/x"},
		{"id", "scalars/x"},
		{"id", "scalars/1.5"},
		{"id", "scalars/9223372036854775808"},
		{"v_int32", "scalars/2147483648"},
		{"v_sint32", "scalars/-2147483649"},
		{"v_uint64", "scalars/-1"},
		{"v_uint64", "scalars/18446744073709551616"},
		{"v_uint32", "scalars/4294967296"},
		{"v_fixed32", "scalars/-1"},
		{"v_string", "scalars/a/b"},
		{"id", "scalars/01"},
		{"id", "scalars/+1"},
		{"id", "scalars/-0"},
		{"v_uint64", "scalars/007"},
		{"v_int32", "scalars/+5"},
	}
	for _, c := range bad {
		svc := crudrt.NewService(db, scalarsResource(c.key))
		got, err := svc.KeyFromName(c.name)
		if err == nil {
			t.Errorf("%s key: KeyFromName(%q) = %#v, want an error", c.key, c.name, got)
			continue
		}
		if got != nil {
			t.Errorf("%s key: KeyFromName(%q) returned %#v with its error", c.key, c.name, got)
		}
		wantInvalid(t, err, "name")
	}
}

func TestKeysFromNames(t *testing.T) {
	svc := crudrt.NewService(testdb.Open(t, testdb.SQLite), tagResource())
	keys, err := svc.KeysFromNames([]string{"tags/go", "tags/rust", "tags/go"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []any{"go", "rust", "go"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("keys %#v, want %#v", keys, want)
	}
	keys, err = svc.KeysFromNames(nil)
	if err != nil || keys == nil || len(keys) != 0 {
		t.Errorf("KeysFromNames(nil) = %#v, %v; want an empty slice", keys, err)
	}
	_, err = svc.KeysFromNames([]string{"tags/go", "tags/", "books/3"})
	// The first failing index is named.
	wantInvalid(t, err, "names[1]")
	if !strings.Contains(err.Error(), `want tags/<id>, got "tags/"`) {
		t.Errorf("error %q does not show the name", err)
	}

	books := crudrt.NewService(testdb.Open(t, testdb.SQLite), bookResource())
	keys, err = books.KeysFromNames([]string{"books/3", "books/1"})
	if err != nil || !reflect.DeepEqual(keys, []any{int64(3), int64(1)}) {
		t.Errorf("KeysFromNames = %#v, %v", keys, err)
	}
	_, err = books.KeysFromNames([]string{"books/3", "books/1", "books/one"})
	wantInvalid(t, err, "names[2]")
}

// TestKeysOfEveryKind stores rows keyed by int32, uint32, uint64 and
// string columns and reads them back by Get, BatchGet (order and
// duplicates kept) and Delete: the keys bind as their columns hold them.
func TestKeysOfEveryKind(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "kinds")
	rows := []*kindsv1.Scalars{
		{VInt32: -7, VUint32: 7, VUint64: math.MaxUint64, VString: "a"},
		{VInt32: 8, VUint32: 4294967295, VUint64: 1, VString: "b"},
		{VInt32: 9, VUint32: 0, VUint64: 1 << 63, VString: "c"},
	}
	ids := crudrt.NewService(db, scalarsResource("id"))
	for _, r := range rows {
		created, err := ids.Create(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		r.Id = created.(*kindsv1.Scalars).GetId()
		if r.Id == 0 {
			t.Fatalf("no id assigned: %v", created)
		}
	}
	for _, c := range []struct {
		key  string
		keys func(*kindsv1.Scalars) any
	}{
		{"id", func(s *kindsv1.Scalars) any { return s.Id }},
		{"v_int32", func(s *kindsv1.Scalars) any { return s.VInt32 }},
		{"v_uint32", func(s *kindsv1.Scalars) any { return s.VUint32 }},
		{"v_uint64", func(s *kindsv1.Scalars) any { return s.VUint64 }},
		{"v_string", func(s *kindsv1.Scalars) any { return s.VString }},
	} {
		t.Run(c.key, func(t *testing.T) {
			svc := crudrt.NewService(db, scalarsResource(c.key))
			for _, r := range rows {
				got, err := svc.Get(ctx, c.keys(r))
				if err != nil {
					t.Fatalf("Get(%v): %v", c.keys(r), err)
				}
				if !proto.Equal(got, r) {
					t.Fatalf("Get(%v) = %v, want %v", c.keys(r), got, r)
				}
			}
			keys := []any{c.keys(rows[2]), c.keys(rows[0]), c.keys(rows[2])}
			got, err := svc.BatchGet(ctx, keys)
			if err != nil {
				t.Fatalf("BatchGet(%v): %v", keys, err)
			}
			want := []*kindsv1.Scalars{rows[2], rows[0], rows[2]}
			if len(got) != len(want) {
				t.Fatalf("BatchGet(%v): %d messages", keys, len(got))
			}
			for i := range want {
				if !proto.Equal(got[i], want[i]) {
					t.Errorf("BatchGet(%v)[%d] = %v, want %v", keys, i, got[i], want[i])
				}
			}
			if got[0] == got[2] {
				t.Errorf("a key asked twice shares one message")
			}
			// Names parse to keys that find the rows.
			name := "scalars/" + fmt.Sprint(c.keys(rows[1]))
			key, err := svc.KeyFromName(name)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := svc.Get(ctx, key); err != nil {
				t.Fatalf("Get(KeyFromName(%q)): %v", name, err)
			}
		})
	}
	// A uint64 key beyond int64 deletes its row and no other.
	svc := crudrt.NewService(db, scalarsResource("v_uint64"))
	if _, err := svc.Delete(ctx, uint64(1<<63), ""); err != nil {
		t.Fatal(err)
	}
	_, err := svc.Get(ctx, uint64(1<<63))
	wantCode(t, err, connect.CodeNotFound)
	if n := countRows(t, db, "scalars"); n != 2 {
		t.Errorf("%d rows left, want 2", n)
	}
}

// TestStringKeys: string keys are the client's, kept on Create and
// compared exactly (case matters) in a batch.
func TestStringKeys(t *testing.T) {
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	applyE2ESchema(t, db, "kinds")
	tags := crudrt.NewService(db, tagResource())
	for _, name := range []string{"1", "go", "Go"} {
		if _, err := tags.Create(ctx, &kindsv1.Tag{Name: name, Uses: math.MaxUint64}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := tags.Create(ctx, &kindsv1.Tag{Name: "go"})
	wantCode(t, err, connect.CodeAlreadyExists)
	got, err := tags.BatchGet(ctx, []any{"Go", "1", "go"})
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range []string{"Go", "1", "go"} {
		if n := got[i].(*kindsv1.Tag).GetName(); n != want {
			t.Errorf("BatchGet[%d] = %q, want %q", i, n, want)
		}
		if u := got[i].(*kindsv1.Tag).GetUses(); u != math.MaxUint64 {
			t.Errorf("BatchGet[%d].uses = %d", i, u)
		}
	}
	_, err = tags.BatchGet(ctx, []any{"go", "rust"})
	wantCode(t, err, connect.CodeNotFound)
	// The key is the client's: Create keeps it.
	created, err := tags.Create(ctx, &kindsv1.Tag{Name: "zig"})
	if err != nil || created.(*kindsv1.Tag).GetName() != "zig" {
		t.Fatalf("Create = %v, %v", created, err)
	}
}

// TestNULKeys: a string key holding a NUL character that no row has is
// NotFound on every database, PostgreSQL too, which cannot even compare
// one (22021) and stores none.
func TestNULKeys(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		ctx := context.Background()
		applyE2ESchema(t, db, "kinds")
		tags := crudrt.NewService(db, tagResource())
		if _, err := tags.Create(ctx, &kindsv1.Tag{Name: "go"}); err != nil {
			t.Fatal(err)
		}
		for _, key := range []string{"\x00", "go\x00"} {
			_, err := tags.Get(ctx, key)
			wantCode(t, err, connect.CodeNotFound)
			_, err = tags.BatchGet(ctx, []any{"go", key})
			wantCode(t, err, connect.CodeNotFound)
			_, err = tags.Delete(ctx, key, "")
			wantCode(t, err, connect.CodeNotFound)
		}
		if _, err := tags.Get(ctx, "go"); err != nil {
			t.Fatal(err)
		}
	})
}
