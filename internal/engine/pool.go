package engine

import (
	"context"
	"errors"
	"io"
	"os"
	"syscall"
	"time"
)

// The engine's seam with whatever runs programs: the sandbox of this
// machine (NewSandboxPool), a fake in the engine's unit tests, a remote
// worker later. The engine asks for no more than these interfaces say.

// WorkDir is where a box's files live and its programs start; runtimes'
// commands and artifacts name their files under it.
const WorkDir = "/w"

// ErrPoolClosed is returned by Acquire once the pool is shutting down.
var ErrPoolClosed = errors.New("box pool closed")

// Pool hands out boxes.
type Pool interface {
	// Acquire waits for a free box; the caller must Release it.
	Acquire(ctx context.Context) (Box, error)
	// AcquireNetwork is Acquire for a box with outbound network access.
	AcquireNetwork(ctx context.Context) (Box, error)
	// NetworkEnabled reports whether AcquireNetwork can hand out boxes.
	NetworkEnabled() bool
	// Stats reads the pool's counters; cheap, for every scrape.
	Stats() PoolStats
}

// PoolStats is what a pool says of itself, for metrics.
type PoolStats struct {
	Size         int    // places of the pool: jobs that may run at once
	Free         int    // places waiting for a job
	Started      int    // boxes started (running or idle), at most Size
	Replacements uint64 // boxes replaced since start (not wipeable, broken)
}

// Box is one sandbox. Files written into it and programs run in it stay
// until Release, so a compile stage and a run stage share the work
// directory.
type Box interface {
	// WriteFiles places files in the work directory of a fresh box.
	WriteFiles(files []BoxFile) error
	// ReadFile reads a regular file (an absolute path under WorkDir) of
	// at most max bytes, once every process of the box is dead.
	ReadFile(path string, max int64) ([]byte, error)
	// ReadFiles reads every regular file of the work directory and its
	// sub-directories (links and special files skipped), once every
	// process of the box is dead: what a compiler left there. More than
	// maxFiles files or maxBytes bytes in all is an error.
	ReadFiles(maxFiles int, maxBytes int64) ([]BoxFile, error)
	// Run runs a program and waits for it and every process it started.
	// The error is ctx's when ctx ended the run, another when the box
	// failed (never the program's fault); whatever the program did is in
	// the result.
	Run(ctx context.Context, spec RunSpec) (RunResult, error)
	// Release wipes the box and gives it back to its pool; it may take a
	// while, and the box must not be used again.
	Release()
}

// BoxFile is a file to place in a box, relative to WorkDir.
type BoxFile struct {
	Name       string
	Content    []byte
	Executable bool
}

// RunSpec is a program to run in a box.
type RunSpec struct {
	Args  []string
	Env   []string
	Stdin []byte
	// StdinReader, when not nil, replaces Stdin: it is copied into the
	// program's standard input as it arrives, until EOF or the run's end.
	StdinReader io.Reader
	// OnOutput, when not nil, receives every chunk of output (within the
	// limit) as it is read, one call at a time, with the stream's name
	// (StreamStdout or StreamStderr). It must not keep data.
	OnOutput func(stream string, data []byte)
	// Signals are delivered to the program's main process while it runs.
	Signals <-chan syscall.Signal
	Limits  Limits
	// StdinFile, when not nil, is the program's standard input itself
	// (the read end of a pipe whose other end another run in another box
	// writes: an interactor and its submission); Stdin and StdinReader
	// are not used. StdoutFile, when not nil, is its standard output
	// itself: nothing of it is collected or counted (the reader on the
	// other end bounds it by reading or not); stderr is collected as
	// usual. The run does not close them (it sends the box copies of its
	// own); the caller gives each to one run and closes it once that run
	// has returned, so that one side's end is the other's EOF or EPIPE.
	StdinFile, StdoutFile *os.File
	// IgnoreSIGPIPE starts the program with SIGPIPE ignored, so that a
	// write to a pipe nobody reads fails with EPIPE instead of killing it:
	// for an interactor, whose submission may end before its next write.
	IgnoreSIGPIPE bool
}

// RunResult is what a run did.
type RunResult struct {
	ExitCode int
	Signal   syscall.Signal // 0 when the program exited
	// Limit is the limit that ended the run, LimitNone if none did.
	Limit           Limit
	Stdout, Stderr  []byte
	Output          []byte // stdout and stderr interleaved as read
	StdoutTruncated bool
	StderrTruncated bool
	CPUTime         time.Duration
	WallTime        time.Duration
	Memory          int64 // peak bytes
	// SetupTime is spent starting the process (cgroup, fork, limits,
	// exec), within the run's time but not the program's.
	SetupTime time.Duration
}
