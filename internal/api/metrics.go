package api

import (
	"net/http"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// The dialects jobs are counted by.
const (
	dialectV1          = "v1"
	dialectV2          = "piston-v2"
	dialectV1WebSocket = "v1-websocket"
	dialectV2WebSocket = "piston-v2-websocket"
	// Asynchronous submissions (submission_job.go).
	dialectV1Async      = "v1-submission"
	dialectV1JudgeAsync = "v1-judge-submission"
)

// statusWriter remembers the status code of an answer for the metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController and the WebSocket upgrade reach the
// real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe writes the access log line of every answer and counts it in the
// metrics by the route pattern it matched (set on the request by the
// ServeMux inside next) and its status code.
func (s *server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		code := sw.code
		if code == 0 {
			// A handler that wrote nothing: net/http answers 200.
			code = http.StatusOK
		}
		took := time.Since(start)
		s.log.Info("request", "method", r.Method, "path", r.URL.Path, "status", code, "duration", took,
			"requestId", engine.RequestID(r.Context()))
		s.opts.Metrics.Request(r.Pattern, code, took)
	})
}
