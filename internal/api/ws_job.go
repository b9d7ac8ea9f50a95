package api

// A streamed job of a WebSocket session, the same for both dialects: the
// bridge from an engine.Stream's events to a dialect's messages, the
// client's signals, and the loop that runs the job while the client's
// messages arrive.

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/sys/unix"

	"github.com/coderacer/coderacer/internal/engine"
)

// wsSignalQueue is how many signals may wait for the program.
const wsSignalQueue = 16

// signalByName returns the Linux signal called name ("SIGINT"); false
// for anything else, numbers and names without the SIG prefix included.
func signalByName(name string) (syscall.Signal, bool) {
	if !strings.HasPrefix(name, "SIG") {
		return 0, false
	}
	sig := unix.SignalNum(name)
	return sig, sig != 0
}

// wsDialect makes one dialect's messages.
type wsDialect interface {
	runtime(res *engine.Result) any // nil res: before the job's first event
	stage(stage string) any
	exit(stage string, st *engine.StageResult) any
}

// wsJob is one streamed job of a session.
type wsJob struct {
	ss      *wsSession
	dialect wsDialect
	stdin   *stdinBuffer
	signals chan syscall.Signal

	mu        sync.Mutex // the engine calls event one at a time; finish comes after
	announced bool
	started   map[string]bool
	exited    map[string]bool
	printed   map[string]bool
	carry     map[string][]byte // stage+"/"+stream → an incomplete UTF-8 sequence
}

func newWSJob(ss *wsSession, d wsDialect, stdinMax int) *wsJob {
	return &wsJob{
		ss: ss, dialect: d,
		stdin:   newStdinBuffer(stdinMax),
		signals: make(chan syscall.Signal, wsSignalQueue),
		started: map[string]bool{}, exited: map[string]bool{}, printed: map[string]bool{},
		carry: map[string][]byte{},
	}
}

func (j *wsJob) stream() *engine.Stream {
	return &engine.Stream{Stdin: j.stdin, Event: j.event, Signals: j.signals}
}

// signal queues sig for the program; false if too many are waiting.
func (j *wsJob) signal(sig syscall.Signal) bool {
	select {
	case j.signals <- sig:
		return true
	default:
		return false
	}
}

func (j *wsJob) announce(res *engine.Result) {
	if !j.announced {
		j.announced = true
		j.ss.send(j.dialect.runtime(res))
	}
}

func (j *wsJob) event(ev engine.Event) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.announce(nil)
	switch ev.Kind {
	case engine.EventStage:
		j.started[ev.Stage] = true
		j.ss.send(j.dialect.stage(ev.Stage))
	case engine.EventOutput:
		j.printed[ev.Stage] = true
		key := ev.Stage + "/" + ev.Stream
		data := append(j.carry[key], ev.Data...)
		data, j.carry[key] = splitIncompleteUTF8(data)
		j.ss.sendOutput(ev.Stage, ev.Stream, data)
	case engine.EventExit:
		j.flush(ev.Stage)
		j.exited[ev.Stage] = true
		if ev.Result != nil {
			j.ss.send(j.dialect.exit(ev.Stage, ev.Result))
		}
	}
}

// flush sends what was held back of a stage's output: a stage that ends
// inside a UTF-8 sequence ends with it, invalid or not.
func (j *wsJob) flush(stage string) {
	for _, stream := range []string{engine.StreamStdout, engine.StreamStderr} {
		key := stage + "/" + stream
		if len(j.carry[key]) > 0 {
			j.ss.sendOutput(stage, stream, j.carry[key])
			j.carry[key] = nil
		}
	}
}

// finish tells what the events did not: an executor that does not stream
// (or failed before its first event) still has its stages and output
// told, from the result.
func (j *wsJob) finish(res *engine.Result) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.announce(res)
	for _, st := range []struct {
		name string
		r    *engine.StageResult
	}{{engine.StageCompile, res.Compile}, {engine.StageRun, res.Run}} {
		if st.r == nil || j.exited[st.name] {
			continue
		}
		if !j.started[st.name] {
			j.ss.send(j.dialect.stage(st.name))
		}
		if !j.printed[st.name] {
			j.ss.sendOutput(st.name, engine.StreamStdout, st.r.Stdout)
			j.ss.sendOutput(st.name, engine.StreamStderr, st.r.Stderr)
		}
		j.flush(st.name)
		j.ss.send(j.dialect.exit(st.name, st.r))
	}
}

// splitIncompleteUTF8 splits b before a UTF-8 sequence cut short at its
// end, so a character written across two reads is sent whole, with the
// next chunk.
func splitIncompleteUTF8(b []byte) (complete, tail []byte) {
	for i := 1; i <= utf8.UTFMax-1 && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			break // ASCII: nothing is cut
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return b[:len(b)-i], bytes.Clone(b[len(b)-i:])
			}
			break
		}
	}
	return b, nil
}

// wsExecution is what Execute returned.
type wsExecution struct {
	res *engine.Result
	err error
}

// executeAsync runs job in the background; the result arrives on the
// channel, once.
func (s *server) executeAsync(ctx context.Context, dialect string, job engine.Job) <-chan wsExecution {
	done := make(chan wsExecution, 1)
	go func() {
		res, err := s.execute(ctx, dialect, job)
		done <- wsExecution{res, err}
	}()
	return done
}

// wsFirst is how the wait for a session's first message ended.
type wsFirst int

const (
	wsFirstMessage wsFirst = iota // it came
	wsFirstTimeout                // the client sent nothing in time
	wsFirstGone                   // the connection ended first
)

// firstMessage waits up to timeout for the client's first message (the
// job: v1's execute, v2's init).
func firstMessage(msgs <-chan []byte, timeout time.Duration) ([]byte, wsFirst) {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil, wsFirstTimeout
	case raw, ok := <-msgs:
		if !ok {
			return nil, wsFirstGone
		}
		return raw, wsFirstMessage
	}
}

// wsRun is what a dialect's session gives runWSJob.
type wsRun struct {
	dialect string // the metrics' name of the dialect
	job     engine.Job
	// message handles a client message while the job runs; false when it
	// closed the session.
	message func(raw []byte) bool
	// failed tells the client that Execute failed (not for ending ctx).
	failed func(err error)
	// done tells the client the job is over, once its events are told.
	done func(res *engine.Result)
}

// runWSJob runs the job of a session, with j's stream, until it is over,
// handing the client's messages to run.message meanwhile. A client that
// leaves or breaks the protocol stops the job.
func (s *server) runWSJob(r *http.Request, ss *wsSession, msgs <-chan []byte, j *wsJob, run wsRun) {
	run.job.Stream = j.stream()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ss.startJob(cancel)
	done := s.executeAsync(ctx, run.dialect, run.job)
	for {
		select {
		case raw, ok := <-msgs:
			if !ok || !run.message(raw) {
				// The client left, or broke the protocol and is being
				// closed on: the job is over.
				msgs = nil
				cancel()
			}
		case ex := <-done:
			j.stdin.stop()
			switch {
			case ex.err == nil:
				j.finish(ex.res)
				run.done(ex.res)
			case ctx.Err() == nil:
				run.failed(ex.err)
			}
			return
		}
	}
}
