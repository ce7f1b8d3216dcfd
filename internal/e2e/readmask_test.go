package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"connectrpc.com/connect"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	nestedv1 "github.com/protoforge/protoforge/internal/gen/crud/testdata/aip_nested/want/aipnestedv1"
	"github.com/protoforge/protoforge/internal/testdb"
)

// TestReadMaskAndUnservedFields serves requests with an AIP-157
// read_mask, an AIP-163 validate_only, and a field the generated method
// does not serve (each of BatchCreate's requests' validate_only), over
// gRPC and REST on every database: the answer holds only the masked
// fields, a mask naming no
// field is InvalidArgument naming read_mask; a validate-only write answers
// what the write would, with its errors, and stores nothing; a request
// that sets the unserved field is refused, naming it; allow_missing
// creates on Update and succeeds on Delete.
func TestReadMaskAndUnservedFields(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, c, "acme", "fiction")
		b, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "dune", Book: &nestedv1.Book{Title: "Dune", Isbn: "1", Pages: 412}})
		require.NoError(t, err)

		got, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"name", "title"}}})
		require.NoError(t, err)
		assert.Equal(t, b.Name, got.Name)
		assert.Equal(t, "Dune", got.Title)
		assert.Zero(t, got.Pages, "a field outside the mask")
		assert.Nil(t, got.CreateTime, "a field outside the mask")
		assert.Empty(t, got.Etag, "a field outside the mask")

		for _, mask := range [][]string{nil, {"*"}} {
			got, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name, ReadMask: &fieldmaskpb.FieldMask{Paths: mask}})
			require.NoError(t, err)
			assert.EqualValues(t, 412, got.Pages, "mask %q keeps every field", mask)
			assert.NotNil(t, got.CreateTime)
		}

		list, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: shelf, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{"pages"}}})
		require.NoError(t, err)
		require.Len(t, list.Books, 1)
		assert.EqualValues(t, 412, list.Books[0].Pages)
		assert.Empty(t, list.Books[0].Name, "a field outside the mask")

		for _, bad := range [][]string{{"colour"}, {"title.x"}, {"name", "*"}} {
			_, err = c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name, ReadMask: &fieldmaskpb.FieldMask{Paths: bad}})
			require.Equal(t, codes.InvalidArgument, status.Code(err), "mask %q: %v", bad, err)
			assert.Equal(t, []string{"read_mask"}, grpcViolationFields(t, err), "mask %q", bad)
		}

		// Over REST the mask is a query parameter, in either spelling.
		resp, body := restDo(t, "GET", base+"/v1/"+b.Name+"?read_mask=title,createTime", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var rb nestedv1.Book
		require.NoError(t, protojson.Unmarshal(body, &rb))
		assert.Equal(t, "Dune", rb.Title)
		assert.NotNil(t, rb.CreateTime)
		assert.Empty(t, rb.Name)
		resp, body = restDo(t, "GET", base+"/v1/"+b.Name+"?read_mask=colour", "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), "read_mask")

		// The mask in the query reads as it does over gRPC: proto names,
		// "*", one path per repeated parameter, the paths of a List.
		for q, want := range map[string][]string{
			"read_mask=title,create_time":       {"title", "create_time"},
			"read_mask=*":                       nil,
			"read_mask=title&read_mask=pages":   {"title", "pages"},
			"readMask=printRun":                 {"print_run"},
			"read_mask.paths=name":              {"name"},
			"read_mask=ebook.format,createTime": {"ebook.format", "create_time"},
		} {
			resp, body = restDo(t, "GET", base+"/v1/"+b.Name+"?"+q, "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s: %s", q, body)
			var rest nestedv1.Book
			require.NoError(t, protojson.Unmarshal(body, &rest), "%s", q)
			viaGRPC, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name, ReadMask: &fieldmaskpb.FieldMask{Paths: want}})
			require.NoError(t, err, "%s", q)
			assert.True(t, proto.Equal(viaGRPC, &rest), "%s: REST %v, gRPC %v", q, &rest, viaGRPC)
		}
		resp, body = restDo(t, "GET", base+"/v1/"+shelf+"/books?read_mask=pages,create_time", "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var rl nestedv1.ListBooksResponse
		require.NoError(t, protojson.Unmarshal(body, &rl))
		require.Len(t, rl.Books, 1)
		assert.EqualValues(t, 412, rl.Books[0].Pages)
		assert.NotNil(t, rl.Books[0].CreateTime)
		assert.Empty(t, rl.Books[0].Title, "a field outside the mask")
		// What the service refuses over gRPC it refuses over REST, naming
		// read_mask; two spellings of the parameter are two masks.
		for _, q := range []string{"read_mask=name,", "read_mask=name,*", "read_mask=title&read_mask=", "read_mask=title.x"} {
			resp, body = restDo(t, "GET", base+"/v1/"+b.Name+"?"+q, "")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s: %s", q, body)
			assert.Contains(t, string(body), `"field":"read_mask"`, "%s", q)
		}
		resp, body = restDo(t, "GET", base+"/v1/"+b.Name+"?read_mask=title&readMask=pages", "")
		assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
		assert.Contains(t, string(body), "QUERY_REPEATS_FIELD")

		// validate_only (AIP-163): the write is carried out, every check
		// and constraint included, and rolled back.
		vb, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "emma", Book: &nestedv1.Book{Title: "Emma", Isbn: "2"}, ValidateOnly: true})
		require.NoError(t, err)
		assert.Equal(t, shelf+"/books/emma", vb.Name, "the answer is what Create would give")
		assert.NotNil(t, vb.CreateTime)
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "dune", Book: &nestedv1.Book{Title: "Dune", Isbn: "9"}, ValidateOnly: true})
		assert.Equal(t, codes.AlreadyExists, status.Code(err), "the database's constraints are checked: %v", err)
		_, err = c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "x", Book: &nestedv1.Book{Isbn: "4"}, ValidateOnly: true})
		assert.Equal(t, codes.InvalidArgument, status.Code(err), "validation: %v", err)
		ub, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, Title: "Dune Messiah"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}, ValidateOnly: true})
		require.NoError(t, err)
		assert.Equal(t, "Dune Messiah", ub.Title)
		assert.Equal(t, "2", ub.Etag, "the etag the update would give")
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: b.Name, Etag: "7", Title: "x"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}, ValidateOnly: true})
		assert.Equal(t, codes.Aborted, status.Code(err), "a stale etag: %v", err)
		del, err := c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: b.Name, ValidateOnly: true})
		require.NoError(t, err)
		assert.NotNil(t, del.DeleteTime, "the answer is the deleted book")
		resp, body = restDo(t, "POST", base+"/v1/"+shelf+"/books?book_id=ulysses&validate_only=true", `{"title":"Ulysses","isbn":"3"}`)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)

		// allow_missing: Update creates a book that does not exist, under the
		// parent and with the id of its name, the mask ignored (AIP-134);
		// without it, the book is NotFound. Delete of a shelf that does not
		// exist succeeds (AIP-135).
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: shelf + "/books/emma", Title: "Emma", Isbn: "2"}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		up, err := c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: shelf + "/books/emma", Title: "Emma", Isbn: "2", Pages: 3}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}, AllowMissing: true, ValidateOnly: true})
		require.NoError(t, err)
		assert.Equal(t, shelf+"/books/emma", up.Name)
		up, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: shelf + "/books/emma", Title: "Emma", Isbn: "2", Pages: 3}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}, AllowMissing: true})
		require.NoError(t, err)
		assert.Equal(t, shelf+"/books/emma", up.Name)
		assert.EqualValues(t, 3, up.Pages, "created from the whole resource: the mask is ignored")
		assert.Equal(t, "1", up.Etag)
		up, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: shelf + "/books/emma", Title: "Emma!", Pages: 9}, UpdateMask: &fieldmaskpb.FieldMask{Paths: []string{"title"}}, AllowMissing: true})
		require.NoError(t, err)
		assert.Equal(t, "Emma!", up.Title, "an existing book is updated")
		assert.EqualValues(t, 3, up.Pages, "through the mask")
		_, err = c.UpdateBook(ctx, &nestedv1.UpdateBookRequest{Book: &nestedv1.Book{Name: "publishers/acme/shelves/nowhere/books/x", Title: "X"}, AllowMissing: true})
		assert.Equal(t, codes.NotFound, status.Code(err), "the parent must exist: %v", err)
		_, err = c.DeleteShelf(ctx, &nestedv1.DeleteShelfRequest{Name: "publishers/acme/shelves/nowhere"})
		assert.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		_, err = c.DeleteShelf(ctx, &nestedv1.DeleteShelfRequest{Name: "publishers/acme/shelves/nowhere", AllowMissing: true})
		assert.NoError(t, err)
		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: shelf + "/books/emma"})
		require.NoError(t, err)
		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: shelf + "/books/emma"})
		require.Error(t, err, "a soft-deleted book is not deleted again")

		// A validate-only write records no request id (AIP-155): the id
		// is still free afterwards, for another request.
		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: b.Name, RequestId: "r-1", ValidateOnly: true})
		require.NoError(t, err)
		_, err = c.DeleteBook(ctx, &nestedv1.DeleteBookRequest{Name: shelf + "/books/nothing", RequestId: "r-1", ValidateOnly: true})
		require.Equal(t, codes.NotFound, status.Code(err), "%v", err)
		// Nor is each of BatchCreate's requests' own validate_only.
		_, err = c.BatchCreateBooks(ctx, &nestedv1.BatchCreateBooksRequest{Parent: shelf, Requests: []*nestedv1.CreateBookRequest{
			{BookId: "emma", Book: &nestedv1.Book{Title: "Emma", Isbn: "2"}},
			{BookId: "ulysses", Book: &nestedv1.Book{Title: "Ulysses", Isbn: "3"}, ValidateOnly: true},
		}})
		require.Equal(t, codes.InvalidArgument, status.Code(err), "%v", err)
		assert.Equal(t, []string{"requests[1].validate_only"}, grpcViolationFields(t, err))

		// Nothing was written by the validate-only calls and the refused ones.
		list, err = c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: shelf, ShowDeleted: true, OrderBy: "title"})
		require.NoError(t, err)
		require.Len(t, list.Books, 2)
		assert.Equal(t, "Dune", list.Books[0].Title)
		assert.Equal(t, "1", list.Books[0].Etag)
		assert.Nil(t, list.Books[0].DeleteTime)
		assert.Equal(t, "Emma!", list.Books[1].Title, "the book allow_missing created")
	})
}

