package model_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/compiler/protogen"

	"github.com/protoforge/protoforge/internal/gen/gentest"
	"github.com/protoforge/protoforge/internal/gen/model"
)

func build(t *testing.T, src string) (*model.Schema, error) {
	t.Helper()
	req, err := gentest.RequestFromSources(map[string]string{"t/v1/t.proto": src}, "")
	require.NoError(t, err)
	gen, err := protogen.Options{}.New(req)
	require.NoError(t, err)
	return model.Build(gen)
}

const header = `syntax = "proto3";
package t.v1;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "protoforge/v1/options.proto";
option go_package = "example.com/t/v1;tv1";
`

func TestBuildClassifiesFields(t *testing.T) {
	s, err := build(t, header+`
enum E { E_UNSPECIFIED = 0; }
message Author {
  option (protoforge.v1.model) = {table: "writers"};
  string handle = 1 [(protoforge.v1.field) = {primary_key: true}];
  repeated Post posts = 2;
}
message Post {
  option (protoforge.v1.model) = {soft_delete: true, indexes: [{fields: ["author_handle", "n"], name: "by_author"}]};
  int64 id = 1;
  uint64 n = 2;
  optional int32 maybe = 3;
  google.protobuf.Int64Value wrapped = 4;
  google.protobuf.Timestamp delete_time = 5;
  repeated string tags = 6;
  E e = 7 [(protoforge.v1.field) = {enum_as_name: true}];
  string author_handle = 8 [(protoforge.v1.field) = {references: "Author"}];
  Author author = 9 [(protoforge.v1.field) = {foreign_key: "author_handle"}];
  oneof pick { string a = 10; int64 b = 11; }
  string skip = 12 [(protoforge.v1.field) = {ignore: true}];
}
`)
	require.NoError(t, err)
	require.Len(t, s.Models, 2)
	require.Len(t, s.Files, 1)
	author, post := s.Models[0], s.Models[1]
	assert.Equal(t, "writers", author.Table)
	assert.Equal(t, "posts", post.Table)
	assert.Equal(t, "PostModel", post.Ident.GoName)

	require.Len(t, author.PrimaryKey, 1)
	assert.Equal(t, "handle", author.PrimaryKey[0].Column)
	assert.False(t, author.AutoIncrement, "string keys are not auto-incremented")
	assert.Equal(t, model.DefaultKeySize, author.PrimaryKey[0].Size)
	require.Len(t, author.Associations, 1)
	assert.Equal(t, model.StorageHasMany, author.Associations[0].Storage)
	assert.Equal(t, "author_handle", author.Associations[0].ForeignKey.Column)

	assert.True(t, post.AutoIncrement)
	cols := map[string]*model.Field{}
	for _, c := range post.Columns {
		cols[c.Column] = c
	}
	assert.NotContains(t, cols, "skip")
	assert.NotContains(t, cols, "author", "associations are not columns")
	assert.Equal(t, model.TypeUint64, cols["n"].Type)
	assert.Equal(t, model.PresenceOptional, cols["maybe"].Presence)
	assert.Equal(t, model.PresenceWrapper, cols["wrapped"].Presence)
	assert.Equal(t, model.TypeInt64, cols["wrapped"].Type)
	assert.Equal(t, model.TypeJSON, cols["tags"].Type)
	assert.Equal(t, model.TypeEnumName, cols["e"].Type)
	assert.Equal(t, model.PresenceOneof, cols["a"].Presence)
	assert.Same(t, author, cols["author_handle"].References)
	assert.Same(t, cols["delete_time"], post.SoftDelete)

	require.Len(t, post.Indexes, 1)
	assert.Equal(t, "by_author", post.Indexes[0].Name)
	assert.Equal(t, "NUMERIC(20,0)", cols["n"].Type.SQL(model.Postgres, 0))
	assert.Equal(t, "BIGINT UNSIGNED", cols["n"].Type.SQL(model.MySQL, 0))
	assert.Equal(t, "TEXT", cols["n"].Type.SQL(model.SQLite, 0))
}

