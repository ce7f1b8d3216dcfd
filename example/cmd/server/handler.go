package main

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"connectrpc.com/connect"
	connectcors "connectrpc.com/cors"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"connectrpc.com/vanguard"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"gorm.io/gorm"

	"github.com/protoforge/protoforge/crudrt"
	libraryv1 "github.com/protoforge/protoforge/example/gen/library/v1"
	"github.com/protoforge/protoforge/example/gen/library/v1/libraryv1connect"
	"github.com/protoforge/protoforge/example/web"
)

// compressMinBytes is the size from which responses are compressed for
// clients that accept it.
const compressMinBytes = 1024

// newHandler wires the services: connect-go handlers (gRPC, gRPC-Web,
// Connect) behind vanguard, which adds REST on the default AIP routes,
// plus reflection and health, the browser page at /, CORS, request logs
// and a body limit.
func newHandler(db *gorm.DB, log *slog.Logger, cfg *config) (http.Handler, error) {
	opts := []crudrt.Option{crudrt.WithLogger(log)}
	if cfg.pageTokenKey != "" {
		opts = append(opts, crudrt.WithPageTokenKey([]byte(cfg.pageTokenKey)))
	}
	books := libraryv1.NewBookServiceCRUD(db, opts...)
	authors := libraryv1.NewAuthorServiceCRUD(db, opts...)
	// Strict JSON: an unknown field or enum name is InvalidArgument, not
	// silently dropped, over Connect and REST alike. Responses under
	// compressMinBytes go out uncompressed, even to clients that accept
	// gzip: compressing a single resource costs more CPU than the bytes it
	// saves on the wire.
	handlerOpts := func(limit int64) []connect.HandlerOption {
		return []connect.HandlerOption{
			connect.WithReadMaxBytes(int(limit)),
			connect.WithCodec(crudrt.JSON{}),
			// A binary message refused at a field names it, as
			// JSON's errors do.
			connect.WithCodec(crudrt.Proto{}),
			connect.WithCompressMinBytes(compressMinBytes),
			// gzip that stops at the limit once decompressed:
			// connect-go's own decompresses a message over the limit to
			// its end to report its size (a body of 4 MB, gigabytes of
			// work).
			connect.WithCompression("gzip", crudrt.GzipDecompressor(cfg.maxBody), crudrt.GzipCompressor),
		}
	}
	// The limit on a request body is --max-body-bytes: the bytes received
	// (http.MaxBytesHandler, below), and the message once decompressed,
	// which the handlers of gRPC, gRPC-Web and Connect check. A REST body
	// reaches its handler written again by the transcoder, which has read
	// it within those limits: in the request message around it
	// ({"book":…}), with protojson's spacing, numbers as strings, enums
	// by name, a few times its size at most, and decompressed (the
	// transcoder decompresses a body, within the limit, before it hands
	// it on: WithNoTargetCompression). Its handlers take that.
	rpcOpts, restOpts := handlerOpts(cfg.maxBody), handlerOpts(restRewriteFactor*cfg.maxBody)
	// A REST request without a body leaves the field its binding's body
	// names absent, in every method (crudrt.RESTBodies).
	restOpts = append(restOpts, connect.WithInterceptors(crudrt.RESTBodies()))

	mux := http.NewServeMux()
	var (
		descs []protoreflect.ServiceDescriptor
		rests []http.Handler
	)
	rules := append(libraryv1.BookServiceRESTRules(), libraryv1.AuthorServiceRESTRules()...)
	add := func(path string, handler, rest http.Handler) error {
		// gRPC, gRPC-Web and Connect reach connect-go directly; vanguard
		// serves the REST routes, which the rules give the methods'
		// descriptors.
		mux.Handle(path, handler)
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(strings.Trim(path, "/")))
		if err != nil {
			return err
		}
		descs, rests = append(descs, d.(protoreflect.ServiceDescriptor)), append(rests, rest)
		return nil
	}
	path, rpc := libraryv1connect.NewBookServiceHandler(books, rpcOpts...)
	_, rest := libraryv1connect.NewBookServiceHandler(books, restOpts...)
	if err := add(path, rpc, rest); err != nil {
		return nil, err
	}
	path, rpc = libraryv1connect.NewAuthorServiceHandler(authors, rpcOpts...)
	_, rest = libraryv1connect.NewAuthorServiceHandler(authors, restOpts...)
	if err := add(path, rpc, rest); err != nil {
		return nil, err
	}
	// One transcoder serves both services: the paths their bindings share
	// are bound across them, so that every binding is reached.
	descs, err := crudrt.ServicesWithRules(descs, rules...)
	if err != nil {
		return nil, err
	}
	services := make([]*vanguard.Service, len(descs))
	for i, d := range descs {
		services[i] = vanguard.NewServiceWithSchema(d, rests[i], vanguard.WithNoTargetCompression())
	}
	// The transcoder reads a REST body whole before connect-go's limit
	// applies: gzip bodies stop at the same limit once decompressed.
	transcoder, err := vanguard.NewTranscoder(services,
		vanguard.WithCodec(func(vanguard.TypeResolver) vanguard.Codec { return crudrt.RESTJSON{} }),
		vanguard.WithCompression("gzip", crudrt.GzipCompressor, crudrt.GzipDecompressor(cfg.maxBody)))
	if err != nil {
		return nil, err
	}
	names := []string{libraryv1connect.BookServiceName, libraryv1connect.AuthorServiceName}
	reflector := grpcreflect.NewStaticReflector(append(names, grpchealth.HealthV1ServiceName)...)
	mux.Handle(grpcreflect.NewHandlerV1(reflector))
	mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector))
	mux.Handle(grpchealth.NewHandler(grpchealth.NewStaticChecker(names...)))
	// The browser page claims GET / and its files by exact path; every
	// other path is the API's.
	page, err := web.Routes()
	if err != nil {
		return nil, err
	}
	for pattern, h := range page {
		mux.Handle(pattern, h)
	}
	// Liveness: the process serves. Readiness: its database answers, and a
	// Galera node (wsrep_on) is synced (wsrep_ready), so that a load
	// balancer routes only to servers that can serve.
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := ready(r.Context(), db); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	// The OpenAPI 3.1 document of the REST routes (both services are in
	// library.proto, which has one document).
	openapi := libraryv1.BookServiceOpenAPI()
	mux.HandleFunc("GET /openapi.json", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(openapi)
	})
	// REST answers malformed queries InvalidArgument, as Connect does, and
	// takes update_mask=*; given the rules, it refuses a query parameter
	// that would override the path or the body (/v1/books/1?id=2).
	mux.Handle("/", crudrt.RESTGuard(transcoder, rules...))
	// A malformed gRPC or gRPC-Web envelope is the client's fault:
	// InvalidArgument, not connect-go's Internal (RPCGuard). gRPC-Web's
	// text mode (base64), the grpc-web JavaScript client's default, is
	// served through the binary mode (GRPCWebText).
	// Past --max-in-flight, requests wait a bounded time and are then
	// turned away; health checks and server reflection are always
	// answered. A request takes a
	// place once its message has arrived (within --body-timeout).
	limit := cfg.limit
	// Server reflection is exempt too: it reads no database, and its
	// streams stay open as long as a client (grpcurl, an IDE) likes, so
	// that a few would otherwise hold every place.
	reflection := []string{"/" + grpcreflect.ReflectV1ServiceName + "/", "/" + grpcreflect.ReflectV1AlphaServiceName + "/"}
	limit.Exempt = append([]string{"/livez", "/readyz", "/grpc.health.v1.Health/"}, reflection...)
	limit.MaxBodyBytes = cfg.maxBody
	limit.Streams = reflection
	return logRequests(log, withCORS(cfg.corsOrigins, crudrt.Limiter(http.MaxBytesHandler(crudrt.GRPCWebText(crudrt.RPCGuard(mux)), cfg.maxBody), limit))), nil
}

