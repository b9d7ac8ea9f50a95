package api

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"

	"github.com/coderacer/coderacer/internal/engine"
)

// DefaultMaxBodyBytes is DESIGN.md's request body bound.
const DefaultMaxBodyBytes = 8 << 20

// Options configure the handler. Zero values pick the defaults.
type Options struct {
	MaxBodyBytes int64 // 0 means DefaultMaxBodyBytes
	MaxFiles     int   // 0 means engine.DefaultMaxFiles
	Logger       *slog.Logger
	WebSocket    WSOptions // zero fields pick DefaultWSOptions
}

type server struct {
	exec     engine.Executor
	opts     Options
	log      *slog.Logger
	sessions wsSessions // open WebSocket sessions
}

// New returns the HTTP handler for every API route, wrapped so that panics
// and the mux's own 404/405 answers come out as JSON too.
func New(exec engine.Executor, opts Options) http.Handler {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxFiles <= 0 {
		opts.MaxFiles = engine.DefaultMaxFiles
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &server{exec: exec, opts: opts, log: opts.Logger}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/execute", s.handleExecute)
	mux.HandleFunc("GET /api/v1/runtimes", s.handleRuntimes)
	mux.HandleFunc("GET /api/v1/health", s.handleHealth)
	mux.HandleFunc("GET /api/v1/connect", s.handleV1Connect)
	// Piston v2 (v2.go, ws_v2.go); its 404s and 405s answer in its own
	// error shape, {"message": ...}.
	mux.HandleFunc("POST /api/v2/execute", s.handleV2Execute)
	mux.HandleFunc("GET /api/v2/runtimes", s.handleV2Runtimes)
	mux.HandleFunc("GET /api/v2/connect", s.handleV2Connect)
	mux.HandleFunc("/api/v2/", s.handleV2Fallback)
	return s.recoverer(jsonFallback(mux))
}

// jsonFallback rewrites the mux's plain-text 404 and 405 answers as JSON.
// A catch-all "/" route cannot do it: it would match every method and so
// swallow the mux's 405s.
func jsonFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			h.ServeHTTP(w, r)
			return
		}
		rec := &recorder{header: http.Header{}, code: http.StatusOK}
		h.ServeHTTP(rec, r)
		switch rec.code {
		case http.StatusNotFound:
			writeError(w, http.StatusNotFound, "not found")
		case http.StatusMethodNotAllowed:
			if allow := rec.header.Get("Allow"); allow != "" {
				w.Header().Set("Allow", allow)
			}
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
		default:
			// Path-cleaning redirects and the like: pass them on unchanged.
			for k, v := range rec.header {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.code)
			w.Write(rec.body.Bytes())
		}
	})
}

// recorder buffers the answer of a mux-internal handler so it can be
// replaced; those answers are a few bytes long.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
	wrote  bool
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.body.Write(p)
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.code, r.wrote = code, true
	}
}

// recoverer turns a handler panic into a logged 500 instead of a dropped
// connection. There should be none; this is the last line of defence.
func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				// The sentinel asks net/http to abort the response quietly.
				panic(v)
			}
			s.log.Error("panic in HTTP handler",
				"method", r.Method, "path", r.URL.Path,
				"panic", v, "stack", string(debug.Stack()))
			if !tw.wroteHeader {
				writeError(w, http.StatusInternalServerError, "internal error")
			}
		}()
		next.ServeHTTP(tw, r)
	})
}

// trackingWriter remembers whether the status line has gone out, because
// after that a 500 can no longer be sent.
type trackingWriter struct {
	http.ResponseWriter
	wroteHeader bool
}

func (w *trackingWriter) WriteHeader(code int) {
	if code >= 200 {
		w.wroteHeader = true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *trackingWriter) Write(p []byte) (int, error) {
	w.wroteHeader = true
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the real writer (flushing,
// deadlines) through this wrapper.
func (w *trackingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// readBody reads a request body up to the server's limit. On failure it
// returns the HTTP status and the message to answer with, in whichever
// dialect's error shape.
func (s *server) readBody(w http.ResponseWriter, r *http.Request) (body []byte, code int, msg string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.opts.MaxBodyBytes))
	if err == nil {
		return body, 0, ""
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return nil, http.StatusRequestEntityTooLarge, "request body exceeds " + strconv.FormatInt(tooBig.Limit, 10) + " bytes"
	}
	// The client went away or sent a broken chunked stream. Nobody may
	// be listening; answer anyway.
	s.log.Debug("reading request body", "err", err)
	return nil, http.StatusBadRequest, "cannot read request body"
}
