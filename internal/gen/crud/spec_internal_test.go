package crud

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/protoforge/protoforge/crudrt"
)

// TestSpecLiteral: the Spec is a Go string literal of the description's
// JSON, one key and one list element per line; a description holding a
// backquote, which a raw string cannot, is a quoted string of the same
// JSON.
func TestSpecLiteral(t *testing.T) {
	r := &crudrt.Resource{Name: "x.v1.Book", Table: "books", Operations: crudrt.OpGet,
		Columns: []crudrt.Column{{Path: "id", Name: "id", GoField: "Id", Type: "int64", Role: crudrt.RoleID}, {Path: "t", Name: "t", GoField: "T", Type: "string"}},
		Orders:  []crudrt.Order{{OrderBy: "t", Columns: []string{"t", "id"}, Desc: []bool{false, false}}}}
	lit := specLiteral(r)
	if !strings.HasPrefix(lit, "`{\n\t\"Name\": \"x.v1.Book\",\n") || !strings.Contains(lit, "\n\t\t{\"Path\":\"id\",") || !strings.HasSuffix(lit, "\n}`") {
		t.Errorf("literal:\n%s", lit)
	}
	decode := func(lit string) crudrt.Resource {
		s, err := strconv.Unquote(lit)
		if err != nil {
			t.Fatalf("%s: %v", lit, err)
		}
		var got crudrt.Resource
		if err := json.Unmarshal([]byte(s), &got); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		return got
	}
	if got := decode(lit); got.Name != r.Name || len(got.Columns) != 2 || got.Columns[0].Role != crudrt.RoleID || got.Operations != crudrt.OpGet || got.Orders[0].OrderBy != "t" {
		t.Errorf("decoded %+v", got)
	}
	r.Orders[0].OrderBy = "`t`"
	lit = specLiteral(r)
	if !strings.HasPrefix(lit, `"`) {
		t.Fatalf("a backquote in the description must give a quoted string: %s", lit)
	}
	if got := decode(lit); got.Orders[0].OrderBy != "`t`" {
		t.Errorf("decoded order %q", got.Orders[0].OrderBy)
	}
}