// restRewriteFactor bounds how much larger than the body received a REST
// request may reach its handler, written again by the transcoder: an
// enum list given by numbers ("1,") grows most, to its names.
const restRewriteFactor = 16

// withCORS answers preflights and marks responses for the allowed origins,
// with the headers the Connect, gRPC-Web and REST protocols need.
func withCORS(origins string, next http.Handler) http.Handler {
	allowed := map[string]bool{}
	for _, o := range strings.Split(origins, ",") {
		allowed[strings.TrimSpace(o)] = true
	}
	methods := strings.Join(append(connectcors.AllowedMethods(), http.MethodPut, http.MethodPatch, http.MethodDelete), ", ")
	// Besides connect-go's list: the headers that compress a request or
	// ask for a compressed answer, in each protocol (a browser may send
	// them; REST bodies may be gzip), and REST's timeout.
	headers := strings.Join(append(connectcors.AllowedHeaders(), "Authorization",
		"Connect-Content-Encoding", "Connect-Accept-Encoding", "Grpc-Encoding", "Grpc-Accept-Encoding", "Content-Encoding",
		"X-Server-Timeout"), ", ")
	// Retry-After: when to try again after ResourceExhausted (HTTP 429)
	// or Unavailable, which a script reads only if exposed.
	exposed := strings.Join(append(connectcors.ExposedHeaders(), "Retry-After"), ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && (allowed["*"] || allowed[origin]) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			h.Add("Vary", "Origin")
			h.Set("Access-Control-Expose-Headers", exposed)
			if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
				h.Set("Access-Control-Allow-Methods", methods)
				h.Set("Access-Control-Allow-Headers", headers)
				h.Set("Access-Control-Max-Age", "7200")
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// statusWriter records the status of a response for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach flushers and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush forwards to the underlying writer, which streaming protocols need.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK // flushing sends the header
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// logRequests writes one structured line per request.
func logRequests(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		// As the client sent them: the REST transcoder rewrites the
		// request's URL and headers as it hands it on.
		method, path, proto, ct := r.Method, r.URL.Path, r.Proto, r.Header.Get("Content-Type")
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK // what net/http sends for a handler that wrote nothing
		}
		attrs := []any{"method", method, "path", path, "proto", proto,
			"content_type", ct, "status", sw.status, "duration", time.Since(start)}
		// gRPC and gRPC-Web answer HTTP 200 and carry their status in
		// trailers or, for a trailers-only answer, in the headers.
		if gs := w.Header().Get("Grpc-Status") + w.Header().Get(http.TrailerPrefix+"Grpc-Status"); gs != "" {
			attrs = append(attrs, "grpc_status", gs)
		}
		log.Info("request", attrs...)
	})
}

