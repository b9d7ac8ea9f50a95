// Package engine turns a job (source files for a language) into a result by
// running a compile stage and a run stage in the sandbox. It knows nothing of
// HTTP: the API layer talks to it only through Executor.
package engine

import (
	"context"
	"errors"
	"time"
)

// Executor runs jobs. The local engine implements it; a cluster client may
// implement it too, so callers never know where a job ran.
type Executor interface {
	// Execute runs job and waits for its result. Errors are the job's fault
	// (ErrRuntimeNotFound, *LimitError, *FileError), the server's load
	// (ErrQueueFull) or ctx's; a failure inside the engine is a Result with
	// status IE, not an error.
	Execute(ctx context.Context, job Job) (*Result, error)
	// Runtimes lists the languages that are installed and work, every
	// one of them: it may wait while the executor still detects them
	// (the local engine's version probes after a cold start).
	Runtimes() []RuntimeInfo
	// Ready reports whether the executor can run code now.
	Ready() bool
}

// RuntimeInfo describes one runnable language.
type RuntimeInfo struct {
	Language string
	Version  string
	Aliases  []string
	Compiled bool
	// Entrypoint is the usual name of the main file, e.g. Main.java.
	Entrypoint string
	// CompilerOptions are the flags a request may add (the allow-list).
	CompilerOptions []string
}

// File is one source file of a job. Name is relative to the work directory.
type File struct {
	Name    string
	Content []byte
}

// Job is one execution request, independent of any API dialect.
type Job struct {
	Language   string
	Entrypoint string // empty means the runtime's default entrypoint
	Files      []File
	Stdin      []byte
	Args       []string
	// RunLimits and CompileLimits hold what the request asked for; a zero
	// field means "the server default".
	RunLimits     Limits
	CompileLimits Limits
	// Stream, when not nil, makes the job interactive.
	Stream *Stream
	// Network asks for a box with outbound network access (the server
	// must enable it; ErrNetworkDisabled otherwise).
	Network bool
	// CompilerOptions are added to the compile command; each must be in
	// the runtime's allow-list (*langs.OptionError otherwise).
	CompilerOptions []string
}

// Status is the outcome of a stage or of a whole job.
type Status string

// The statuses of a stage or job (README "API (v1)" explains each).
const (
	StatusOK                  Status = "OK"
	StatusRuntimeError        Status = "RE"
	StatusSignaled            Status = "SG"
	StatusTimeLimitExceeded   Status = "TLE"
	StatusMemoryLimitExceeded Status = "MLE"
	StatusOutputLimitExceeded Status = "OLE"
	StatusCompileError        Status = "CE"
	StatusInternalError       Status = "IE"
)

// StageResult is what one stage (compile or run) produced.
type StageResult struct {
	Stdout []byte
	Stderr []byte
	// Output is stdout and stderr interleaved in the order the engine
	// read them (each stream's kept bytes only).
	Output          []byte
	StdoutTruncated bool
	StderrTruncated bool
	ExitCode        int
	Signal          string // e.g. "SIGKILL"; empty when the process exited
	Status          Status
	CPUTime         time.Duration
	WallTime        time.Duration
	Memory          int64 // peak bytes
	// Message explains an abnormal status in words (which limit, or the
	// engine's failure); empty for OK and RE.
	Message string
	// Cached is set on a compile stage that was skipped because the
	// compile cache held its artifact.
	Cached bool
}

// Result is the outcome of a whole job.
type Result struct {
	Language string
	Version  string
	Status   Status
	Compile  *StageResult // nil when the runtime has no compile stage
	Run      *StageResult // nil when the compile stage failed
	Timings  Timings
}

// Timings tell where a job's time went, as the engine saw it.
type Timings struct {
	Queue       time.Duration // waiting for a free sandbox
	Preparation time.Duration // writing the files (and a cached artifact)
	Compile     time.Duration // the compile stage, start to end
	Run         time.Duration // the run stage, start to end
	// Setup is spent starting processes (cgroup, fork, limits, exec);
	// Collection after they ended (killing leftovers, gathering output,
	// reading accounting). Both are included in Compile and Run.
	Setup      time.Duration
	Collection time.Duration
}

// ErrRuntimeNotFound is returned for a language that is not installed.
var ErrRuntimeNotFound = errors.New("runtime not found")

// ErrQueueFull is returned when every sandbox is busy and the queue behind
// them is full; the caller should retry later.
var ErrQueueFull = errors.New("execution queue is full")

// ErrUnavailable is wrapped by the errors of an executor that cannot run
// a job now for a reason of its own, not the request's: a cluster with no
// worker answering, a worker lost mid-session. The caller may retry.
var ErrUnavailable = errors.New("cannot run the job now")

// ErrNetworkDisabled is returned for a job that asks for network on a
// server that does not offer it. Its text is meant for the client.
var ErrNetworkDisabled = errors.New("network access is not enabled on this server: send no \"network\" field, or false")

// RuntimeNotFoundError names the language that was asked for.
type RuntimeNotFoundError struct{ Language string }

func (e *RuntimeNotFoundError) Error() string { return "runtime not found: " + e.Language }
func (e *RuntimeNotFoundError) Unwrap() error { return ErrRuntimeNotFound }
