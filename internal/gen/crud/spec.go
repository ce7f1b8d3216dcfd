package crud

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"google.golang.org/protobuf/compiler/protogen"

	"github.com/protoforge/protoforge/internal/gen/model"
)

// The Spec of a crudrt.Resource: JSON whose names and values are those of
// crudrt's description types (crudrt.Resource, Column, Index, Order,
// ParentTable, Child, Referrer, Method, and the text forms of crudrt.Role,
// crudrt.Op and query.Kind). The runtime decodes it refusing unknown
// names, and Resource.Check refuses what does not match the messages and
// the model, so that a difference between the two sides stops the
// program at start-up.
type (
	specResource struct {
		Name       string
		Table      string
		Collection string         `json:",omitempty"`
		Field      string         `json:",omitempty"`
		Columns    []specColumn   `json:",omitempty"`
		Indexes    []specIndex    `json:",omitempty"`
		Orders     []specOrder    `json:",omitempty"`
		Operations string         `json:",omitempty"`
		Parent     *specParent    `json:",omitempty"`
		Children   []specChild    `json:",omitempty"`
		Referrers  []specReferrer `json:",omitempty"`
		IDField    string         `json:",omitempty"`
		Methods    []specMethod   `json:",omitempty"`
	}
	specColumn struct {
		Path          string
		Name          string
		GoField       string
		Type          string
		Role          string         `json:",omitempty"`
		Queryable     bool           `json:",omitempty"`
		Kind          string         `json:",omitempty"`
		Nullable      bool           `json:",omitempty"`
		MaxLen        int            `json:",omitempty"`
		AutoIncrement bool           `json:",omitempty"`
		NamePattern   string         `json:",omitempty"`
		RefersTo      *specReference `json:",omitempty"`
	}
	specReference struct {
		Name       string
		Table      string
		Pattern    string
		Columns    []string
		DeleteTime string `json:",omitempty"`
	}
	specIndex struct {
		Name    string
		Columns []string
		Desc    []bool `json:",omitempty"`
		Unique  bool   `json:",omitempty"`
	}
	specOrder struct {
		OrderBy string
		Columns []string
		Desc    []bool
	}
	specParent struct {
		Name    string
		Table   string
		Columns []string
		Tenant  string `json:",omitempty"`
	}
	specChild struct {
		Name       string
		Table      string
		Columns    []string
		DeleteTime string         `json:",omitempty"`
		Key        []string       `json:",omitempty"`
		Referrers  []specReferrer `json:",omitempty"`
	}
	specReferrer struct {
		Name       string
		Table      string
		Column     string
		Keys       []string
		DeleteTime string `json:",omitempty"`
	}
	specMethod struct {
		Name                                                    string
		Op                                                      string
		Request, Response                                       string
		Key, NameField, Keys, Names, Etag, Force                string   `json:",omitempty"`
		Parent, ResourceID, Resource, Mask                      string   `json:",omitempty"`
		PageSize, PageToken, Filter, OrderBy, ShowDeleted, Skip string   `json:",omitempty"`
		Requests, RequestResource, RequestParent, RequestID     string   `json:",omitempty"`
		Items, NextPageToken                                    string   `json:",omitempty"`
		ReturnsEmpty                                            bool     `json:",omitempty"`
		ReadMask, ValidateOnly, AllowMissing                    string   `json:",omitempty"`
		Unsupported                                             []string `json:",omitempty"`
	}
)

// roleNames are crudrt.Role's text forms.
var roleNames = map[model.Role]string{
	model.RoleID: "id", model.RoleEtag: "etag", model.RoleDeleteTime: "delete_time",
	model.RoleCreateTime: "create_time", model.RoleUpdateTime: "update_time", model.RoleTenant: "tenant",
	model.RolePurgeTime: "purge_time", model.RoleParent: "parent", model.RoleReference: "reference",
}

// kindNames are query.Kind's text forms, by the model's kind constants.
var kindNames = map[string]string{
	"KindBool": "bool", "KindInt": "int", "KindUint64": "uint64", "KindFloat": "float", "KindString": "string",
	"KindTimestamp": "timestamp", "KindEnum": "enum", "KindEnumName": "enum_name",
}

// opNames are crudrt.Op's text forms.
var opNames = map[model.Operation]string{
	model.OpGet: "Get", model.OpList: "List", model.OpCreate: "Create", model.OpUpdate: "Update",
	model.OpDelete: "Delete", model.OpUndelete: "Undelete", model.OpBatchGet: "BatchGet",
	model.OpBatchCreate: "BatchCreate", model.OpBatchDelete: "BatchDelete",
}

