// Command server serves the example library on one port: gRPC, gRPC-Web
// (binary and text) and Connect (JSON and binary, HTTP/1.1 and h2c) through connect-go,
// REST/JSON on the default AIP routes through vanguard, server reflection,
// health checking, CORS and a browser page at / (example/web), with no
// proxy.
//
//	go run ./example/cmd/server                       # SQLite file library.db
//	go run ./example/cmd/server --database-url postgres://postgres@127.0.0.1:5432/library
//	DATABASE_URL=mysql://root@127.0.0.1:3306/library go run ./example/cmd/server
//
// Migrations (example/migrations) are applied at start; a database whose
// migrations are ahead of the binary is refused.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/glebarez/sqlite"
	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/pressly/goose/v3"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/protoforge/protoforge/crudrt"
	"github.com/protoforge/protoforge/crudrt/query"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	// The classifiers of the two drivers' errors, so that clients see
	// AlreadyExists, Unavailable, Aborted… rather than Internal. A server
	// on SQLite alone leaves both out and links neither driver.
	_ "github.com/protoforge/protoforge/crudrt/mysql"
	crpg "github.com/protoforge/protoforge/crudrt/postgres"
	"github.com/protoforge/protoforge/example/migrations"
	"github.com/protoforge/protoforge/ormrt"
	// MySQL and MariaDB as the models need them (see ormrt/mysql).
	"github.com/protoforge/protoforge/ormrt/mysql"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "server:", err)
		os.Exit(1)
	}
}

// config holds the command line.
type config struct {
	addr        string
	databaseURL string
	maxBody     int64
	corsOrigins string
	// pageTokenKey encrypts and authenticates page tokens; servers behind one load balancer
	// share it, so that a token one issued is accepted by the others.
	pageTokenKey string
	// debugAddr serves net/http/pprof (CPU, goroutines, heap…) on its own
	// listener, for operators; empty: off.
	debugAddr string
	// limit sheds load past a number of requests in flight.
	limit crudrt.Limit
	// dbMaxConns bounds the database connections (PostgreSQL, MySQL).
	dbMaxConns int
	// requestIDRetention is how long AIP-155 request ids are kept; 0
	// keeps them for ever.
	requestIDRetention time.Duration
}

