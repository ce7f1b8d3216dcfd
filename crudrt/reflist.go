package crudrt

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/reflect/protoreflect"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt/query"
	"github.com/protoforge/protoforge/ormrt"
)

// A repeated google.api.resource_reference field (Column.ListRefersTo)
// holds names as a JSON array, which no foreign key reaches: the server
// checks each name when the list is written, and a Delete of a resource
// that a live row's list names is refused, as for a single reference.

// maxNamesPerQuery bounds the names one query reads or looks for, so that
// its arguments stay within every database's limit (SQLite's 32766).
const maxNamesPerQuery = 500

// errNotCanonical is a name that does not spell the resource's name as
// the server does.
var errNotCanonical = errors.New("not a canonical name")

// missingInList lists the names of list, the value of list reference
// column c of a write, that checkRefsOn refuses, each at field[i]: an
// empty one or one of another form (AIP-122: a reference is a resource's
// full name), and one that names no live resource of the caller's tenant
// (another tenant's does not exist) by its name as the server spells it.
// The names are read in one query (a list of more than maxNamesPerQuery
// distinct names in several), whose rows stay share-locked until the
// write commits, so that a concurrent Delete of one waits and then sees
// the list. A name given twice is read once.
func (s *Service) missingInList(q querier, tenant tenantScope, c *column, list protoreflect.List, field string) ([]FieldViolation, error) {
	ref := c.ListRefersTo
	var vs []FieldViolation
	type named struct {
		at, name, key string
	}
	var names []named
	var distinct [][]string
	seen := map[string]bool{}
	for i := range list.Len() {
		name, at := list.Get(i).String(), fmt.Sprintf("%s[%d]", field, i)
		if slices.Contains(ref.Literals, name) {
			continue // names no stored resource (see missingRefs)
		}
		ids, err := scanIDs(ref.Pattern, name, len(ref.Columns))
		if err == nil && ormrt.NameOf(ref.Pattern, ids...) != name {
			// Not spelled as the server spells the name, which a
			// Delete looks for in the list.
			err = errNotCanonical
		}
		if err != nil {
			vs = append(vs, FieldViolation{Field: at, Description: fmt.Sprintf("want a %s name, %s, got %q", ref.Name, ormrt.PatternText(ref.Pattern), name)})
			continue
		}
		key := strings.Join(ids, "\x00")
		names = append(names, named{at, name, key})
		if !seen[key] {
			seen[key] = true
			distinct = append(distinct, ids)
		}
	}
	found := map[string]bool{}
	tcols, tvals, ok := inTenant(ref.Tenant, tenant, nil, nil)
	for len(distinct) > 0 && ok {
		chunk := distinct[:min(len(distinct), maxNamesPerQuery)]
		distinct = distinct[len(chunk):]
		if err := s.liveNames(q, ref, chunk, tcols, tvals, found); err != nil {
			return nil, err
		}
	}
	for _, n := range names {
		if !found[n.key] {
			vs = append(vs, FieldViolation{Field: n.at, Description: fmt.Sprintf("%s %q does not exist", ref.Name, n.name)})
		}
	}
	return vs, nil
}

// liveNames adds to found the ids, joined by NUL, of the rows of ref that
// names (each its ids) name, live and where tcols hold tvals, and share
// locks them. A row counts only for the ids it holds byte for byte: a name
// that a collation or a conversion matches otherwise is not the name the
// server spells, which a Delete looks for (see listReferred).
func (s *Service) liveNames(q querier, ref *Reference, names [][]string, tcols []string, tvals []any, found map[string]bool) error {
	one := "(" + s.match(ref.Columns, "") + ")"
	var args []any
	for _, ids := range names {
		args = append(args, anys(ids)...)
	}
	where := "(" + strings.Repeat(one+" OR ", len(names)-1) + one + ")"
	if len(tcols) > 0 || ref.DeleteTime != "" {
		where += " AND " + s.match(tcols, ref.DeleteTime)
		args = append(args, tvals...)
	}
	sel := "SELECT " + s.columnList(ref.Columns) + " FROM " + ormrt.QuoteIdent(s.dialect, ref.Table) + " WHERE " + where + s.shareLock()
	rows, err := stringRows(q, sel, args, len(ref.Columns))
	for _, ids := range rows {
		found[strings.Join(ids, "\x00")] = true
	}
	return err
}

