package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/coderacer/coderacer/internal/apidoc"
	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/metrics"
	"github.com/coderacer/coderacer/internal/playground"
	"github.com/coderacer/coderacer/internal/ratelimit"
	"github.com/coderacer/coderacer/internal/store"
)

// The defaults of Options (README "Configuration" says why).
const (
	// DefaultMaxBodyBytes is the largest request body (README
	// "Configuration": CODERACER_MAX_BODY_BYTES).
	DefaultMaxBodyBytes = 8 << 20
	// DefaultMaxArgBytes is the longest argument Linux passes to a
	// program: MAX_ARG_STRLEN (128 KiB) counts the terminating NUL.
	DefaultMaxArgBytes = 128<<10 - 1
	// DefaultMaxArgsBytes bounds all arguments together, far below what
	// execve allows for arguments and environment (a quarter of the stack
	// limit, at most 6 MiB).
	DefaultMaxArgsBytes = 1 << 20
	// DefaultMaxStdinBytes bounds stdin: as much as a body carries (a
	// judge's input may be most of it). It matters once the body bound
	// is raised.
	DefaultMaxStdinBytes = DefaultMaxBodyBytes
	// DefaultBodyMemoryBytes bounds the request bodies held at once:
	// eight of the largest.
	DefaultBodyMemoryBytes = 8 * DefaultMaxBodyBytes
	// DefaultResponseMemoryBytes bounds the results held while their
	// answers are written: two jobs at the largest output limits.
	DefaultResponseMemoryBytes = 256 << 20
	// DefaultWriteTimeout is how long a client may leave a piece of an
	// answer (32 KiB) unread before the connection is cut.
	DefaultWriteTimeout = 10 * time.Second
	// DefaultMaxConnections bounds the open connections (LimitListener).
	DefaultMaxConnections = 1024
)

// Options configure the handler. Zero values pick the defaults.
type Options struct {
	MaxBodyBytes        int64         // 0 means DefaultMaxBodyBytes
	MaxFiles            int           // 0 means engine.DefaultMaxFiles
	MaxArgBytes         int64         // 0 means DefaultMaxArgBytes
	MaxArgsBytes        int64         // 0 means DefaultMaxArgsBytes
	MaxStdinBytes       int64         // 0 means DefaultMaxStdinBytes
	BodyMemoryBytes     int64         // 0 means DefaultBodyMemoryBytes
	ResponseMemoryBytes int64         // 0 means DefaultResponseMemoryBytes
	WriteTimeout        time.Duration // 0 means DefaultWriteTimeout
	Logger              *slog.Logger
	WebSocket           WSOptions    // zero fields pick DefaultWSOptions
	Judge               JudgeOptions // zero fields pick DefaultJudgeOptions
	// Metrics, when not nil, records jobs, requests and WebSocket
	// sessions; MetricsRoute also serves them at GET /metrics.
	Metrics      *metrics.Metrics
	MetricsRoute bool
	// AllowedOrigins are the browser origins (scheme://host[:port], or
	// "*") whose pages may call the API, WebSockets included; pages of
	// the server's own origin always may. Empty: no other origin.
	AllowedOrigins []string
	// Draining, when not nil, tells that the server is shutting down:
	// GET /api/v1/ready then answers 503, so that a load balancer stops
	// sending work before the listener closes.
	Draining func() bool
	// Keys, when not nil, makes every request outside OpenPaths need an
	// API key; nil: keys are off and clients are told apart by address.
	Keys KeyLookup
	// OpenPaths need no key and take no request token (nil:
	// DefaultOpenPaths; empty, non-nil: none). A path "/x" opens "/x/..."
	// too.
	OpenPaths []string
	// RateLimiter, when not nil, holds each client's bucket of requests,
	// shaped by RateLimit unless the client's key has a rate of its own.
	RateLimiter *ratelimit.Limiter
	RateLimit   ratelimit.Limit
	// TrustedProxies are the peers whose X-Forwarded-For is believed when
	// telling clients apart by address.
	TrustedProxies []netip.Prefix
	// OperationsOnly serves health, readiness, metrics and the API
	// document only: a worker node's HTTP, which takes no jobs.
	OperationsOnly bool
	// Cluster, when not nil, answers GET /api/v1/cluster: the workers
	// that run this server's jobs.
	Cluster ClusterView
	// Submissions configure the asynchronous routes (README
	// "Submissions"); without a store they answer 501.
	Submissions SubmissionOptions
	// Judge0 configures the Judge0 CE dialect (judge0.go).
	Judge0 Judge0Options
}

type server struct {
	exec engine.Executor
	opts Options
	log  *slog.Logger
	// bodies holds the request bodies being read and the jobs made of
	// them until they ran; responses the results whose answers are
	// being written.
	bodies, responses *byteBudget
	freed             memoryReturner
	sessions          wsSessions // open WebSocket sessions
	// runners run the submissions of a dialect's kind (Judge0's), and
	// callbackBodies render them for their callbacks.
	runners        map[string]submissionRunner
	callbackBodies map[string]callbackBody
	judge0State
}

