package crud

import (
	"bytes"
	"encoding/json"
	"strconv"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/protobuf/compiler/protogen"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/internal/gen/model"
)

// The Spec of a crudrt.Resource is the JSON of the crudrt.Resource the
// model describes, as encoding/json writes it from crudrt's own types
// (roles, operations and column kinds by name): the runtime decodes it
// into the same types, refusing unknown names, and Resource.Check refuses
// what does not match the messages and the model.

// resourceSpec is the description of model sm as its service serves it.
func resourceSpec(sm *model.ServiceModel) *crudrt.Resource {
	m := sm.Model
	r := &crudrt.Resource{Name: string(m.Desc.FullName()), Table: m.Table, Collection: sm.Collection, Field: sm.ResourceField, Literals: model.LiteralNames(m)}
	for _, f := range m.Columns {
		c := crudrt.Column{Path: string(f.Desc.Name()), Name: f.Column, GoField: f.GoName, Type: f.Type.String(), Role: f.Role,
			Nullable: f.Nullable(), MaxLen: f.MaxLen, MinLen: f.MinLen, AutoIncrement: f.PrimaryKey && m.AutoIncrement, NamePattern: f.NamePattern,
			MySQLCollation: f.MySQLCollation}
		if f.Queryable {
			c.Queryable, c.Kind = true, f.QueryKind
		}
		if t := f.References; t != nil && f.Type == model.TypeString && len(t.PrimaryKey) == 1 && formatOf(f.Desc) == annotations.FieldInfo_FORMAT_UNSPECIFIED {
			if kf := formatOf(t.PrimaryKey[0].Desc); kf != annotations.FieldInfo_FORMAT_UNSPECIFIED {
				c.KeyFormat = kf.String()
			}
		}
		if t := f.References; t != nil && len(t.PrimaryKey) == 1 {
			c.ForeignKey = &crudrt.ForeignKey{Name: string(t.Desc.FullName()), Table: t.Table, Column: t.PrimaryKey[0].Column, Tenant: tenantColumn(t)}
		}
		if t := f.RefersTo; t != nil {
			c.RefersTo = referenceSpec(t, f.RefRows())
		}
		if t := f.ListRefersTo; t != nil {
			c.ListRefersTo = referenceSpec(t, t)
		}
		r.Columns = append(r.Columns, c)
	}
	for _, ix := range m.Indexes {
		r.Indexes = append(r.Indexes, crudrt.Index{Name: ix.Name, Columns: columnNames(ix.Columns), Desc: ix.Desc, Unique: ix.Unique})
	}
	for _, o := range m.Orders {
		r.Orders = append(r.Orders, crudrt.Order{OrderBy: o.Text, Columns: columnNames(o.Columns), Desc: o.Desc})
	}
	for _, meth := range sm.Methods {
		r.Operations |= meth.Op
	}
	if p := m.Parent; p != nil {
		r.Parent = parentSpec(p)
		r.Parent.Above = m.ParentAbove
	}
	for _, l := range m.Parents {
		p := parentSpec(l.Model)
		p.Of = columnNames(l.Columns)
		r.Parents = append(r.Parents, *p)
	}
	for _, f := range m.Referrers {
		r.Referrers = append(r.Referrers, referrerSpec(f))
	}
	for _, f := range m.ListReferrers {
		r.ListReferrers = append(r.ListReferrers, referrerSpec(f))
	}
	for _, c := range m.Children {
		child := crudrt.Child{Name: string(c.Desc.FullName()), Table: c.Table, Columns: columnNames(c.KeyColumnsOf(m))}
		if c.Singleton() {
			// It goes with its parent, or stays with it (AIP-156).
			child.Singleton, child.Stays = true, softUnder(c.Parent, m)
		} else if softUnder(c, m) {
			child.DeleteTime = c.SoftDelete.Column
		}
		if m.Tenant == nil {
			child.Tenant = childTenant(c, m)
		}
		if len(c.Referrers) > 0 || len(c.ListReferrers) > 0 {
			child.Key = columnNames(c.Name.NameParts)
			for _, f := range c.Referrers {
				child.Referrers = append(child.Referrers, referrerSpec(f))
			}
		}
		if len(c.ListReferrers) > 0 {
			child.Pattern = c.Name.NamePattern
			for _, f := range c.ListReferrers {
				child.ListReferrers = append(child.ListReferrers, referrerSpec(f))
			}
		}
		r.Children = append(r.Children, child)
	}
	for _, h := range m.HeldChildren {
		child := crudrt.HeldChild{Name: string(h.Desc.FullName()), Table: h.Table, Column: model.HeldParent(h).Column}
		if h.SoftDelete != nil {
			child.DeleteTime = h.SoftDelete.Column
		}
		r.HeldChildren = append(r.HeldChildren, child)
	}
	if hp := model.HeldParent(m); hp != nil && hp.RefersTo == nil && len(m.HeldParents) > 0 {
		r.HeldParent = &crudrt.HeldParent{Field: string(hp.Desc.Name())}
		for _, p := range m.HeldParents {
			r.HeldParent.Parents = append(r.HeldParent.Parents, *referenceSpec(p, p))
		}
	}
	for _, meth := range sm.Methods {
		if meth.ResourceID != nil {
			r.IDField = string(meth.ResourceID.Desc.Name())
			break
		}
	}
	for _, meth := range sm.Methods {
		r.Methods = append(r.Methods, methodSpec(meth))
		if meth.IdempotencyKey != nil {
			r.RequestIDTable = m.RequestIDTable
		}
	}
	return r
}

