package main

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGaleraReady checks ready's MySQL/MariaDB branch against a fake of
// the server's variables and status: only a Galera node (wsrep_on=ON)
// must have wsrep_ready=ON.
func TestGaleraReady(t *testing.T) {
	const (
		onQuery    = "SHOW GLOBAL VARIABLES LIKE 'wsrep_on'"
		readyQuery = "SHOW GLOBAL STATUS LIKE 'wsrep_ready'"
	)
	down := errors.New("connection refused")
	for _, tc := range []struct {
		name string
		vars map[string]string // query → value; a query missing has no row
		err  map[string]error  // query → error
		want string            // the error, "" for ready
	}{
		{name: "mysql, no wsrep variables", vars: map[string]string{}},
		{name: "plain mariadb", vars: map[string]string{onQuery: "OFF", readyQuery: "OFF"}},
		{name: "plain mariadb, numeric", vars: map[string]string{onQuery: "0", readyQuery: "0"}},
		{name: "galera node ready", vars: map[string]string{onQuery: "ON", readyQuery: "ON"}},
		{name: "galera node ready, numeric", vars: map[string]string{onQuery: "1", readyQuery: "1"}},
		{name: "galera node not ready", vars: map[string]string{onQuery: "ON", readyQuery: "OFF"},
			want: "galera node not ready (wsrep_ready=OFF)"},
		{name: "galera node without wsrep_ready", vars: map[string]string{onQuery: "ON"},
			want: "galera node not ready (no wsrep_ready)"},
		{name: "wsrep_on unreadable", err: map[string]error{onQuery: down},
			want: "database unreachable"},
		{name: "wsrep_ready unreadable", vars: map[string]string{onQuery: "ON"}, err: map[string]error{readyQuery: down},
			want: "database unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var asked []string
			show := func(_ context.Context, query string) (string, bool, error) {
				asked = append(asked, query)
				if err := tc.err[query]; err != nil {
					return "", false, err
				}
				v, ok := tc.vars[query]
				return v, ok, nil
			}
			err := galeraReady(context.Background(), show)
			if tc.want == "" {
				require.NoError(t, err)
			} else {
				require.EqualError(t, err, tc.want)
			}
			if tc.vars[onQuery] == "OFF" || tc.vars[onQuery] == "0" {
				assert.Equal(t, []string{onQuery}, asked, "not a Galera node: wsrep_ready is not consulted")
			}
		})
	}
}
