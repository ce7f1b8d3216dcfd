// Package mysql classifies the errors of the MySQL driver
// (github.com/go-sql-driver/mysql, which gorm.io/driver/mysql uses) for
// crudrt, on MySQL and MariaDB, so that clients see AlreadyExists,
// FailedPrecondition, InvalidArgument, Unavailable, Aborted or
// DeadlineExceeded rather than Internal. Importing it registers the
// classifier:
//
//	import _ "github.com/protoforge/protoforge/crudrt/mysql"
//
// Import it in every program that serves crudrt services on MySQL or
// MariaDB. It is a package of its own so that programs on other databases
// do not link the driver. The driver's errors carry their number only in a
// struct field, so without this package they are Internal (logged with the
// import to add, never shown to the client), and
// crudrt.CheckErrorClassifier(ormrt.MySQL) reports the missing import.
package mysql

import (
	"errors"
	"strings"

	mysqldriver "github.com/go-sql-driver/mysql"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/ormrt"
)

func init() { crudrt.RegisterErrorClassifier(ormrt.MySQL, Classify) }

// Classify reads the MySQL driver's errors in err's chain: the server's
// error number, or a connection the driver gave up.
func Classify(err error) crudrt.DBErrorKind {
	var my *mysqldriver.MySQLError
	if errors.As(err, &my) {
		if my.Number == 1105 && strings.Contains(my.Message, "max_allowed_packet") {
			// A value sent in parts (mysql_send_long_data) too long.
			return crudrt.DBErrorTooLarge
		}
		return numberKind(my.Number)
	}
	if errors.Is(err, mysqldriver.ErrPktTooLarge) {
		return crudrt.DBErrorTooLarge
	}
	if errors.Is(err, mysqldriver.ErrInvalidConn) {
		return crudrt.DBErrorUnavailable
	}
	return crudrt.DBErrorUnknown
}

// numberKind classifies MySQL and MariaDB error numbers.
func numberKind(n uint16) crudrt.DBErrorKind {
	switch n {
	case 1062, 1586:
		return crudrt.DBErrorUnique
	case 1451, 1452, 1216, 1217:
		return crudrt.DBErrorForeignKey
	case 3819, 4025, 1406, 1048, 1264:
		return crudrt.DBErrorCheck
	case 1213, 1205, 1317: // deadlock, lock wait timeout, statement killed
		return crudrt.DBErrorConflict
	case 1927, 1053, 1040, 1290, 1836, 1047: // connection killed, shutdown, too many connections, read-only, Galera node not ready
		return crudrt.DBErrorUnavailable
	case 3024, 1969: // max_execution_time (MySQL), max_statement_time (MariaDB)
		return crudrt.DBErrorTimeout
	case 1153, 1301: // a packet or a result over max_allowed_packet
		return crudrt.DBErrorTooLarge
	}
	return crudrt.DBErrorUnknown
}
