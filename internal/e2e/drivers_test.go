package e2e_test

// The classifiers of the drivers' errors, as every program serving crudrt
// services on PostgreSQL or MySQL imports them: the generated services run
// on PostgreSQL and MariaDB here.
import (
	_ "github.com/protoforge/protoforge/crudrt/mysql"
	_ "github.com/protoforge/protoforge/crudrt/postgres"
)
