package e2e_test

import (
	"context"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	singletonv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_singleton/want/aipsingletonv1"
	"github.com/protoforge/protoforge/internal/gen/gentest"
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

// TestUpdateSameValuesWritesNothing: an Update whose masked fields hold
// the values sent already, or that removes a map entry the book does not
// have, writes nothing (AIP-134: "all fields match, the existing resource
// is returned unchanged"): with a mask, without one, with "*", with
// allow_missing, over REST and as an element of a BatchUpdate, the book
// comes back as stored, its etag and update_time unchanged. The etag sent
// is still checked. On PostgreSQL the same holds through GORM
// (WithGORMOnly) as through pgx.
func TestUpdateSameValuesWritesNothing(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		applySchema(t, db, filepath.Join(gentest.RepoRoot(), "internal/gen/crud/testdata/aip_nested/want/aipnestedv1/schema", db.Dialector.Name()+".sql"))
		ways := map[string][]crudrt.Option{"default": nil}
		if db.Dialector.Name() == "postgres" {
			ways["gorm-only"] = []crudrt.Option{crudrt.WithGORMOnly()}
		}
		for way, opts := range ways {
			t.Run(way, func(t *testing.T) {
				base, conn := serveGRPCREST(t, func(gs *grpc.Server) {
					nestedv1.RegisterNestedServiceServer(gs, nestedv1.NewNestedServiceCRUD(db, opts...))
				}, nestedv1.NestedServiceRESTRules())
				c := nestedv1.NewNestedServiceClient(conn)
				ctx := context.Background()
				shelf := nestedShelf(t, c, strings.ReplaceAll(way, "-", ""), "fiction")
				dune, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "dune", Book: &nestedv1.Book{Title: "Dune", Pages: 412,
					Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Format: "epub", Links: map[string]string{"pdf": "https://x/pdf"}}}}})
				require.NoError(t, err)
				emma, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "emma", Book: &nestedv1.Book{Title: "Emma", Edition: &nestedv1.Book_PrintRun{PrintRun: 5}}})
				require.NoError(t, err)
				asStored := func(how string, want, got *nestedv1.Book) {
					t.Helper()
					assert.True(t, proto.Equal(want, got), "%s returned %v; want %v", how, got, want)
					stored, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: want.Name})
					require.NoError(t, err)
					assert.True(t, proto.Equal(want, stored), "%s: stored %v; want %v", how, stored, want)
				}
				mask := func(paths ...string) *fieldmaskpb.FieldMask { return &fieldmaskpb.FieldMask{Paths: paths} }
				for _, tc := range []struct {
					how string
					req *nestedv1.UpdateBookRequest
				}{
					{"same title", &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: dune.Name, Title: "Dune", Etag: dune.Etag}, UpdateMask: mask("title")}},
					{"no mask", &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: dune.Name, Title: "Dune", Pages: 412}}},
					{"all fields", &nestedv1.UpdateBookRequest{Book: proto.Clone(dune).(*nestedv1.Book), UpdateMask: mask("*")}},
					{"allow_missing", &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: dune.Name, Title: "Dune"}, UpdateMask: mask("title"), AllowMissing: true}},
					{"same map entry", &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: dune.Name,
						Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Links: map[string]string{"pdf": "https://x/pdf"}}}}, UpdateMask: mask("ebook.links.pdf")}},
					{"absent map entry removed", &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: dune.Name}, UpdateMask: mask("ebook.links.`a`")}},
				} {
					got, err := c.UpdateBook(ctx, tc.req)
					require.NoError(t, err, tc.how)
					asStored(tc.how, dune, got)
				}
				// A map entry removed from an ebook a printed book does not
				// have: the book stays printed.
				got, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: emma.Name}, UpdateMask: mask("ebook.links.pdf")})
				require.NoError(t, err)
				asStored("absent ebook's map entry removed", emma, got)

				resp, body := restDo(t, "PATCH", base+"/v1/"+dune.Name+"?update_mask=title,pages", `{"title":"Dune","pages":"412"}`)
				require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
				var rest nestedv1.Book
				require.NoError(t, protojson.Unmarshal(body, &rest))
				asStored("REST", dune, &rest)

				// The etag sent is checked all the same.
				_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: dune.Name, Title: "Dune", Etag: "7"}, UpdateMask: mask("title")})
				assert.Equal(t, codes.Aborted, status.Code(err), "stale etag: %v", err)

				batch, err := c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Parent: shelf, Requests: []*nestedv1.UpdateBookRequest{
					{Book: &nestedv1.Book{Name: dune.Name, Title: "Dune", Etag: dune.Etag}, UpdateMask: mask("title", "ebook.links.`a`")},
					{Book: &nestedv1.Book{Name: emma.Name, Title: "Emma 2"}, UpdateMask: mask("title")},
				}})
				require.NoError(t, err)
				asStored("BatchUpdate", dune, batch.Books[0])
				assert.Equal(t, "Emma 2", batch.Books[1].Title)
				assert.Equal(t, "2", batch.Books[1].Etag, "a changed value is written")
				_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Parent: shelf, Requests: []*nestedv1.UpdateBookRequest{
					{Book: &nestedv1.Book{Name: dune.Name, Title: "Dune", Etag: "7"}, UpdateMask: mask("title")},
				}})
				assert.Equal(t, codes.Aborted, status.Code(err), "BatchUpdate, stale etag: %v", err)

				// A changed value is written, as before.
				got, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: dune.Name, Title: "Dune II", Etag: dune.Etag}, UpdateMask: mask("title")})
				require.NoError(t, err)
				assert.Equal(t, "2", got.Etag)
				assert.True(t, got.UpdateTime.AsTime().After(dune.UpdateTime.AsTime()), "update_time %v moves past %v", got.UpdateTime.AsTime(), dune.UpdateTime.AsTime())
			})
		}
	})
}

