// Package mysql opens MySQL and MariaDB databases through
// github.com/go-sql-driver/mysql so that every value of a model is stored
// as it is: the driver binds the instant 0001-01-01T00:00:00Z (Go's zero
// time, and google.protobuf.Timestamp's least value) as the "zero date"
// '0000-00-00', which MariaDB stores in place of the date and MySQL's
// default NO_ZERO_DATE mode refuses. The connections of Open and Connector
// bind that instant as the DATETIME it is, '0001-01-01 00:00:00'; every
// other value is bound by the driver as before.
//
//	dial, err := mysql.Open(dsn) // in place of gorm.io/driver/mysql's Open
//	db, err := gorm.Open(dial, &gorm.Config{})
//
// It imports neither crudrt nor GORM's callbacks: programs that write
// models with GORM alone use it as well.
package mysql

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"time"

	mysqldriver "github.com/go-sql-driver/mysql"
	gormmysql "gorm.io/driver/mysql"
	"gorm.io/gorm"
)

// Open is the GORM dialector of the database dsn names (the driver's DSN
// form, user:password@tcp(host:port)/dbname?parseTime=true), on the
// connections of Connector.
func Open(dsn string) (gorm.Dialector, error) {
	cfg, err := mysqldriver.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	c, err := Connector(cfg)
	if err != nil {
		return nil, err
	}
	return gormmysql.New(gormmysql.Config{DSNConfig: cfg, Conn: sql.OpenDB(c)}), nil
}

// Connector is the driver's connector of cfg with the zero instant bound
// as a DATETIME (see the package's documentation), for sql.OpenDB.
func Connector(cfg *mysqldriver.Config) (driver.Connector, error) {
	c, err := mysqldriver.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	loc := cfg.Loc
	if loc == nil {
		loc = time.UTC
	}
	return &connector{Connector: c, loc: loc}, nil
}

type connector struct {
	driver.Connector
	loc *time.Location
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if _, ok := dc.(driverConn); !ok {
		_ = dc.Close()
		return nil, fmt.Errorf("ormrt/mysql: the driver's connection (%T) lacks interfaces database/sql would use", dc)
	}
	return &conn{Conn: dc, loc: c.loc}, nil
}

// bind is the driver's conversion of nv (check), then the zero instant
// written as the driver writes other times, in the connection's zone: a
// string, which the server reads as a DATETIME or TIMESTAMP where the
// column is one.
func bind(check func(*driver.NamedValue) error, loc *time.Location, nv *driver.NamedValue) error {
	if err := check(nv); err != nil {
		return err
	}
	if t, ok := nv.Value.(time.Time); ok && t.IsZero() {
		nv.Value = t.In(loc).Format("2006-01-02 15:04:05.999999")
	}
	return nil
}

// driverConn is what conn needs of the driver's connection.
type driverConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// conn is the driver's connection with its values bound by bind. It has
// every optional interface the driver's connection has, so that
// database/sql uses it as it uses the driver's.
type conn struct {
	driver.Conn
	loc *time.Location
}

var (
	_ driver.ConnBeginTx        = (*conn)(nil)
	_ driver.ConnPrepareContext = (*conn)(nil)
	_ driver.ExecerContext      = (*conn)(nil)
	_ driver.QueryerContext     = (*conn)(nil)
	_ driver.Pinger             = (*conn)(nil)
	_ driver.SessionResetter    = (*conn)(nil)
	_ driver.Validator          = (*conn)(nil)
	_ driver.NamedValueChecker  = (*conn)(nil)
)

func (c *conn) CheckNamedValue(nv *driver.NamedValue) error {
	return bind(c.Conn.(driver.NamedValueChecker).CheckNamedValue, c.loc, nv)
}

func (c *conn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *conn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	s, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if _, ok := s.(driverStmt); !ok {
		_ = s.Close()
		return nil, fmt.Errorf("ormrt/mysql: the driver's statement (%T) lacks interfaces database/sql would use", s)
	}
	return &stmt{Stmt: s, loc: c.loc}, nil
}

func (c *conn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *conn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
}

func (c *conn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
}

func (c *conn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *conn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *conn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

// driverStmt is what stmt needs of the driver's statement.
type driverStmt interface {
	driver.Stmt
	driver.StmtExecContext
	driver.StmtQueryContext
	driver.NamedValueChecker
}

// stmt is the driver's prepared statement with its values bound by bind
// (database/sql asks a statement's NamedValueChecker before its
// connection's).
type stmt struct {
	driver.Stmt
	loc *time.Location
}

var (
	_ driver.StmtExecContext   = (*stmt)(nil)
	_ driver.StmtQueryContext  = (*stmt)(nil)
	_ driver.NamedValueChecker = (*stmt)(nil)
)

func (s *stmt) CheckNamedValue(nv *driver.NamedValue) error {
	return bind(s.Stmt.(driver.NamedValueChecker).CheckNamedValue, s.loc, nv)
}

func (s *stmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *stmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	return s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
}