// grpcViolationFields are the fields of the BadRequest details of err.
func grpcViolationFields(t *testing.T, err error) []string {
	t.Helper()
	var out []string
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.FieldViolations {
				out = append(out, v.Field)
			}
		}
	}
	return out
}

// TestReadMaskMapEntries: a read mask path may end at one entry of a map
// (AIP-161: "ebook.links.pdf", "ebook.links.`x.y`"); the answer holds the
// map with only the entries named that it has, the same over gRPC,
// Connect (JSON) and REST, keys as sent; a path past an entry is
// InvalidArgument naming read_mask, on every database.
func TestReadMaskMapEntries(t *testing.T) {
	testdb.Each(t, func(t *testing.T, db *gorm.DB) {
		base, c := serveNested(t, db)
		connectURL := serveNestedConnect(t, db)
		ctx := context.Background()
		shelf := nestedShelf(t, c, "acme", "fiction")
		links := map[string]string{"pdf": "p", "epub": "e", "x.y": "d", "it`s": "t", "someKey": "k"}
		b, err := c.CreateBook(ctx, &nestedv1.CreateBookRequest{Parent: shelf, BookId: "dune", Book: &nestedv1.Book{Title: "Dune", Isbn: "1",
			Edition: &nestedv1.Book_Ebook{Ebook: &nestedv1.Ebook{Format: "epub", Links: links}}}})
		require.NoError(t, err)

		for _, tc := range []struct {
			paths []string
			want  map[string]string
		}{
			{[]string{"ebook.links.pdf"}, map[string]string{"pdf": "p"}},
			{[]string{"ebook.links.pdf", "ebook.links.epub"}, map[string]string{"pdf": "p", "epub": "e"}},
			{[]string{"ebook.links.`x.y`", "ebook.links.`it``s`"}, map[string]string{"x.y": "d", "it`s": "t"}},
			{[]string{"ebook.links.someKey"}, map[string]string{"someKey": "k"}},
			{[]string{"ebook.links.missing", "ebook.links.pdf"}, map[string]string{"pdf": "p"}},
			{[]string{"ebook.links.missing"}, nil},
			{[]string{"ebook.links.pdf", "ebook.links"}, links},
		} {
			mask := &fieldmaskpb.FieldMask{Paths: append([]string{"title"}, tc.paths...)}
			got, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name, ReadMask: mask})
			require.NoError(t, err, "%q", tc.paths)
			assert.Equal(t, "Dune", got.Title)
			assert.Empty(t, got.GetEbook().GetFormat(), "%q: a field outside the mask", tc.paths)
			assert.Equal(t, tc.want, nonNil(got.GetEbook().GetLinks()), "%q over gRPC", tc.paths)
			list, err := c.ListBooks(ctx, &nestedv1.ListBooksRequest{Parent: shelf, ReadMask: mask})
			require.NoError(t, err)
			require.Len(t, list.Books, 1)
			assert.True(t, proto.Equal(got, list.Books[0]), "%q: List %v, Get %v", tc.paths, list.Books[0], got)

			q := url.Values{"read_mask": {strings.Join(mask.Paths, ",")}}
			resp, body := restDo(t, "GET", base+"/v1/"+b.Name+"?"+q.Encode(), "")
			require.Equal(t, http.StatusOK, resp.StatusCode, "%q: %s", tc.paths, body)
			var rest nestedv1.Book
			require.NoError(t, protojson.Unmarshal(body, &rest))
			assert.True(t, proto.Equal(got, &rest), "%q: REST %v, gRPC %v", tc.paths, &rest, got)

			resp, body = restDo(t, "POST", connectURL+nestedv1.NestedService_GetBook_FullMethodName, fmt.Sprintf(`{"name":%q,"readMask":%q}`, b.Name, strings.Join(mask.Paths, ",")))
			require.Equal(t, http.StatusOK, resp.StatusCode, "%q: %s", tc.paths, body)
			var overConnect nestedv1.Book
			require.NoError(t, protojson.Unmarshal(body, &overConnect))
			assert.True(t, proto.Equal(got, &overConnect), "%q: Connect %v, gRPC %v", tc.paths, &overConnect, got)
		}

		for _, bad := range []string{"ebook.links.pdf.x", "ebook.links.`x.y`.z", "ebook.links.`x", "ebook.links.a-b"} {
			_, err := c.GetBook(ctx, &nestedv1.GetBookRequest{Name: b.Name, ReadMask: &fieldmaskpb.FieldMask{Paths: []string{bad}}})
			require.Equal(t, codes.InvalidArgument, status.Code(err), "%q: %v", bad, err)
			assert.Equal(t, []string{"read_mask"}, grpcViolationFields(t, err), "%q", bad)
			resp, body := restDo(t, "GET", base+"/v1/"+b.Name+"?"+url.Values{"read_mask": {bad}}.Encode(), "")
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%q: %s", bad, body)
			assert.Contains(t, string(body), `"field":"read_mask"`, "%q", bad)
		}
	})
}

// nonNil is m, or nil when m is empty.
func nonNil(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

// serveNestedConnect serves GetBook of aip_nested's NestedService on db
// over Connect with crudrt's JSON codec, as the example serves its
// services, and returns the base URL.
func serveNestedConnect(t *testing.T, db *gorm.DB) string {
	t.Helper()
	svc := nestedv1.NewNestedServiceCRUD(db)
	mux := http.NewServeMux()
	mux.Handle(nestedv1.NestedService_GetBook_FullMethodName, connect.NewUnaryHandlerSimple(nestedv1.NestedService_GetBook_FullMethodName, svc.GetBook, connect.WithCodec(crudrt.JSON{})))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}
