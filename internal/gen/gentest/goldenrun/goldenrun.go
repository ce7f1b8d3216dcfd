// Package goldenrun exercises the generated code of one golden case against
// a real database: it is the library of the small driver programs that
// gentest.Golden.Runs writes for each case (one binary per case, run once
// per dialect).
//
// A driver applies the case's schema/<dialect>.sql to an empty database,
// writes a valid message of every model through ToModel and GORM and reads
// it back, then calls the standard methods of every generated <Service>CRUD
// in AIP order and checks what they return. Messages and requests are built
// from the descriptors, so that one driver fits every case.
//
// Each check prints one JSON line on stdout (see Result); the driver exits
// with status 1 when any failed, and carries on after a failure where the
// next step does not depend on it.
package goldenrun

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strings"

	atlasmigrate "ariga.io/atlas/sql/migrate"
	"github.com/glebarez/sqlite"
	"google.golang.org/protobuf/proto"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/protoforge/protoforge/ormrt/mysql"
)

// Case is what a driver knows of its golden case: the generated models and
// services of its want/ packages, found in the Go source by the harness.
type Case struct {
	// Name is the case directory ("library").
	Name string
	// Models are nil messages of every type with a generated ToModel, e.g.
	// (*shelfv1.Shelf)(nil).
	Models []any
	// Services are the generated <Service>CRUD types.
	Services []Service
}

// Service is one generated <Service>CRUD.
type Service struct {
	// Name is the Go name of the service ("ShelfService").
	Name string
	// New is the generated constructor NewShelfServiceCRUD.
	New any
	// Methods are the methods the generated file declares on the CRUD
	// type (the others are the embedded Unimplemented server's).
	Methods []string
}

// Result is one line of a driver's output.
type Result struct {
	// Step names the check: "ORM shelf.v1.Shelf: read back",
	// "ShelfService.GetShelf: after Create".
	Step string `json:"step"`
	// OK is false for a failure; Msg then says what differed.
	OK  bool   `json:"ok"`
	Msg string `json:"msg,omitempty"`
}

// reporter prints results and remembers whether any failed.
type reporter struct {
	failed bool
	enc    *json.Encoder
}

func (r *reporter) ok(step string) {
	_ = r.enc.Encode(Result{Step: step, OK: true})
}

func (r *reporter) fail(step, format string, args ...any) {
	r.failed = true
	_ = r.enc.Encode(Result{Step: step, Msg: fmt.Sprintf(format, args...)})
}

// check reports err, if any, as a failure of step and tells whether it was
// nil.
func (r *reporter) check(step string, err error) bool {
	if err != nil {
		r.fail(step, "%v", err)
		return false
	}
	return true
}

// guard runs fn, turning a panic into a failure of step.
func (r *reporter) guard(step string, fn func()) {
	defer func() {
		if p := recover(); p != nil {
			r.fail(step, "panic: %v%s", p, panicSite())
		}
	}()
	fn()
}

// Main runs the driver: flags -dialect and -dsn name the database, the
// arguments are the schema files to apply. It exits the process.
func Main(c Case) {
	dialect := flag.String("dialect", "", "sqlite, postgres or mysql")
	dsn := flag.String("dsn", "", "DSN of an empty database")
	flag.Parse()
	r := &reporter{enc: json.NewEncoder(os.Stdout)}
	r.guard("driver", func() { run(r, c, *dialect, *dsn, flag.Args()) })
	if r.failed {
		os.Exit(1)
	}
}

func run(r *reporter, c Case, dialect, dsn string, schemas []string) {
	db, err := open(dialect, dsn)
	if !r.check("open "+dialect, err) {
		return
	}
	if sqlDB, err := db.DB(); err == nil {
		defer sqlDB.Close()
	}
	for _, path := range schemas {
		if !r.check("schema "+shortPath(path), applySchema(db, path)) {
			return
		}
	}
	r.ok("schema")
	reg, err := newRegistry(c)
	if !r.check("models", err) {
		return
	}
	x := &exercise{r: r, db: db, reg: reg, dialect: dialect}
	x.orm()
	for _, s := range c.Services {
		x.crud(s)
	}
}

// open connects to dsn with the GORM dialector of dialect, as
// internal/testdb does.
func open(dialect, dsn string) (*gorm.DB, error) {
	var d gorm.Dialector
	switch dialect {
	case "sqlite":
		d = sqlite.Open(dsn)
	case "postgres":
		d = postgres.Open(dsn)
	case "mysql":
		var err error
		if d, err = mysql.Open(dsn); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown dialect %q", dialect)
	}
	return gorm.Open(d, &gorm.Config{Logger: logger.Discard})
}

// applySchema runs the statements of a generated schema file one by one.
func applySchema(db *gorm.DB, path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	stmts, err := atlasmigrate.Stmts(string(src))
	if err != nil {
		return err
	}
	if len(stmts) == 0 {
		return errors.New("no statements")
	}
	for _, st := range stmts {
		if err := db.Exec(st.Text).Error; err != nil {
			return fmt.Errorf("%s\n%w", st.Text, err)
		}
	}
	return nil
}

// shortPath is path from its want/ folder on, for messages.
func shortPath(path string) string {
	if i := strings.Index(path, "/want/"); i >= 0 {
		return path[i+1:]
	}
	return path
}

// exercise holds the state of one driver run.
type exercise struct {
	r       *reporter
	db      *gorm.DB
	reg     *registry
	dialect string
	pop     *populator
	// seed numbers the messages built, so that unique columns get
	// distinct values.
	seed int
}

func (x *exercise) nextSeed() int {
	x.seed++
	return x.seed
}

var ctx = context.Background()

// callMethod calls a method value fn(ctx, req) and returns its results.
func callMethod(fn reflect.Value, req proto.Message) (proto.Message, error) {
	out := fn.Call([]reflect.Value{reflect.ValueOf(ctx), reflect.ValueOf(req)})
	var err error
	if e := out[1].Interface(); e != nil {
		err = e.(error)
	}
	if out[0].IsNil() {
		return nil, err
	}
	return out[0].Interface().(proto.Message), err
}

// panicSite lists the frames of a recovered panic down to the driver's
// own, "\n\tat pkg.Func (file.go:12)": where the generated code or its
// runtime failed.
func panicSite() string {
	pcs := make([]uintptr, 64)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	var b strings.Builder
	for {
		f, more := frames.Next()
		switch {
		case strings.HasPrefix(f.Function, "runtime."):
		case strings.HasPrefix(f.Function, "reflect."), strings.Contains(f.Function, "/gentest/goldenrun."):
			if b.Len() == 0 { // the driver's own bug
				fmt.Fprintf(&b, "\n\tat %s (%s:%d)", f.Function, f.File, f.Line)
			}
			return b.String()
		default:
			fmt.Fprintf(&b, "\n\tat %s (%s:%d)", f.Function, shortPath(f.File), f.Line)
		}
		if !more {
			return b.String()
		}
	}
}