func (o *Options) setDefaults() {
	def := func(v *int64, d int64) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.MaxBodyBytes, DefaultMaxBodyBytes)
	def(&o.MaxArgBytes, DefaultMaxArgBytes)
	def(&o.MaxArgsBytes, DefaultMaxArgsBytes)
	def(&o.MaxStdinBytes, DefaultMaxStdinBytes)
	def(&o.BodyMemoryBytes, DefaultBodyMemoryBytes)
	def(&o.ResponseMemoryBytes, DefaultResponseMemoryBytes)
	if o.MaxFiles <= 0 {
		o.MaxFiles = engine.DefaultMaxFiles
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = DefaultWriteTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.OpenPaths == nil {
		o.OpenPaths = DefaultOpenPaths
	}
	o.Judge = o.Judge.withDefaults()
	o.Submissions = o.Submissions.withDefaults()
	o.Judge0 = o.Judge0.withDefaults()
}

// New returns the HTTP handler for every API route, wrapped so that panics
// and the mux's own 404/405 answers come out as JSON too.
func New(exec engine.Executor, opts Options) http.Handler {
	return newServer(exec, opts).handler()
}

// Server is the API with the side its asynchronous submissions' workers
// call: the store runs RunSubmission for each queued job and
// SubmissionDone once it is over.
type Server struct{ s *server }

// NewServer returns the API for exec.
func NewServer(exec engine.Executor, opts Options) *Server {
	return &Server{s: newServer(exec, opts)}
}

// Handler is New's handler.
func (s *Server) Handler() http.Handler { return s.s.handler() }

// RunSubmission runs one queued submission and returns the result to
// keep; an error leaves it to be delivered again.
func (s *Server) RunSubmission(ctx context.Context, id string, payload []byte) ([]byte, error) {
	return s.s.runSubmission(ctx, id, payload)
}

// SubmissionDone delivers an ended submission to its callback, if any.
// It may be called more than once for one submission.
func (s *Server) SubmissionDone(ctx context.Context, st store.State) error {
	return s.s.submissionDone(ctx, st)
}

func newServer(exec engine.Executor, opts Options) *server {
	opts.setDefaults()
	s := &server{exec: exec, opts: opts, log: opts.Logger,
		bodies:         &byteBudget{limit: opts.BodyMemoryBytes},
		responses:      &byteBudget{limit: opts.ResponseMemoryBytes},
		sessions:       wsSessions{metrics: opts.Metrics},
		runners:        map[string]submissionRunner{},
		callbackBodies: map[string]callbackBody{},
	}
	s.runners[kindJudge0], s.callbackBodies[kindJudge0] = s.runJudge0Submission, judge0CallbackBody
	return s
}

func (s *server) handler() http.Handler {
	mux := http.NewServeMux()
	s.operationRoutes(mux)
	if !s.opts.OperationsOnly {
		s.jobRoutes(mux)
	}
	return requestIDs(s.observe(s.checkOrigins(s.admit(s.writeDeadlines(s.recoverer(jsonFallback(mux)))))))
}

// operationRoutes are the routes of every node: health, readiness, the
// cluster, metrics and the API document.
func (s *server) operationRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/health", s.handleHealth)
	mux.HandleFunc("GET /api/v1/ready", s.handleReady)
	mux.HandleFunc("GET /api/v1/cluster", s.handleCluster)
	if s.opts.Metrics != nil && s.opts.MetricsRoute {
		mux.Handle("GET /metrics", s.opts.Metrics.Handler())
	}
	// The OpenAPI document and its page (internal/apidoc).
	docs := apidoc.New()
	mux.HandleFunc("GET /api/openapi.json", docs.ServeDocument)
	mux.HandleFunc("GET /docs", docs.ServePage)
	mux.HandleFunc("GET /docs/{file}", docs.ServeAsset)
}

