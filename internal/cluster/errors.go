package cluster

import (
	"errors"
	"fmt"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/langs"
)

// ErrWorkerLost ends a streamed job whose worker died (or stopped) while
// it ran: its stdin is gone, so it is not run again.
var ErrWorkerLost = fmt.Errorf("%w: the worker running this session was lost", engine.ErrUnavailable)

// ErrNoAnswer is returned when no worker answered within the job's
// limits and a margin: every worker busy, dead or unreachable. It is the
// load's fault, not the request's (a 503).
var ErrNoAnswer = fmt.Errorf("%w: no worker of the cluster answered in time", engine.ErrUnavailable)

// ErrNoWorker is returned when NATS does not take the job (JetStream
// unreachable, no jobs stream): the cluster's fault, a 503.
var ErrNoWorker = fmt.Errorf("%w: no worker of the cluster is available", engine.ErrUnavailable)

// Kinds of Error: each rebuilds one Go error of the engine.
const (
	errRuntimeNotFound = "runtime_not_found"
	errLimit           = "limit"
	errFile            = "file"
	errOption          = "option"
	errNetworkDisabled = "network_disabled"
	errQueueFull       = "queue_full"
	errWorkerLost      = "worker_lost"
	errInternal        = "internal"
)

// Error is an executor's error on the wire, typed enough to rebuild the
// engine's errors the API tells apart; any other is internal, its text
// kept for the log.
type Error struct {
	Kind     string   `json:"kind"`
	Message  string   `json:"message"`
	Language string   `json:"language,omitempty"`
	Stage    string   `json:"stage,omitempty"`
	Limit    int      `json:"limit,omitempty"`
	Value    int64    `json:"value,omitempty"`
	Max      int64    `json:"max,omitempty"`
	Name     string   `json:"name,omitempty"`
	Reason   string   `json:"reason,omitempty"`
	Index    int      `json:"index,omitempty"`
	Option   string   `json:"option,omitempty"`
	Allowed  []string `json:"allowed,omitempty"`
}

// WireError is err's wire form.
func WireError(err error) *Error {
	var notFound *engine.RuntimeNotFoundError
	var limErr *engine.LimitError
	var fileErr *engine.FileError
	var optErr *langs.OptionError
	e := &Error{Kind: errInternal, Message: err.Error()}
	switch {
	case errors.As(err, &optErr):
		e.Kind, e.Index, e.Option, e.Language, e.Allowed = errOption, optErr.Index, optErr.Option, optErr.Language, optErr.Allowed
	case errors.As(err, &notFound):
		e.Kind, e.Language = errRuntimeNotFound, notFound.Language
	case errors.Is(err, engine.ErrRuntimeNotFound):
		e.Kind = errRuntimeNotFound
	case errors.As(err, &limErr):
		e.Kind, e.Stage, e.Limit, e.Value, e.Max = errLimit, limErr.Stage, int(limErr.Limit), limErr.Value, limErr.Max
	case errors.As(err, &fileErr):
		e.Kind, e.Name, e.Reason = errFile, fileErr.Name, fileErr.Reason
	case errors.Is(err, engine.ErrNetworkDisabled):
		e.Kind = errNetworkDisabled
	case errors.Is(err, engine.ErrQueueFull):
		e.Kind = errQueueFull
	case errors.Is(err, ErrWorkerLost):
		e.Kind = errWorkerLost
	}
	return e
}

// Err rebuilds the Go error e stands for: the engine's own types and
// sentinels, so that errors.As and errors.Is work as on a local engine.
func (e *Error) Err() error {
	switch e.Kind {
	case errOption:
		return &langs.OptionError{Index: e.Index, Option: e.Option, Language: e.Language, Allowed: e.Allowed}
	case errRuntimeNotFound:
		return &engine.RuntimeNotFoundError{Language: e.Language}
	case errLimit:
		return &engine.LimitError{Stage: e.Stage, Limit: engine.Limit(e.Limit), Value: e.Value, Max: e.Max}
	case errFile:
		return &engine.FileError{Name: e.Name, Reason: e.Reason}
	case errNetworkDisabled:
		return engine.ErrNetworkDisabled
	case errQueueFull:
		return engine.ErrQueueFull
	case errWorkerLost:
		return ErrWorkerLost
	}
	return fmt.Errorf("cluster: worker: %s", e.Message)
}
