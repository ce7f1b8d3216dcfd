package main_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestReadyzMySQL: on a MySQL or plain MariaDB server, one not in a Galera
// cluster, /readyz is 200 once the database answers. A plain MariaDB
// reports wsrep_ready=OFF, but with wsrep_on=OFF: it is no Galera node,
// and its wsrep_ready says nothing about whether it serves.
func TestReadyzMySQL(t *testing.T) {
	t.Parallel()
	s := start(t, mysqlURL(t))
	code, body := do(t, "GET", s.url("/readyz"), "", "")
	assert.Equal(t, 200, code, body)
	assert.Equal(t, "ok\n", body)
	code, body = do(t, "GET", s.url("/v1/authors"), "", "")
	assert.Equal(t, 200, code, "the API serves: %s", body)
}