// resourceSpec is the description of model sm as its service serves it.
func resourceSpec(sm *model.ServiceModel) specResource {
	m := sm.Model
	r := specResource{Name: string(m.Desc.FullName()), Table: m.Table, Collection: sm.Collection, Field: sm.ResourceField}
	for _, f := range m.Columns {
		c := specColumn{Path: string(f.Desc.Name()), Name: f.Column, GoField: f.GoName, Type: f.Type.String(), Role: roleNames[f.Role],
			Nullable: f.Nullable(), MaxLen: f.MaxLen, AutoIncrement: f.PrimaryKey && m.AutoIncrement, NamePattern: f.NamePattern}
		if f.QueryKind != "" {
			c.Queryable, c.Kind = true, kindNames[f.QueryKind]
		}
		if t := f.RefersTo; t != nil {
			c.RefersTo = &specReference{Name: string(t.Desc.FullName()), Table: t.Table, Pattern: t.Name.NamePattern, Columns: columnNames(t.Name.NameParts)}
			if t.SoftDelete != nil {
				c.RefersTo.DeleteTime = t.SoftDelete.Column
			}
		}
		r.Columns = append(r.Columns, c)
	}
	for _, ix := range m.Indexes {
		r.Indexes = append(r.Indexes, specIndex{Name: ix.Name, Columns: columnNames(ix.Columns), Desc: ix.Desc, Unique: ix.Unique})
	}
	for _, o := range m.Orders {
		r.Orders = append(r.Orders, specOrder{OrderBy: o.Text, Columns: columnNames(o.Columns), Desc: o.Desc})
	}
	var ops []string
	for _, meth := range sm.Methods {
		ops = append(ops, opNames[meth.Op])
	}
	r.Operations = strings.Join(ops, "|")
	if p := m.Parent; p != nil {
		r.Parent = &specParent{Name: string(p.Desc.FullName()), Table: p.Table, Columns: columnNames(p.PrimaryKey)}
		if p.Tenant != nil {
			r.Parent.Tenant = p.Tenant.Column
		}
	}
	for _, f := range m.Referrers {
		r.Referrers = append(r.Referrers, referrerSpec(f))
	}
	for _, c := range m.Children {
		child := specChild{Name: string(c.Desc.FullName()), Table: c.Table, Columns: columnNames(c.Name.NameParts[:len(m.Name.NameParts)])}
		if softUnder(c, m) {
			child.DeleteTime = c.SoftDelete.Column
		}
		if len(c.Referrers) > 0 {
			child.Key = columnNames(c.Name.NameParts)
			for _, f := range c.Referrers {
				child.Referrers = append(child.Referrers, referrerSpec(f))
			}
		}
		r.Children = append(r.Children, child)
	}
	for _, meth := range sm.Methods {
		if meth.ResourceID != nil {
			r.IDField = string(meth.ResourceID.Desc.Name())
			break
		}
	}
	for _, meth := range sm.Methods {
		r.Methods = append(r.Methods, methodSpec(meth))
	}
	return r
}

// referrerSpec describes reference field f.
func referrerSpec(f *model.Field) specReferrer {
	r := specReferrer{Name: string(f.FullName()), Table: f.Model.Table, Column: f.Column, Keys: columnNames(f.RefParts)}
	if f.Model.SoftDelete != nil {
		r.DeleteTime = f.Model.SoftDelete.Column
	}
	return r
}

// methodSpec describes m: its operation, its messages, and the request and
// response fields it serves, by proto name.
func methodSpec(m *model.Method) specMethod {
	name := func(f *protogen.Field) string {
		if f == nil {
			return ""
		}
		return string(f.Desc.Name())
	}
	s := specMethod{
		Name: string(m.Desc.FullName()), Op: opNames[m.Op],
		Request: string(m.Input.Desc.FullName()), Response: string(m.Output.Desc.FullName()),
		Key: name(m.Key), NameField: name(m.Name), Keys: name(m.Keys), Names: name(m.Names), Etag: name(m.Etag), Force: name(m.Force),
		Parent: name(m.Parent), Resource: name(m.Resource), Mask: name(m.Mask),
		PageSize: name(m.PageSize), PageToken: name(m.PageToken), Filter: name(m.Filter), OrderBy: name(m.OrderBy),
		ShowDeleted: name(m.ShowDeleted), Skip: name(m.Skip),
		Requests: name(m.Requests), RequestResource: name(m.RequestResource), RequestParent: name(m.RequestParent),
		Items: name(m.Items), NextPageToken: name(m.NextPageToken), ReturnsEmpty: m.ReturnsEmpty,
		ReadMask: name(m.ReadMask), ValidateOnly: name(m.ValidateOnly), AllowMissing: name(m.AllowMissing),
		Unsupported: m.Unsupported,
	}
	// BatchCreate's `{resource}_id` is a field of each of its requests.
	if m.Op == model.OpBatchCreate {
		s.RequestID = name(m.ResourceID)
	} else {
		s.ResourceID = name(m.ResourceID)
	}
	return s
}

// columnNames are the column names of fs.
func columnNames(fs []*model.Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Column
	}
	return out
}

// specLiteral spells r as a Go string literal of JSON: a raw string with
// one key, and one element of each list, per line.
func specLiteral(r specResource) string {
	var b bytes.Buffer
	b.WriteString("{")
	top, err := json.Marshal(r)
	if err != nil {
		panic(err) // the spec types are plain data
	}
	// Walk the top-level keys in order, writing lists one element a line.
	dec := json.NewDecoder(bytes.NewReader(top))
	_, _ = dec.Token() // {
	first := true
	for dec.More() {
		tok, _ := dec.Token()
		key := tok.(string)
		var raw json.RawMessage
		_ = dec.Decode(&raw)
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString("\n\t" + strconv.Quote(key) + ": ")
		var elems []json.RawMessage
		if raw[0] == '[' && json.Unmarshal(raw, &elems) == nil && len(elems) > 0 && elems[0][0] == '{' {
			b.WriteString("[")
			for i, e := range elems {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString("\n\t\t")
				b.Write(e)
			}
			b.WriteString("\n\t]")
			continue
		}
		b.Write(raw)
	}
	b.WriteString("\n}")
	if bytes.ContainsRune(b.Bytes(), '`') {
		return strconv.Quote(string(top))
	}
	return "`" + b.String() + "`"
}
