package api

// Running a job, for every dialect and transport: the one call of
// Executor.Execute, the classification of its errors, and finding a
// runtime by the name a client gave.

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/langs"
)

// errNoResult stands for an executor that broke its contract by returning
// neither a result nor an error.
var errNoResult = errors.New("executor returned neither a result nor an error")

// execute runs a job through the executor, for every dialect, and counts
// it in the metrics. A job refused before it ran (a bad request, a full
// queue) is no job.
func (s *server) execute(ctx context.Context, dialect string, job engine.Job) (*engine.Result, error) {
	res, err := s.exec.Execute(ctx, job)
	if res == nil && err == nil {
		err = errNoResult
	}
	if res != nil || errors.Is(err, errNoResult) {
		s.opts.Metrics.Job(dialect, res)
	}
	return res, err
}

// executeError classifies an error of Executor.Execute: the HTTP status
// and the message, in v1's words (v2ExecuteError says some in Piston's).
// A zero status means ctx is done (the client hung up or the server is
// shutting down): nobody reads an answer. The WebSockets share it.
func (s *server) executeError(ctx context.Context, err error, clamped clampedLimits) (int, string) {
	var notFound *engine.RuntimeNotFoundError
	var limErr *engine.LimitError
	var fileErr *engine.FileError
	var langErr *admission.LanguageError
	var quotaErr *admission.QuotaError
	var optErr *langs.OptionError
	switch {
	case errors.As(err, &optErr):
		return http.StatusBadRequest, optErr.Error()
	case errors.As(err, &notFound):
		return http.StatusBadRequest, notFound.Error()
	case errors.Is(err, engine.ErrRuntimeNotFound):
		// An executor that returns the bare sentinel, e.g. a cluster client
		// that lost the detail in transit.
		return http.StatusBadRequest, err.Error()
	case errors.As(err, &limErr):
		return http.StatusBadRequest, v1LimitMessage(limErr, clamped)
	case errors.As(err, &fileErr):
		return http.StatusBadRequest, fileErr.Error()
	case errors.Is(err, engine.ErrNetworkDisabled):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, engine.ErrQueueFull):
		return http.StatusServiceUnavailable, "server busy: execution queue is full, retry later"
	case errors.Is(err, engine.ErrUnavailable):
		return http.StatusServiceUnavailable, err.Error() + "; retry later"
	case errors.As(err, &langErr):
		return http.StatusForbidden, langErr.Error()
	case errors.As(err, &quotaErr):
		return http.StatusTooManyRequests, quotaErr.Error()
	case ctx.Err() != nil:
		// The client hung up (or the server is shutting down); no one reads
		// an answer, and it is not an engine failure.
		s.log.Debug("execute abandoned", "err", err, "cause", context.Cause(ctx))
		return 0, ""
	default:
		s.log.Error("execute failed", "err", err)
		return http.StatusInternalServerError, "internal error"
	}
}

// lookupRuntime finds a runtime by name or alias, ignoring case, as the
// engine does.
func (s *server) lookupRuntime(name string) (engine.RuntimeInfo, bool) {
	for _, rt := range s.exec.Runtimes() {
		if calledBy(rt, name) {
			return rt, true
		}
	}
	return engine.RuntimeInfo{}, false
}

// calledBy reports whether rt is called name (its language or an alias,
// any case).
func calledBy(rt engine.RuntimeInfo, name string) bool {
	return strings.EqualFold(rt.Language, name) ||
		slices.ContainsFunc(rt.Aliases, func(a string) bool { return strings.EqualFold(a, name) })
}