// jobRoutes are the routes that take jobs, of every dialect.
func (s *server) jobRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /api/v1/execute", s.handleExecute)
	mux.HandleFunc("POST /api/v1/judge", s.handleJudge)
	mux.HandleFunc("GET /api/v1/runtimes", s.handleRuntimes)
	mux.HandleFunc("GET /api/v1/connect", s.handleV1Connect)
	mux.HandleFunc("POST /api/v1/submissions", s.needStore(s.handleSubmit))
	mux.HandleFunc("POST /api/v1/submissions/batch", s.needStore(s.handleSubmitBatch))
	mux.HandleFunc("GET /api/v1/submissions/batch", s.needStore(s.handleGetBatch))
	mux.HandleFunc("GET /api/v1/submissions/{token}", s.needStore(s.handleGetSubmission))
	mux.HandleFunc("DELETE /api/v1/submissions/{token}", s.needStore(s.handleCancelSubmission))
	// Piston v2 (v2.go, ws_v2.go); its 404s and 405s answer in its own
	// error shape, {"message": ...}.
	mux.HandleFunc("POST /api/v2/execute", s.handleV2Execute)
	mux.HandleFunc("GET /api/v2/runtimes", s.handleV2Runtimes)
	mux.HandleFunc("GET /api/v2/connect", s.handleV2Connect)
	mux.HandleFunc("/api/v2/", s.handleV2Fallback)
	s.judge0Routes(mux)
	// The playground (internal/playground): its page at / alone ("{$}":
	// other paths keep their JSON 404s and 405s) and its files.
	pg := playground.New()
	mux.HandleFunc("GET /{$}", pg.ServePage)
	mux.HandleFunc("GET /playground/{file}", pg.ServeAsset)
}

// jsonFallback rewrites the mux's plain-text 404 and 405 answers as JSON.
// A catch-all "/" route cannot do it: it would match every method and so
// swallow the mux's 405s.
func jsonFallback(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, pattern := mux.Handler(r)
		if pattern != "" {
			// Through the mux, which sets r.Pattern (the metrics'
			// route) and the path values.
			mux.ServeHTTP(w, r)
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

// readBody reads a request body up to the server's limit, within the body
// memory: a body that does not fit is a 503. release gives its memory
// back; the caller calls it once the job made of the body has run. On
// failure it returns the HTTP status and the message to answer with, in
// whichever dialect's error shape, and nothing is held.
func (s *server) readBody(w http.ResponseWriter, r *http.Request) (body []byte, release func(), code int, msg string) {
	return s.readBodyUpTo(w, r, s.opts.MaxBodyBytes)
}

// readBodyUpTo is readBody with a bound of max bytes (a judge request's
// is its own).
func (s *server) readBodyUpTo(w http.ResponseWriter, r *http.Request, max int64) (body []byte, release func(), code int, msg string) {
	if r.ContentLength > max {
		// Refused before reading a byte.
		return nil, nil, http.StatusRequestEntityTooLarge, "request body exceeds " + strconv.FormatInt(max, 10) + " bytes"
	}
	// Reserve the announced length before reading a byte; a chunked body
	// reserves as its buffer doubles.
	bound, start := max+1, int64(512)
	if r.ContentLength >= 0 {
		bound, start = r.ContentLength+1, r.ContentLength+1
	}
	var reserved int64
	room := func(n int64) bool {
		if n <= reserved {
			return true
		}
		if !s.bodies.reserve(n - reserved) {
			return false
		}
		reserved = n
		return true
	}
	free := func() {
		s.bodies.release(reserved)
		if reserved >= 1<<20 {
			s.freed.soon()
		}
	}
	if !room(start) {
		return nil, nil, http.StatusServiceUnavailable, s.bodiesBusy()
	}
	body, err := readLimited(http.MaxBytesReader(w, r.Body, max), start, bound, room)
	if err == nil {
		return body, free, 0, ""
	}
	free()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, nil, http.StatusRequestEntityTooLarge, "request body exceeds " + strconv.FormatInt(tooBig.Limit, 10) + " bytes"
	case errors.Is(err, errBodyMemory):
		return nil, nil, http.StatusServiceUnavailable, s.bodiesBusy()
	}
	// The client went away or sent a broken chunked stream. Nobody may
	// be listening; answer anyway.
	s.log.Debug("reading request body", "err", err)
	return nil, nil, http.StatusBadRequest, "cannot read request body"
}

var errBodyMemory = errors.New("request body memory is full")

// readLimited is io.ReadAll into a buffer of size bytes at first, at most
// limit, which asks room before it grows to n bytes and fails with
// errBodyMemory when it gets none.
func readLimited(r io.Reader, size, limit int64, room func(n int64) bool) ([]byte, error) {
	b := make([]byte, 0, size)
	for {
		if len(b) == cap(b) {
			// Grow by doubling, explicitly, so what is reserved is what
			// is allocated.
			n := min(int64(cap(b))*2, limit)
			if n == int64(cap(b)) || !room(n) {
				return nil, errBodyMemory
			}
			b = append(make([]byte, 0, n), b...)
		}
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func (s *server) bodiesBusy() string {
	return fmt.Sprintf("server busy: request bodies being read hold %d of the %d bytes allowed, retry later",
		s.bodies.held(), s.bodies.limit)
}

// writeFailure answers an error in a dialect's shape; a 503 asks the
// client to retry in a second.
func writeFailure(w http.ResponseWriter, code int, msg string, write func(http.ResponseWriter, int, string)) {
	if code == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	write(w, code, msg)
}
