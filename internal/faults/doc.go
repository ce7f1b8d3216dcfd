// Package faults tests the generated services when the database fails
// under them: PostgreSQL restarted during a load, a connection pool
// exhausted, client deadlines and cancellations, and transactions whose
// connection is killed half-way. Clients must see only the codes that say
// what happened (Unavailable, DeadlineExceeded, Canceled, Aborted), the
// service must recover by itself, no goroutine may be left behind, and no
// row may be half written. The package holds tests only.
package faults
