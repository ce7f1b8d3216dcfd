// Package query translates the list parameters of AIP-132 List methods to
// SQL for GORM: filter (AIP-160) to a WHERE condition, order_by to ORDER BY
// terms, and page_token to a keyset condition carried in an encrypted,
// authenticated, query-bound token.
//
// A Table lists the columns a resource exposes, by proto field name (the
// Path) and SQL name, with how each is stored (the Kind), following the
// storage conventions of package ormrt. Identifiers in SQL come only from
// the Table, always quoted; values from requests are only ever bound as
// parameters.
//
// A List method uses the package as follows:
//
//	where, err := query.ParseFilter(t, req.Filter)        // *Error → InvalidArgument
//	terms, err := query.ParseOrderBy(t, req.OrderBy)
//	q := db.Model(&Row{})
//	if where.SQL != "" {
//		q = q.Where(where.SQL, where.Args...)
//	}
//	if req.PageToken != "" {
//		last, err := query.DecodeToken(key, queryID, terms, req.PageToken)
//		after := query.After(t, terms, last)
//		q = q.Where(after.SQL, after.Args...)
//	}
//	q.Order(query.OrderSQL(t, terms)).Limit(size + 1).Find(&rows)
//	// With more rows than size: the ordered values of the last row served
//	// go into query.EncodeToken(key, queryID, terms, values).
package query