// parentSpec describes the table of parent p.
func parentSpec(p *model.Model) *crudrt.ParentTable {
	out := &crudrt.ParentTable{Name: string(p.Desc.FullName()), Table: p.Table, Columns: columnNames(p.PrimaryKey)}
	if p.Tenant != nil {
		out.Tenant = p.Tenant.Column
	}
	if p.SoftDelete != nil {
		// Create refuses a child of a soft-deleted parent; a List of
		// singletons across parents leaves theirs out.
		out.DeleteTime = p.SoftDelete.Column
	}
	for a := p.Parent; a != nil; a = a.Parent {
		anc := crudrt.ParentTable{Name: string(a.Desc.FullName()), Table: a.Table, Columns: columnNames(a.PrimaryKey)}
		if a.Tenant != nil {
			anc.Tenant = a.Tenant.Column
		}
		out.Ancestors = append(out.Ancestors, anc)
	}
	return out
}

// referenceSpec describes a reference to the resources of model t, whose
// rows are those of model rows (t's parent's for a singleton).
func referenceSpec(t, rows *model.Model) *crudrt.Reference {
	ref := &crudrt.Reference{Name: string(t.Desc.FullName()), Table: rows.Table, Pattern: t.Name.NamePattern, Columns: columnNames(rows.Name.NameParts),
		Literals: model.LiteralNames(t), Tenant: tenantColumn(rows)}
	if rows.SoftDelete != nil {
		ref.DeleteTime = rows.SoftDelete.Column
	}
	return ref
}

// tenantColumn is the tenant column of model m, or nil when it has none.
func tenantColumn(m *model.Model) *crudrt.TenantColumn {
	if m.Tenant == nil {
		return nil
	}
	return &crudrt.TenantColumn{Column: m.Tenant.Column, Type: m.Tenant.Type.String()}
}

// referrerSpec describes reference field f.
func referrerSpec(f *model.Field) crudrt.Referrer {
	r := crudrt.Referrer{Name: string(f.FullName()), Table: f.Model.Table, Column: f.Column, Keys: columnNames(f.RefParts)}
	if f.Model.SoftDelete != nil {
		r.DeleteTime = f.Model.SoftDelete.Column
	}
	return r
}

// methodSpec describes m: its operation, its messages, and the request and
// response fields it serves, by proto name.
func methodSpec(m *model.Method) crudrt.Method {
	name := func(f *protogen.Field) string {
		if f == nil {
			return ""
		}
		return string(f.Desc.Name())
	}
	s := crudrt.Method{
		Name: string(m.Desc.FullName()), Op: m.Op,
		Request: string(m.Input.Desc.FullName()), Response: string(m.Output.Desc.FullName()),
		Key: name(m.Key), KeySuffix: m.KeySuffix, OwnerName: m.OwnerName, Unpaged: m.Unpaged, NameField: name(m.Name), Keys: name(m.Keys), Names: name(m.Names), Etag: name(m.Etag), Force: name(m.Force),
		Parent: name(m.Parent), Resource: name(m.Resource), Mask: name(m.Mask),
		PageSize: name(m.PageSize), PageToken: name(m.PageToken), Filter: name(m.Filter), OrderBy: name(m.OrderBy),
		ShowDeleted: name(m.ShowDeleted), Skip: name(m.Skip),
		Requests: name(m.Requests), RequestResource: name(m.RequestResource), RequestParent: name(m.RequestParent), RequestMask: name(m.RequestMask),
		RequestKey: name(m.RequestKey), RequestName: name(m.RequestName), RequestEtag: name(m.RequestEtag), RequestForce: name(m.RequestForce),
		RequestAllowMissing: name(m.RequestAllowMissing), RequestReadMask: name(m.RequestReadMask),
		Items: name(m.Items), NextPageToken: name(m.NextPageToken), TotalSize: name(m.TotalSize), ReturnsEmpty: m.ReturnsEmpty,
		ReadMask: name(m.ReadMask), ValidateOnly: name(m.ValidateOnly), AllowMissing: name(m.AllowMissing),
		IdempotencyKey: name(m.IdempotencyKey), Unsupported: m.Unsupported, RequestIsResource: m.RequestIsResource,
		ParentIn: fieldName(m.ParentIn),
	}
	if m.LRO != nil {
		// Response is the operation's: what the method carries out.
		s.OperationMetadata = string(m.LRO.Metadata.Desc.FullName())
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
func specLiteral(r *crudrt.Resource) string {
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

// formatOf is the AIP-202 format of a singular string field, or
// FORMAT_UNSPECIFIED.
func formatOf(fd protoreflect.FieldDescriptor) annotations.FieldInfo_Format {
	if fd.Kind() != protoreflect.StringKind || fd.IsList() || fd.IsMap() {
		return annotations.FieldInfo_FORMAT_UNSPECIFIED
	}
	info, _ := proto.GetExtension(fd.Options(), annotations.E_FieldInfo).(*annotations.FieldInfo)
	return info.GetFormat()
}

// childTenant is the Tenant of child c of a model a without a tenant
// field: the nearest of c and the resources between it and a that has
// one, or nil when none does.
func childTenant(c, a *model.Model) *crudrt.ChildTenant {
	for m := c; m != nil && m != a; m = m.Toward(a) {
		if m.Tenant == nil {
			continue
		}
		t := &crudrt.ChildTenant{Table: m.Table, Column: m.Tenant.Column, Type: m.Tenant.Type.String()}
		if m != c {
			t.Key = columnNames(m.Name.NameParts)
			t.Columns = columnNames(c.KeyColumnsOf(m))
		}
		return t
	}
	return nil
}

// fieldName is the proto name of a model's field, or "".
func fieldName(f *model.Field) string {
	if f == nil {
		return ""
	}
	return string(f.Desc.Name())
}
