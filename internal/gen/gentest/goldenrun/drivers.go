package goldenrun

// The classifiers of the drivers' errors, as every program serving crudrt
// services on PostgreSQL or MySQL imports them, so that the codes the
// driver checks (AlreadyExists…) are the ones users get.
import (
	_ "github.com/protoforge/protoforge/crudrt/mysql"
	_ "github.com/protoforge/protoforge/crudrt/postgres"
)