// TestAllowMissingInvalidID: an Update with allow_missing of a book that
// does not exist, whose name ends in an id AIP-122 does not allow, is
// InvalidArgument naming book.name, the request's own field (the request
// has no book_id), in the BadRequest and the ErrorInfo; nothing is
// created. BatchUpdate does not serve allow_missing, and says so of the
// element that sets it.
func TestAllowMissingInvalidID(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveNested(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, c, "acme", "fiction")
		name := shelf + "/books/New_1"
		_, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: name, Title: "t"}, AllowMissing: true})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"book.name"}, grpcViolationFields(t, err))
		for _, d := range status.Convert(err).Details() {
			if info, ok := d.(*errdetails.ErrorInfo); ok {
				assert.Equal(t, "book.name", info.Metadata["fields"])
			}
		}
		assert.Contains(t, status.Convert(err).Message(), `"New_1" is not a valid resource id`)
		_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: name})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)

		_, err = c.BatchUpdateBooks(ctx, &nestedv1.BatchUpdateBooksRequest{Parent: shelf, Requests: []*nestedv1.UpdateBookRequest{
			{Book: &nestedv1.Book{Name: name, Title: "t"}, AllowMissing: true},
		}})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.NotContains(t, status.Convert(err).Message(), "book_id")
		assert.Contains(t, status.Convert(err).Message(), "requests[0].allow_missing")
	})
}

// TestSingletonFirstUpdateOfDefaults: the first Update of a singleton
// whose masked fields hold their defaults already, or that removes a map
// entry it does not have, leaves it unwritten (AIP-134, AIP-156): it
// returns what Get returns, and a stale etag is still Aborted.
func TestSingletonFirstUpdateOfDefaults(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		_, c := serveSingletons(t, db)
		ctx := context.Background()
		_, err := c.CreatePublisher(ctx, &singletonv1.CreatePublisherRequest{PublisherId: "acme", Publisher: &singletonv1.Publisher{DisplayName: "acme"}})
		require.NoError(t, err)
		const name = "publishers/acme/settings"
		before, err := c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: name})
		require.NoError(t, err)
		for _, paths := range [][]string{{"locale"}, {"locale", "page_size"}, {"labels.`a`"}, {"*"}} {
			got, err := c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{
				PublisherSettings: &singletonv1.PublisherSettings{Name: name}, UpdateMask: &fieldmaskpb.FieldMask{Paths: paths}})
			require.NoError(t, err, "%v", paths)
			assert.True(t, proto.Equal(before, got), "%v returned %v; want the unwritten %v", paths, got, before)
			after, err := c.GetPublisherSettings(ctx, &singletonv1.GetPublisherSettingsRequest{Name: name})
			require.NoError(t, err)
			assert.True(t, proto.Equal(before, after), "%v: stored %v; want the unwritten %v", paths, after, before)
		}
		_, err = c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{
			PublisherSettings: &singletonv1.PublisherSettings{Name: name, Etag: "3"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"locale"}}})
		assert.Equal(t, codes.Aborted, status.Code(err), "%v", err)
		got, err := c.UpdatePublisherSettings(ctx, &singletonv1.UpdatePublisherSettingsRequest{
			PublisherSettings: &singletonv1.PublisherSettings{Name: name, Locale: "fr"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"locale"}}})
		require.NoError(t, err)
		assert.Equal(t, "1", got.Etag, "a value that is not the default is written")
	})
}