// ready checks that the database answers within a second and, on a
// MariaDB Galera node, that the node is ready for queries (wsrep_ready):
// a node out of the cluster's primary component refuses them.
func ready(ctx context.Context, db *gorm.DB) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	sqlDB, err := db.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return errors.New("database unreachable")
	}
	if db.Dialector.Name() != "mysql" {
		return nil
	}
	return galeraReady(ctx, func(ctx context.Context, query string) (string, bool, error) {
		var name, value string
		err := sqlDB.QueryRowContext(ctx, query).Scan(&name, &value)
		if errors.Is(err, sql.ErrNoRows) {
			return "", false, nil
		}
		return value, err == nil, err
	})
}

// showFunc runs a SHOW statement that names one variable and returns its
// value, or found=false when the server has no such variable.
type showFunc func(ctx context.Context, query string) (value string, found bool, err error)

// galeraReady is ready's check of a MySQL or MariaDB server. Only a Galera
// node (wsrep_on=ON) must also be ready for queries (wsrep_ready=ON). A
// plain MariaDB is not one: its server has the wsrep variables but
// wsrep_on=OFF, and wsrep_ready stays OFF for good; MySQL has no wsrep
// variables at all.
func galeraReady(ctx context.Context, show showFunc) error {
	on, found, err := show(ctx, "SHOW GLOBAL VARIABLES LIKE 'wsrep_on'")
	switch {
	case err != nil:
		return errors.New("database unreachable")
	case !found || !isOn(on):
		return nil // not a Galera node
	}
	value, found, err := show(ctx, "SHOW GLOBAL STATUS LIKE 'wsrep_ready'")
	switch {
	case err != nil:
		return errors.New("database unreachable")
	case !found:
		return errors.New("galera node not ready (no wsrep_ready)")
	case !isOn(value):
		return errors.New("galera node not ready (wsrep_ready=" + value + ")")
	}
	return nil
}

// isOn reports whether a boolean server variable is set: ON, or 1.
func isOn(v string) bool { return strings.EqualFold(v, "ON") || v == "1" }