func parseFlags(args []string, stderr io.Writer) (*config, error) {
	fs := flag.NewFlagSet("server", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := &config{}
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.databaseURL, "database-url", os.Getenv("DATABASE_URL"), "postgres://…, mysql://… or sqlite:<file> (default sqlite:library.db; env DATABASE_URL)")
	fs.Int64Var(&c.maxBody, "max-body-bytes", 4<<20, "largest request body accepted")
	fs.StringVar(&c.corsOrigins, "cors-origins", "*", "comma-separated origins allowed by CORS")
	fs.StringVar(&c.pageTokenKey, "page-token-key", os.Getenv("PAGE_TOKEN_KEY"), "secret that encrypts and authenticates page tokens, shared by every server behind one load balancer (at least 16 bytes; default: random per process; env PAGE_TOKEN_KEY)")
	fs.IntVar(&c.limit.MaxInFlight, "max-in-flight", 256, "most requests served at once; past it a request waits --max-queue-wait for a place, then gets ResourceExhausted (HTTP 429, Retry-After); 0: no limit")
	fs.DurationVar(&c.limit.MaxWait, "max-queue-wait", 2*time.Second, "how long a request past --max-in-flight waits for a place")
	fs.DurationVar(&c.limit.BodyTimeout, "body-timeout", 30*time.Second, "how long a request's message may go without bytes arriving (a request takes a place among --max-in-flight only once its message has arrived), and the longest one write of an answer may take (0: no bound)")
	fs.IntVar(&c.dbMaxConns, "db-max-conns", 4*runtime.GOMAXPROCS(0), "most connections to PostgreSQL or MySQL/MariaDB; requests beyond them wait for one (default: 4 per core, so that the database's processes do not outnumber the cores many times over)")
	fs.DurationVar(&c.requestIDRetention, "request-id-retention", 24*time.Hour, "how long a write's AIP-155 request_id is remembered: a repeat within it gets the first response, a later one is a new request; 0: for ever")
	fs.StringVar(&c.debugAddr, "debug-addr", "", "address of a separate listener for /debug/pprof/ (goroutines, heap); off when empty, never on the API's port")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if c.pageTokenKey != "" && len(c.pageTokenKey) < query.MinTokenKeyLength {
		return nil, fmt.Errorf("--page-token-key: at least %d bytes (got %d)", query.MinTokenKeyLength, len(c.pageTokenKey))
	}
	if c.databaseURL == "" {
		c.databaseURL = "sqlite:library.db"
	}
	return c, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	db, dialect, closeDB, err := openDB(ctx, cfg.databaseURL, cfg.dbMaxConns)
	if err != nil {
		return err
	}
	defer closeDB()
	sqlDB, _ := db.DB()
	if err := migrate(ctx, sqlDB, dialect, log); err != nil {
		return err
	}

	handler, err := newHandler(db, log, cfg)
	if err != nil {
		return err
	}
	lis, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	if cfg.requestIDRetention > 0 {
		// One table holds the request ids of every service of library.v1.
		// The purge ends before the database closes (the deferred calls
		// run in reverse), so that a server that stops, or fails to
		// start, logs no failed purge.
		purgeCtx, stopPurge := context.WithCancel(ctx)
		var purging sync.WaitGroup
		defer func() { stopPurge(); purging.Wait() }()
		purging.Go(func() {
			purgeRequestIDs(purgeCtx, libraryv1.NewBookServiceCRUD(db).CRUDServices()[0], cfg.requestIDRetention, log)
		})
	}
	// Connections idle past IdleTimeout are closed: each holds a goroutine
	// and buffers.
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, Protocols: new(http.Protocols)}
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	if cfg.debugAddr != "" {
		dlis, err := net.Listen("tcp", cfg.debugAddr)
		if err != nil {
			return err
		}
		dmux := http.NewServeMux()
		dmux.HandleFunc("/debug/pprof/", pprof.Index)
		dmux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		dmux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		dmux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		dsrv := &http.Server{Handler: dmux, ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = dsrv.Serve(dlis) }()
		defer dsrv.Close()
	}
	fmt.Fprintf(stdout, "serving library.v1 on http://%s (%s)\n", lis.Addr(), dialect)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(lis) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}

// openDB opens the database a URL names, with at most maxConns
// connections (0: no bound) on PostgreSQL and MySQL, and checks it answers
// within seconds. PostgreSQL is a pgx pool that GORM and the services
// share (crudrt/postgres.Open). closeDB closes what it opened.
func openDB(ctx context.Context, raw string, maxConns int) (db *gorm.DB, dialect string, closeDB func(), err error) {
	var dial gorm.Dialector
	var pcfg *pgxpool.Config // PostgreSQL's
	switch {
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		dialect = "postgres"
		if pcfg, err = pgxpool.ParseConfig(withParam(raw, "connect_timeout", "5")); err != nil {
			return nil, "", nil, fmt.Errorf("--database-url %s: %w", redact(raw), err)
		}
		if maxConns > 0 {
			pcfg.MaxConns = int32(min(maxConns, math.MaxInt32))
		}
	case strings.HasPrefix(raw, "mysql://"):
		dsn, err := mysqlDSN(raw)
		if err != nil {
			return nil, "", nil, err
		}
		// The zero instant (Timestamp's least) stored as itself.
		if dial, err = mysql.Open(dsn); err != nil {
			return nil, "", nil, fmt.Errorf("--database-url %s: %w", redact(raw), err)
		}
		dialect = "mysql"
	case strings.HasPrefix(raw, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(raw, "sqlite:"), "//")
		if path == "" {
			return nil, "", nil, errors.New("--database-url sqlite: needs a file, e.g. sqlite:library.db")
		}
		if dir := filepath.Dir(path); !isDir(dir) {
			return nil, "", nil, fmt.Errorf("--database-url %s: the directory %s does not exist (SQLite creates the file, not its directory)", raw, dir)
		}
		dial, dialect = sqlite.Open("file:"+path+"?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_txlock=immediate"), "sqlite"
	default:
		return nil, "", nil, fmt.Errorf("--database-url %q: want postgres://…, mysql://… or sqlite:<file>", redact(raw))
	}
	if err := crudrt.CheckErrorClassifier(ormrt.Dialect(dialect)); err != nil {
		return nil, "", nil, err
	}
	config := &gorm.Config{Logger: logger.Discard}
	closePool := func() {}
	if pcfg != nil {
		pool, perr := pgxpool.NewWithConfig(ctx, pcfg)
		if perr != nil {
			return nil, "", nil, fmt.Errorf("cannot reach postgres database %s: %w", redact(raw), perr)
		}
		closePool = pool.Close
		db, err = crpg.Open(pool, config)
	} else {
		db, err = gorm.Open(dial, config)
	}
	var sqlDB *sql.DB
	if err == nil {
		sqlDB, err = db.DB()
	}
	if err != nil {
		closePool()
		return nil, "", nil, fmt.Errorf("cannot reach %s database %s: %w", dialect, redact(raw), err)
	}
	if dialect == "mysql" && maxConns > 0 {
		sqlDB.SetMaxOpenConns(maxConns)
		sqlDB.SetMaxIdleConns(maxConns)
	}
	closeDB = func() {
		_ = sqlDB.Close()
		closePool()
	}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		closeDB()
		return nil, "", nil, fmt.Errorf("cannot reach %s database %s: %w", dialect, redact(raw), err)
	}
	return db, dialect, closeDB, nil
}

