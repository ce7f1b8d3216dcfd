package e2e_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	singletonv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_singleton/want/aipsingletonv1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestUpdateNamingNestedOutputOnly: a mask path through an OUTPUT_ONLY
// field of a message the resource holds (ebook.downloads) is ignored as the
// resource's own output-only fields are (AIP-203): an Update naming only
// such paths returns the book as stored and writes nothing (gRPC, REST,
// BatchUpdate), and does not switch a oneof to the message that holds it.
func TestUpdateNamingNestedOutputOnly(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, c, "acme", "fiction")
		mask := &fieldmaskpb.FieldMask{Paths: []string{"ebook.downloads"}}
		ebook, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "dune", Book: &nestedv1.Book{Title: "Dune", Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Format: "epub"}}}})
		require.NoError(t, err)
		printed, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "emma", Book: &nestedv1.Book{Title: "Emma", Edition: &nestedv1.Book_PrintRun{PrintRun: 5}}})
		require.NoError(t, err)
		asStored := func(how string, want, got *nestedv1.Book) {
			t.Helper()
			assert.True(t, proto.Equal(want, got), "%s returned %v; want %v", how, got, want)
			stored, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: want.Name})
			require.NoError(t, err)
			assert.True(t, proto.Equal(want, stored), "%s: stored %v; want %v", how, stored, want)
		}
		for _, b := range []*nestedv1.Book{ebook, printed} {
			got, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, Title: "Changed",
				Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Downloads: 9}}}, UpdateMask: mask})
			require.NoError(t, err, b.Title)
			asStored("gRPC "+b.Title, b, got)
		}
		resp, body := restDo(t, "PATCH", base+"/v1/"+ebook.Name+"?update_mask=ebook.downloads", `{"title":"Changed","ebook":{"downloads":"9"}}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var got nestedv1.Book
		require.NoError(t, protojson.Unmarshal(body, &got))
		asStored("REST", ebook, &got)
		batch, err := c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Parent: shelf, Requests: []*nestedv1.UpdateBookRequest{
			{Book: &nestedv1.Book{Name: ebook.Name, Title: "Changed"}, UpdateMask: mask},
			{Book: &nestedv1.Book{Name: printed.Name, Title: "Emma 2"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title", "ebook.downloads"}}},
		}})
		require.NoError(t, err)
		asStored("BatchUpdate", ebook, batch.Books[0])
		assert.Equal(t, "Emma 2", batch.Books[1].Title, "the path the client may set is written")
		assert.NotEqual(t, printed.Etag, batch.Books[1].Etag)
		assert.Equal(t, int64(5), batch.Books[1].GetPrintRun(), "the oneof keeps its member")
	})
}

// TestSingletonFirstUpdateNamingNothing: the first Update of a singleton
// whose mask names only server-managed fields leaves it unwritten (AIP-156):
// it returns what Get returns, and Get keeps returning the defaults; a
// later Update that names a field writes it.
func TestSingletonFirstUpdateNamingNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveSingletons(t, db)
		ctx := context.Background()
		for _, id := range []string{"acme", "globex"} {
			_, err := c.CreatePublisher(ctx, &singletonv1.CreatePublisherRequest{PublisherId: id, Publisher: &singletonv1.Publisher{DisplayName: id}})
			require.NoError(t, err)
		}
		const name = "publishers/acme/settings"
		before, err := c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: name})
		require.NoError(t, err)
		got, err := c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{
			PublisherSettings: &singletonv1.PublisherSettings{Name: name, Locale: "fr"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"etag"}}})
		require.NoError(t, err)
		assert.True(t, proto.Equal(before, got), "returned %v; want the unwritten %v", got, before)
		after, err := c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: name})
		require.NoError(t, err)
		assert.True(t, proto.Equal(before, after), "stored %v; want the unwritten %v", after, before)

		resp, body := restDo(t, "PATCH", base+"/v1/publishers/globex/settings?update_mask=etag", `{"locale":"de"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var rest singletonv1.PublisherSettings
		require.NoError(t, protojson.Unmarshal(body, &rest))
		assert.True(t, rest.Etag == "" && rest.Locale == "" && rest.CreateTime == nil, "REST: %s; want the unwritten settings", body)

		got, err = c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{
			PublisherSettings: &singletonv1.PublisherSettings{Name: name, Locale: "fr"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"locale", "etag"}}})
		require.NoError(t, err)
		assert.Equal(t, "fr", got.Locale)
		assert.NotEmpty(t, got.Etag, "written")
	})
}
