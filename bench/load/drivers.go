package load

// The classifiers of the drivers' errors, as every program serving crudrt
// services on PostgreSQL or MySQL imports them: the load runs on both.
import (
	_ "github.com/protoforge/protoforge/crudrt/mysql"
	_ "github.com/protoforge/protoforge/crudrt/postgres"
)