func TestBuildReportsAllProblems(t *testing.T) {
	_, err := build(t, header+`
message A {
  option (protoforge.v1.model) = {};
  repeated int64 id = 1 [(protoforge.v1.field) = {primary_key: true}];
  int64 n = 2 [(protoforge.v1.field) = {size: 3}];
}
message B {
  option (protoforge.v1.model) = {};
  string name = 1;
}
`)
	require.Error(t, err)
	assert.Equal(t, `t/v1/t.proto:8:1: message t.v1.A: model has no primary key; mark a field with [(protoforge.v1.field) = {primary_key: true}] or add a field `+"`int64 id`"+`
t/v1/t.proto:10:3: field t.v1.A.id: (protoforge.v1.field).primary_key is not allowed on a repeated field; keys are single scalar, enum or string fields
t/v1/t.proto:11:3: field t.v1.A.n: (protoforge.v1.field).size is only allowed on string fields, not int64; remove it
t/v1/t.proto:13:1: message t.v1.B: model has no primary key; mark a field with [(protoforge.v1.field) = {primary_key: true}] or add a field `+"`int64 id`", err.Error())
}

func TestGoCommentDropsLintDirectives(t *testing.T) {
	for in, want := range map[string]string{
		" Returns a book.\n\n AIP-131: the response is the resource itself.\n buf:lint:ignore RPC_REQUEST_RESPONSE_UNIQUE\n buf:lint:ignore RPC_RESPONSE_STANDARD_NAME\n": " Returns a book.\n\n AIP-131: the response is the resource itself.\n",
		" buf:lint:ignore RPC_RESPONSE_STANDARD_NAME\n":                  "",
		" Adds a book.\n\n buf:lint:ignore RPC_RESPONSE_STANDARD_NAME\n": " Adds a book.\n",
		" Mentions buf:lint:ignore in passing.\n":                        " Mentions buf:lint:ignore in passing.\n",
		" bad \x00 byte \xff\n":                                          " bad \uFFFD byte \uFFFD\n",
	} {
		assert.Equal(t, want, string(model.GoComment(protogen.Comments(in))), "%q", in)
	}
}

// TestRulesOutside: a lower bound at or above the upper one is an
// exclusive range (both validation libraries read it so; at equal bounds,
// where they differ, the reading that lets more through).
func TestRulesOutside(t *testing.T) {
	for _, tc := range []struct {
		min, max string
		want     bool
	}{
		{"1", "5", false}, {"10", "5", true}, {"5", "5", true}, {"0", "-5", true}, {"-5", "0", false},
		{"1", "", false}, {"", "5", false}, {"18446744073709551615", "1", true}, {"0.5", "0.25", true},
	} {
		if got := (model.Rules{Min: tc.min, Max: tc.max}).Outside(); got != tc.want {
			t.Errorf("Min %q, Max %q: Outside() = %v, want %v", tc.min, tc.max, got, tc.want)
		}
	}
}

// TestRoleUID: the AIP-148 uid is the server's only when it is an
// output-only plain string; any other uid is the client's.
func TestRoleUID(t *testing.T) {
	s, err := build(t, `syntax = "proto3";
package t.v1;
import "google/api/field_behavior.proto";
import "protoforge/v1/options.proto";
option go_package = "example.com/t/v1;tv1";
message A {
  option (protoforge.v1.model) = {};
  int64 id = 1;
  string uid = 2 [(google.api.field_behavior) = OUTPUT_ONLY];
}
message B {
  option (protoforge.v1.model) = {};
  int64 id = 1;
  string uid = 2;
}
message C {
  option (protoforge.v1.model) = {};
  int64 id = 1;
  int64 uid = 2 [(google.api.field_behavior) = OUTPUT_ONLY];
}
message D {
  option (protoforge.v1.model) = {};
  int64 id = 1;
  optional string uid = 2 [(google.api.field_behavior) = OUTPUT_ONLY];
}
`)
	require.NoError(t, err)
	for i, want := range []model.Role{model.RoleUID, model.RoleOrdinary, model.RoleOrdinary, model.RoleOrdinary} {
		m := s.Models[i]
		var uid *model.Field
		for _, c := range m.Columns {
			if c.Column == "uid" {
				uid = c
			}
		}
		require.NotNil(t, uid, "%s", m.Desc.FullName())
		assert.Equal(t, want, uid.Role, "%s", m.Desc.FullName())
	}
}

