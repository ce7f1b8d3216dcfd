package crudrt_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/protoforge/protoforge/crudrt"

	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/ormrt"
)

// TestConversionsFromMethods: the conversions NewService takes from the
// generated ToModel and ToProto methods give what the methods give, nil
// for nil with the type kept, the methods' errors, and refuse values of
// another type instead of reading them as the resource's.
func TestConversionsFromMethods(t *testing.T) {
	toModel, toProto, err := crudrt.Conversions((*libraryv1.Book)(nil), (*libraryv1.BookModel)(nil))
	if err != nil {
		t.Fatal(err)
	}
	b := &libraryv1.Book{Id: 7, Title: "Dune", AuthorId: 3, Isbn: 18446744073709551615, Tags: []string{"sf"}, Metadata: map[string]string{"k": "v"}}
	m, err := toModel(b)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := b.ToModel()
	bm, ok := m.(*libraryv1.BookModel)
	if !ok || bm.Id != want.Id || bm.Title != want.Title || bm.Isbn != want.Isbn || string(bm.Tags) != string(want.Tags) {
		t.Fatalf("toModel = %#v; want %#v", m, want)
	}
	back, err := toProto(m)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := back.(*libraryv1.Book); !ok || !proto.Equal(back, b) {
		t.Fatalf("toProto = %v; want %v", back, b)
	}

	// nil gives a nil of the type, as the methods return it.
	m, err = toModel((*libraryv1.Book)(nil))
	if err != nil || m == nil || m.(*libraryv1.BookModel) != nil {
		t.Errorf("toModel(nil) = %#v, %v; want a nil *BookModel", m, err)
	}
	p, err := toProto((*libraryv1.BookModel)(nil))
	if err != nil || p == nil || p.(*libraryv1.Book) != nil {
		t.Errorf("toProto(nil) = %#v, %v; want a nil *Book", p, err)
	}

	// The methods' errors come back as they are.
	bad := &libraryv1.BookModel{Tags: ormrt.JSON(`{"not":"a list"}`)}
	_, err = toProto(bad)
	_, wantErr := bad.ToProto()
	if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
		t.Errorf("toProto of a bad JSON list: %v; want %v", err, wantErr)
	}

	// Another type is refused, not reinterpreted.
	if _, err := toModel(&libraryv1.Author{Id: 1}); err == nil || !strings.Contains(err.Error(), "Author") {
		t.Errorf("toModel(*Author) = %v; want an error", err)
	}
	if _, err := toProto(&libraryv1.AuthorModel{Id: 1}); err == nil {
		t.Error("toProto(*AuthorModel) succeeded")
	}
	if _, err := toProto(nil); err == nil {
		t.Error("toProto(nil interface) succeeded")
	}
}

// TestConversionsRefuseOtherSignatures: types without the generated
// methods, or with other signatures, are refused when the service is
// made, naming the method.
func TestConversionsRefuseOtherSignatures(t *testing.T) {
	for _, c := range []struct {
		msg   proto.Message
		model any
		want  string
	}{
		{(*libraryv1.Book)(nil), (*libraryv1.AuthorModel)(nil), "ToModel"},         // ToModel gives a *BookModel
		{(*libraryv1.GetBookRequest)(nil), (*libraryv1.BookModel)(nil), "ToModel"}, // no ToModel
		{(*libraryv1.Book)(nil), libraryv1.BookModel{}, "pointers"},
	} {
		_, _, err := crudrt.Conversions(c.msg, c.model)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("conversions(%T, %T) = %v; want an error naming %s", c.msg, c.model, err, c.want)
		}
	}
}

// TestGeneratedDocumentAndRules: the generated <Service>OpenAPI and
// <Service>RESTRules give each caller a value of its own, the same for
// every service of a file.
func TestGeneratedDocumentAndRules(t *testing.T) {
	a, b := libraryv1.BookServiceOpenAPI(), libraryv1.AuthorServiceOpenAPI()
	if len(a) == 0 || string(a) != string(b) {
		t.Fatalf("the services of one file have one document: %d and %d bytes", len(a), len(b))
	}
	a[0] = 'x'
	if c := libraryv1.BookServiceOpenAPI(); c[0] == 'x' {
		t.Error("a caller's change to the document reached the next caller")
	}
	r1, r2 := libraryv1.BookServiceRESTRules(), libraryv1.BookServiceRESTRules()
	if len(r1) != 10 || r1[0].GetGet() != "/v1/books/{id}" || r1[0].GetSelector() != "library.v1.BookService.GetBook" {
		t.Fatalf("BookServiceRESTRules() = %v", r1)
	}
	r1[0].Selector = "changed"
	if r2[0].GetSelector() != "library.v1.BookService.GetBook" || libraryv1.BookServiceRESTRules()[0].GetSelector() != "library.v1.BookService.GetBook" {
		t.Error("a caller's change to the rules reached another caller")
	}
}
