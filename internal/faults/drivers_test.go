package faults_test

// The classifiers of the drivers' errors, as every program serving crudrt
// services on PostgreSQL or MySQL imports them: the faults are those of
// PostgreSQL and MariaDB under generated services.
import (
	_ "github.com/protoforge/protoforge/crudrt/mysql"
	_ "github.com/protoforge/protoforge/crudrt/postgres"
)
