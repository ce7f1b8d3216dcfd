package load

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"
	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
	"github.com/protoforge/protoforge/example/migrations"
)

// Migrate applies the example's migrations to db.
func Migrate(ctx context.Context, db *gorm.DB) error {
	d := db.Dialector.Name()
	dialect, ok := map[string]goose.Dialect{"postgres": goose.DialectPostgres, "mysql": goose.DialectMySQL, "sqlite": goose.DialectSQLite3}[d]
	if !ok {
		return fmt.Errorf("load: no migrations for dialect %q", d)
	}
	fsys, err := migrations.FS(d)
	if err != nil {
		return err
	}
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(dialect, sqlDB, fsys)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// Server serves the generated library.v1 services on a loopback socket
// (Connect, gRPC and gRPC-Web over HTTP/1.1 and h2c) and holds clients of
// it that speak Connect's binary protocol over h2c.
type Server struct {
	// URL is the server's base URL.
	URL     string
	Books   libraryv1connect.BookServiceClient
	Authors libraryv1connect.AuthorServiceClient
	// Handler is the service the socket serves, for calls in process.
	Handler *libraryv1.BookServiceCRUD

	srv       *http.Server
	done      chan error
	transport *http.Transport
	inFlight  atomic.Int64
}

// InFlight is the number of requests the server is handling.
func (s *Server) InFlight() int64 { return s.inFlight.Load() }

// Serve starts serving db's generated services on 127.0.0.1; opts
// configure both services.
func Serve(db *gorm.DB, opts ...crudrt.Option) (*Server, error) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	books := libraryv1.NewBookServiceCRUD(db, opts...)
	mux := http.NewServeMux()
	mux.Handle(libraryv1connect.NewBookServiceHandler(books))
	mux.Handle(libraryv1connect.NewAuthorServiceHandler(libraryv1.NewAuthorServiceCRUD(db, opts...)))
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	s := &Server{
		URL:     "http://" + lis.Addr().String(),
		Handler: books,
		done:    make(chan error, 1),
	}
	count := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		mux.ServeHTTP(w, r)
	})
	s.srv = &http.Server{Handler: count, Protocols: protocols, ReadHeaderTimeout: 10 * time.Second}
	go func() { s.done <- s.srv.Serve(lis) }()
	h2c := new(http.Protocols)
	h2c.SetUnencryptedHTTP2(true)
	s.transport = &http.Transport{Protocols: h2c}
	client := &http.Client{Transport: s.transport}
	s.Books = libraryv1connect.NewBookServiceClient(client, s.URL)
	s.Authors = libraryv1connect.NewAuthorServiceClient(client, s.URL)
	return s, nil
}

// Close stops the server and closes the clients' connections.
func (s *Server) Close() error {
	s.transport.CloseIdleConnections()
	err := s.srv.Close()
	if serr := <-s.done; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// CodeOf is the status code of a client error; 0 (OK) for nil.
func CodeOf(err error) connect.Code {
	if err == nil {
		return 0
	}
	return connect.CodeOf(err)
}
