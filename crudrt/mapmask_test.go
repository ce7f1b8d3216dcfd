package crudrt_test

import (
	"context"
	"maps"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestUpdateMapEntries updates single entries of a map field through
// AIP-161 mask paths ("metadata.genre", "metadata.`a.b`"): an entry the
// request has is set, one it has not is removed, the others are kept;
// malformed entry paths are InvalidArgument naming update_mask.
func TestUpdateMapEntries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		books, a := generatedLibrary(t, db)
		ctx := context.Background()
		b, err := books.CreateBook(ctx, &libraryv1.CreateBookRequest{Book: &libraryv1.Book{Title: "t", AuthorId: a.Id, Isbn: 1, Metadata: map[string]string{"genre": "sf", "lang": "en"}}})
		if err != nil {
			t.Fatal(err)
		}
		update := func(meta map[string]string, paths ...string) (*libraryv1.Book, error) {
			return books.UpdateBook(ctx, &libraryv1.UpdateBookRequest{Book: &libraryv1.Book{Id: b.Id, Metadata: meta}, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
		}
		for _, step := range []struct {
			meta  map[string]string
			paths []string
			want  map[string]string
		}{
			{map[string]string{"genre": "fantasy", "other": "x"}, []string{"metadata.genre"}, map[string]string{"genre": "fantasy", "lang": "en"}},
			{nil, []string{"metadata.lang"}, map[string]string{"genre": "fantasy"}},
			{map[string]string{"a.b": "dotted", "it`s": "tick"}, []string{"metadata.`a.b`", "metadata.`it``s`"}, map[string]string{"genre": "fantasy", "a.b": "dotted", "it`s": "tick"}},
			{map[string]string{"n1": "v"}, []string{"metadata.n1", "tags"}, map[string]string{"genre": "fantasy", "a.b": "dotted", "it`s": "tick", "n1": "v"}},
		} {
			got, err := update(step.meta, step.paths...)
			if err != nil {
				t.Fatalf("%v: %v", step.paths, err)
			}
			if !maps.Equal(got.Metadata, step.want) {
				t.Errorf("%v: metadata %v, want %v", step.paths, got.Metadata, step.want)
			}
			back, err := books.GetBook(ctx, &libraryv1.GetBookRequest{Id: b.Id})
			if err != nil || !maps.Equal(back.Metadata, step.want) {
				t.Errorf("%v: stored %v (%v), want %v", step.paths, back.GetMetadata(), err, step.want)
			}
		}
		for _, bad := range []string{"metadata.a.b", "metadata.`a", "metadata.`a`b`", "metadata.", "metadata.a-b", "title.x"} {
			_, err := update(nil, bad)
			if connect.CodeOf(err) != connect.CodeInvalidArgument {
				t.Errorf("%q: %v, want InvalidArgument", bad, err)
			} else {
				wantInvalid(t, err, "update_mask")
			}
		}
		// A path past an entry says so, whatever the key's spelling.
		for bad, entry := range map[string]string{"metadata.a.b": "metadata.a", "metadata.`a.b`.c": "metadata.`a.b`", "metadata.`x``y`.z.w": "metadata.`x``y`"} {
			_, err := update(nil, bad)
			if want := "a path ends at a map's entry (" + entry + ")"; err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%q: %v, want InvalidArgument saying %q", bad, err, want)
			}
		}
	})
}
