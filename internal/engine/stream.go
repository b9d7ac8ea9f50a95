package engine

import (
	"io"
	"syscall"
)

// Stream connects a job to a live client: stdin is read as the client
// sends it, output is handed over as the program writes it, and signals
// reach the running program. A job without a Stream runs in batch.
type Stream struct {
	// Stdin, when not nil, is the run stage's standard input instead of
	// Job.Stdin. The engine stops reading it when the run ends.
	Stdin io.Reader
	// Event receives, in order, every stage start, output chunk and stage
	// exit. It is called from the engine's goroutines one at a time and
	// must never wait for a client: while it runs the program's output
	// is not collected and its sandbox is not released, so a slow client
	// would hold the sandbox past the run's limits. A consumer buffers
	// (within a bound of its own) and, past it, cancels the job's context.
	Event func(Event)
	// Signals carries signals for the running program (the compile stage
	// is not signalled). Closing it is not required.
	Signals <-chan syscall.Signal
}

// EventKind tells what an Event reports.
type EventKind int

// The kinds of events of a streamed job.
const (
	// EventStage: a stage (Event.Stage) starts.
	EventStage EventKind = iota + 1
	// EventOutput: the stage wrote Event.Data on Event.Stream.
	EventOutput
	// EventExit: the stage ended with Event.Result.
	EventExit
)

// Stage names.
const (
	StageCompile = "compile"
	StageRun     = "run"
)

// Output stream names.
const (
	StreamStdout = "stdout"
	StreamStderr = "stderr"
)

// Event is one step of a streamed job.
type Event struct {
	Kind   EventKind
	Stage  string
	Stream string       // EventOutput only
	Data   []byte       // EventOutput only; not retained by the engine
	Result *StageResult // EventExit only
}