// mysqlDSN turns mysql://user:pass@host:port/db?params into the driver's
// DSN, with the settings the generated models need.
func mysqlDSN(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("--database-url: %w", err)
	}
	cfg := mysqldriver.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net, cfg.Addr = "tcp", u.Host
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	cfg.ParseTime, cfg.Loc = true, time.UTC
	cfg.Collation = "utf8mb4_bin"
	cfg.Timeout = 5 * time.Second
	// The driver reads the server's max_allowed_packet, and splits the
	// values of a statement by it, rather than assume 64 MiB and send
	// packets the server (16 MiB by default) refuses by closing the
	// connection.
	cfg.MaxAllowedPacket = 0
	// max_sort_length: MariaDB and MySQL sort strings by their first 1024
	// bytes only (256 characters of utf8mb4), so rows whose strings share
	// a longer prefix would come out of order and page tokens would skip
	// or repeat them. 4096 bytes sort 1024 characters; much more leaves
	// too few rows in the sort buffer (2 MiB by default): "Out of sort
	// memory".
	cfg.Params = map[string]string{"charset": "utf8mb4", "max_sort_length": "4096"}
	for k, v := range u.Query() {
		cfg.Params[k] = v[0]
	}
	return cfg.FormatDSN(), nil
}

func withParam(raw, key, value string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Get(key) == "" {
		q.Set(key, value)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// isDir reports whether dir is a directory.
func isDir(dir string) bool {
	fi, err := os.Stat(dir)
	return err == nil && fi.IsDir()
}

// redact hides a password in a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	return u.Redacted()
}

// migrate applies the embedded migrations with goose, refusing a database
// that is ahead of this binary.
func migrate(ctx context.Context, db *sql.DB, dialect string, log *slog.Logger) error {
	fsys, err := migrations.FS(dialect)
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(map[string]goose.Dialect{
		"postgres": goose.DialectPostgres, "mysql": goose.DialectMySQL, "sqlite": goose.DialectSQLite3,
	}[dialect], db, fsys)
	if err != nil {
		return err
	}
	current, err := p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("read the migration version: %w", err)
	}
	known := int64(0)
	for _, src := range p.ListSources() {
		known = max(known, src.Version)
	}
	if current > known {
		return fmt.Errorf("the database is at migration %d but this binary knows migrations up to %d: refusing to start; run a newer server", current, known)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range res {
		log.Info("migration applied", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// purgeRequestIDs forgets the AIP-155 request ids older than retention,
// at a quarter of it (at most hourly), until ctx ends.
func purgeRequestIDs(ctx context.Context, svc *crudrt.Service, retention time.Duration, log *slog.Logger) {
	every := min(max(retention/4, 100*time.Millisecond), time.Hour)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := svc.PurgeRequestIDs(ctx, time.Now().Add(-retention)); err != nil && ctx.Err() == nil {
			log.Warn("request ids not purged", "error", err)
		} else if n > 0 {
			log.Info("request ids purged", "count", n, "older than", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