// stringRows are the rows of q's query sel of n columns, read as strings
// (NULL as "").
func stringRows(q querier, sel string, args []any, n int) ([][]string, error) {
	var rows [][]sql.NullString
	err := q.Query(sel, args, func() []any {
		row := make([]sql.NullString, n)
		rows = append(rows, row)
		dest := make([]any, n)
		for i := range row {
			dest[i] = &row[i]
		}
		return dest
	})
	out := make([][]string, len(rows))
	for i, row := range rows {
		out[i] = make([]string, n)
		for j, v := range row {
			out[i][j] = v.String
		}
	}
	return out, err
}

// listReferred refuses the deletion of the resource named name while a
// live row's list of r names it: FailedPrecondition, RESOURCE_REFERENCED,
// as referred refuses it for a single reference, naming neither the row
// nor its tenant.
func (s *Service) listReferred(q querier, r Referrer, name string, ck rowKey) error {
	except, args := "", []any(nil)
	if r.Table == s.res.Table {
		// Not the row itself, which goes.
		except, args = s.match(s.keyColumns, ""), ck
	}
	found, err := s.listNames(q, r, []string{name}, except, args)
	if err != nil || !found {
		return err
	}
	return Errorf(connect.CodeFailedPrecondition, "%s is referred to by %s of another resource; change or delete that first", name, r.Name).WithReason("RESOURCE_REFERENCED", "resource", name, "referrer", r.Name)
}

// listNames reports whether a live row of r holds one of names in its
// list, each tested as a filter tests tags:"sf" (query.ListHolds):
// exactly, however the JSON text spells it. Rows where except holds
// (with its arguments exceptArgs), when it is set, are not searched.
func (s *Service) listNames(q querier, r Referrer, names []string, except string, exceptArgs []any) (bool, error) {
	table := ormrt.QuoteIdent(s.dialect, r.Table)
	for len(names) > 0 {
		chunk := names[:min(len(names), maxNamesPerQuery)]
		names = names[len(chunk):]
		var conds []string
		var args []any
		for _, n := range chunk {
			c := query.ListHolds(s.dialect, table, r.Column, n)
			conds, args = append(conds, c.SQL), append(args, c.Args...)
		}
		where := "(" + strings.Join(conds, " OR ") + ")"
		if r.DeleteTime != "" {
			where += " AND " + ormrt.QuoteIdent(s.dialect, r.DeleteTime) + " IS NULL"
		}
		if except != "" {
			where += " AND NOT (" + except + ")"
			args = append(args, exceptArgs...)
		}
		found, err := anyRow(q, "SELECT 1 FROM "+table+" WHERE "+where+" LIMIT 1", args)
		if err != nil || found {
			return found, err
		}
	}
	return false, nil
}

// childListReferred is listReferred of the children of c that a forced
// delete deletes, those where selects (see childRows): a live row whose
// list names one refuses the delete, unless the delete deletes it too
// (forced: see forcedSet).
func (s *Service) childListReferred(tx *gorm.DB, c Child, where string, args []any, forced func(table string) (string, []any, error)) error {
	if len(c.ListReferrers) == 0 || len(c.Key) == 0 {
		return nil
	}
	q := "SELECT " + s.columnList(c.Key) + " FROM " + ormrt.QuoteIdent(s.dialect, c.Table) + " WHERE " + where
	rows, err := stringRows(gormQuerier{tx}, q, args, len(c.Key))
	if err != nil || len(rows) == 0 {
		return err
	}
	names := make([]string, len(rows))
	for i, ids := range rows {
		names[i] = ormrt.NameOf(c.Pattern, ids...)
	}
	for _, r := range c.ListReferrers {
		gone, goneArgs, err := forced(r.Table)
		if err != nil {
			return err
		}
		found, err := s.listNames(gormQuerier{tx}, r, names, gone, goneArgs)
		if err != nil {
			return err
		}
		if found {
			return Errorf(connect.CodeFailedPrecondition, "%s under it is referred to by %s of another resource; change or delete that first", c.Name, r.Name).WithReason("RESOURCE_REFERENCED", "resource", c.Name, "referrer", r.Name)
		}
	}
	return nil
}

// columnList is cols quoted, joined by commas.
func (s *Service) columnList(cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = ormrt.QuoteIdent(s.dialect, c)
	}
	return strings.Join(out, ", ")
}