// TestKeyWithPresence: a key with presence is refused with the fix its
// syntax needs: proto2 (required included), editions' explicit presence,
// a oneof member.
func TestKeyWithPresence(t *testing.T) {
	for src, want := range map[string]string{
		`syntax = "proto2";
package t.v1;
import "protoforge/v1/options.proto";
option go_package = "example.com/t/v1;tv1";
message A {
  option (protoforge.v1.model) = {};
  required string code = 1 [(protoforge.v1.field) = {primary_key: true}];
}
`: "as every singular field of proto2 has (required too), and a key column cannot be NULL; declare the model in proto3",
		`edition = "2023";
package t.v1;
import "protoforge/v1/options.proto";
option go_package = "example.com/t/v1;tv1";
message A {
  option (protoforge.v1.model) = {};
  string code = 1 [(protoforge.v1.field) = {primary_key: true}];
}
`: "explicit presence (the default of editions), and a key column cannot be NULL; add [features.field_presence = IMPLICIT]",
		header + `
message A {
  option (protoforge.v1.model) = {};
  oneof k { string code = 1 [(protoforge.v1.field) = {primary_key: true}]; }
}
`: "a member of oneof k",
	} {
		_, err := build(t, src)
		require.Error(t, err)
		assert.Contains(t, err.Error(), want)
		assert.NotContains(t, err.Error(), "remove `optional`")
	}
}

// TestInputOnlyRefused: INPUT_ONLY (AIP-203) is refused, at the field,
// where no response could leave it out or where the server would tell the
// stored value; a plain INPUT_ONLY field is not queryable, and one that is
// also IMMUTABLE is built.
func TestInputOnlyRefused(t *testing.T) {
	const h = `syntax = "proto3";
package t.v1;
import "google/api/field_behavior.proto";
import "google/protobuf/timestamp.proto";
import "protoforge/v1/options.proto";
option go_package = "example.com/t/v1;tv1";
`
	for name, c := range map[string]struct{ src, want string }{
		"etag":   {`message A { option (protoforge.v1.model) = {}; int64 id = 1; string etag = 2 [(google.api.field_behavior) = INPUT_ONLY]; }`, "t.v1.A.etag: is INPUT_ONLY, and the server manages it"},
		"key":    {`message A { option (protoforge.v1.model) = {}; int64 id = 1 [(google.api.field_behavior) = INPUT_ONLY]; }`, "t.v1.A.id: is INPUT_ONLY, and the server manages it"},
		"time":   {`message A { option (protoforge.v1.model) = {}; int64 id = 1; google.protobuf.Timestamp create_time = 2 [(google.api.field_behavior) = INPUT_ONLY]; }`, "t.v1.A.create_time: is INPUT_ONLY"},
		"output": {`message A { option (protoforge.v1.model) = {}; int64 id = 1; string s = 2 [(google.api.field_behavior) = INPUT_ONLY, (google.api.field_behavior) = OUTPUT_ONLY]; }`, "t.v1.A.s: is INPUT_ONLY and OUTPUT_ONLY"},
		"unique": {`message A { option (protoforge.v1.model) = {}; int64 id = 1; string s = 2 [(google.api.field_behavior) = INPUT_ONLY, (protoforge.v1.field) = {unique: true}]; }`, "t.v1.A.s: is INPUT_ONLY and in index"},
		"order":  {`message A { option (protoforge.v1.model) = {order_by: ["s"]}; int64 id = 1; string s = 2 [(google.api.field_behavior) = INPUT_ONLY]; }`, "t.v1.A.s: is INPUT_ONLY and in"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := build(t, h+c.src)
			require.Error(t, err)
			assert.Contains(t, err.Error(), c.want)
			assert.Contains(t, err.Error(), "t/v1/t.proto:")
		})
	}
	// With IMMUTABLE it is set on Create only: the server refuses every
	// update that names it, whatever it holds (Cloud Workflows' tags).
	_, err := build(t, h+`message A { option (protoforge.v1.model) = {}; int64 id = 1; string s = 2 [(google.api.field_behavior) = INPUT_ONLY, (google.api.field_behavior) = IMMUTABLE]; }`)
	require.NoError(t, err)
	s, err := build(t, h+`message A { option (protoforge.v1.model) = {}; int64 id = 1; string s = 2 [(google.api.field_behavior) = INPUT_ONLY]; }`)
	require.NoError(t, err)
	for _, c := range s.Models[0].Columns {
		if c.Column == "s" {
			assert.False(t, c.Queryable)
		}
	}
}
