package api

// What the two WebSocket dialects (ws_v2.go: Piston's /api/v2/connect,
// ws_v1.go: /api/v1/connect) share: the connection's writer with its
// bounded queue, the reader, the live stdin buffer and the bridge from an
// engine.Stream's events to a dialect's messages. Both run the job through
// Executor.Execute with a Stream; there is no other execution path.
//
// The engine never waits for a client: its events are queued, output up
// to WSOptions.OutputBuffer bytes; a client that lets more pile up has
// its session closed and its job stopped, so a sandbox is never held
// longer than its run. Every write has a deadline (WriteTimeout, and
// DrainTimeout for all that is left once the session is closing).

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"golang.org/x/sys/unix"

	"github.com/coderacer/coderacer/internal/engine"
)

const (
	// wsCoalesce is the largest output message made by merging queued
	// chunks of the same stream.
	wsCoalesce = 64 << 10
	// wsSignalQueue is how many signals may wait for the program.
	wsSignalQueue = 16
)

// The close of a session whose client did not take its output: the same
// standard code in both dialects, as 1009 for a message over the limit.
const (
	wsCloseOverflow  = websocket.StatusPolicyViolation
	wsOverflowReason = "output buffer full"
)

// runtimeMessage and stageMessage are the same in both dialects:
// {"type":"runtime","language","version"} and {"type":"stage","stage"}.
type runtimeMessage struct {
	Type     string `json:"type"`
	Language string `json:"language"`
	Version  string `json:"version"`
}

type stageMessage struct {
	Type  string `json:"type"`
	Stage string `json:"stage"`
}

// wsShapes are a dialect's shapes for what the session itself says.
type wsShapes struct {
	// httpError answers before the upgrade (426, 503).
	httpError func(w http.ResponseWriter, code int, msg string)
	// output makes the message for a chunk of output.
	output func(stage, stream string, data []byte) any
	// errorMessage makes an error message (sent before a close).
	errorMessage func(msg string) any
}

// isWebSocketRequest reports whether r asks for a WebSocket upgrade, so a
// plain request can be answered in the dialect's JSON rather than by the
// library's text/plain 426.
func isWebSocketRequest(r *http.Request) bool {
	return headerHasToken(r.Header, "Connection", "upgrade") && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, key, token string) bool {
	for _, v := range h.Values(key) {
		for t := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// openWS answers a plain request to a WebSocket endpoint with 426, and
// one over the session cap with 503, in the dialect's error shape, or
// upgrades it into a session that speaks with shapes.
func (s *server) openWS(w http.ResponseWriter, r *http.Request, shapes wsShapes) (*wsSession, bool) {
	if !isWebSocketRequest(r) {
		w.Header().Set("Upgrade", "websocket")
		shapes.httpError(w, http.StatusUpgradeRequired, r.URL.Path+" is a WebSocket endpoint: connect with a WebSocket client")
		return nil, false
	}
	opts := s.opts.WebSocket.withDefaults()
	if !s.sessions.acquire(opts.MaxSessions) {
		refuseSession(w, opts.MaxSessions, shapes.httpError)
		return nil, false
	}
	ss, ok := s.acceptWS(w, r, opts, shapes)
	if !ok {
		s.sessions.release()
	}
	return ss, ok
}

// acceptWS upgrades the request. Its origin was checked already, by the
// same rule as every request's (checkOrigins), so the library's own
// same-origin check is off.
func (s *server) acceptWS(w http.ResponseWriter, r *http.Request, opts WSOptions, shapes wsShapes) (*wsSession, bool) {
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
	if err != nil {
		s.log.Debug("websocket handshake failed", "path", r.URL.Path, "err", err)
		return nil, false
	}
	// The first message carries the files: as large as a request body.
	conn.SetReadLimit(s.opts.MaxBodyBytes)
	ss := &wsSession{s: s, conn: conn, opts: opts, shapes: shapes, writerDone: make(chan struct{})}
	ss.cond = sync.NewCond(&ss.mu)
	ss.drained, ss.drainNow = context.WithCancel(context.Background())
	go ss.writeLoop()
	return ss, true
}

type wsItemKind int

const (
	wsItemMessage wsItemKind = iota + 1
	wsItemStreamed
	wsItemOutput
	wsItemClose
)

// wsItem is one thing for the writer to do, in order.
type wsItem struct {
	kind   wsItemKind
	msg    any             // wsItemMessage: a JSON message
	big    streamedMessage // wsItemStreamed
	stage  string          // wsItemOutput
	stream string
	data   []byte
	code   websocket.StatusCode // wsItemClose
	reason string
}

// wsSession is one WebSocket connection. Messages go out through a queue
// and one writer goroutine, so they leave in the order they were queued
// and the engine's callbacks never wait on the network.
type wsSession struct {
	s      *server
	conn   *websocket.Conn
	opts   WSOptions
	shapes wsShapes

	mu         sync.Mutex
	cond       *sync.Cond
	queue      []wsItem
	queued     int64              // output bytes in queue
	closing    bool               // a close is queued, or the writer has stopped
	abort      context.CancelFunc // stops the job, once one runs
	writerDone chan struct{}

	// drained ends every write, the one under way included, once the
	// session has been closing for DrainTimeout.
	drained    context.Context
	drainNow   context.CancelFunc
	drainTimer *time.Timer

	readCancel context.CancelFunc
}

// startJob tells the session how to stop its job when the client falls
// too far behind.
func (ss *wsSession) startJob(cancel context.CancelFunc) {
	ss.mu.Lock()
	ss.abort = cancel
	ss.mu.Unlock()
}

// send queues a message; false once the session is closing.
func (ss *wsSession) send(msg any) bool {
	return ss.enqueue(wsItem{kind: wsItemMessage, msg: msg})
}

// sendStreamed queues a message too large to encode whole; false once
// the session is closing.
func (ss *wsSession) sendStreamed(m streamedMessage) bool {
	return ss.enqueue(wsItem{kind: wsItemStreamed, big: m})
}

func (ss *wsSession) enqueue(item wsItem) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closing {
		return false
	}
	ss.queue = append(ss.queue, item)
	ss.cond.Broadcast()
	return true
}

// sendOutput queues a copy of data, merged into the last queued item if
// that is output of the same stage and stream. It never waits: output
// beyond the buffer the client has not taken closes the session.
func (ss *wsSession) sendOutput(stage, stream string, data []byte) {
	if len(data) == 0 {
		return
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closing {
		return
	}
	if ss.queued+int64(len(data)) > ss.opts.OutputBuffer {
		ss.overflowLocked()
		return
	}
	ss.queued += int64(len(data))
	if n := len(ss.queue); n > 0 {
		last := &ss.queue[n-1]
		if last.kind == wsItemOutput && last.stage == stage && last.stream == stream && len(last.data)+len(data) <= wsCoalesce {
			last.data = append(last.data, data...)
			ss.cond.Broadcast()
			return
		}
	}
	ss.queue = append(ss.queue, wsItem{kind: wsItemOutput, stage: stage, stream: stream, data: bytes.Clone(data)})
	ss.cond.Broadcast()
}

// overflowLocked ends a session whose client fell too far behind: what
// is queued is dropped (it could not be delivered in time anyway), the
// client is told why, and the job is stopped so its sandbox is free now.
func (ss *wsSession) overflowLocked() {
	clear(ss.queue)
	ss.queue, ss.queued = ss.queue[:0], 0
	msg := fmt.Sprintf("the client did not take its output: more than %d bytes were waiting; the job was stopped", ss.opts.OutputBuffer)
	ss.queue = append(ss.queue, wsItem{kind: wsItemMessage, msg: ss.shapes.errorMessage(msg)})
	ss.closeLocked(wsCloseOverflow, wsOverflowReason)
	if ss.abort != nil {
		ss.abort()
	}
}

// close queues the closing handshake with code and reason, after what
// is queued already (at most the output buffer): the client gets every
// message sent before the close, if it takes them within DrainTimeout.
// Only the first close counts.
func (ss *wsSession) close(code websocket.StatusCode, reason string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if !ss.closing {
		ss.closeLocked(code, reason)
	}
}

func (ss *wsSession) closeLocked(code websocket.StatusCode, reason string) {
	ss.closing = true
	ss.drainTimer = time.AfterFunc(ss.opts.DrainTimeout, ss.drainNow)
	ss.queue = append(ss.queue, wsItem{kind: wsItemClose, code: code, reason: reason})
	ss.cond.Broadcast()
}

// next takes the writer's next item, waiting for one.
func (ss *wsSession) next() wsItem {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for len(ss.queue) == 0 {
		ss.cond.Wait()
	}
	item := ss.queue[0]
	ss.queue[0] = wsItem{}
	ss.queue = ss.queue[1:]
	if item.kind == wsItemOutput {
		ss.queued -= int64(len(item.data))
	}
	return item
}

func (ss *wsSession) writeLoop() {
	defer close(ss.writerDone)
	for {
		item := ss.next()
		var err error
		switch item.kind {
		case wsItemClose:
			// The library bounds the close: 5 s to write it, 5 s for
			// the client's answer.
			err = ss.conn.Close(item.code, item.reason)
			if err != nil && !isClosedError(err) {
				ss.s.log.Debug("websocket close", "err", err)
			}
			ss.stop()
			return
		case wsItemOutput:
			err = ss.write(ss.shapes.output(item.stage, item.stream, item.data))
		case wsItemStreamed:
			err = ss.writeStreamed(item.big)
		default:
			err = ss.write(item.msg)
		}
		if err != nil {
			if !isClosedError(err) {
				ss.s.log.Debug("websocket write", "err", err)
			}
			ss.conn.CloseNow()
			ss.stop()
			return
		}
	}
}

// stop makes the session refuse everything from now on; the writer
// calls it when it quits. A client cut off mid-job has its job stopped
// by the reader, which the closed connection ends.
func (ss *wsSession) stop() {
	ss.mu.Lock()
	ss.closing = true
	ss.queue, ss.queued = nil, 0
	ss.mu.Unlock()
}

func (ss *wsSession) write(msg any) error {
	data, err := encodeJSON(msg)
	if err != nil {
		return err // a programming error
	}
	// WriteTimeout for this message, and the drain deadline once closing.
	ctx, cancel := context.WithTimeout(ss.drained, ss.opts.WriteTimeout)
	defer cancel()
	return ss.conn.Write(ctx, websocket.MessageText, data)
}

func isClosedError(err error) bool {
	return errors.Is(err, net.ErrClosed) || websocket.CloseStatus(err) != -1 || errors.Is(err, io.EOF) ||
		errors.Is(err, context.Canceled)
}

// read starts the reader: every text or binary message arrives on the
// channel, which is closed when the connection ends (the client closed
// it or went away, or we closed it).
func (ss *wsSession) read() <-chan []byte {
	ctx, cancel := context.WithCancel(context.Background())
	ss.readCancel = cancel
	ch := make(chan []byte)
	go func() {
		defer close(ch)
		for {
			_, data, err := ss.conn.Read(ctx)
			if err != nil {
				return
			}
			select {
			case ch <- data:
			case <-ctx.Done():
				return
			}
		}
	}()
	return ch
}

// finish waits for the writer to have closed the connection (queueing a
// going-away close if nothing closed it yet), stops the reader and frees
// the session's place.
func (ss *wsSession) finish() {
	ss.close(websocket.StatusGoingAway, "")
	<-ss.writerDone
	ss.mu.Lock()
	if ss.drainTimer != nil { // nil when the writer failed before any close
		ss.drainTimer.Stop()
	}
	ss.mu.Unlock()
	ss.drainNow()
	if ss.readCancel != nil {
		ss.readCancel()
	}
	ss.s.sessions.release()
}

// ---- stdin ----

var (
	errStdinClosed = errors.New("stdin is closed")
	errStdinFull   = errors.New("too much stdin the program has not read")
)

// stdinBuffer is a streamed job's standard input: the client's writes
// are buffered (up to max bytes not yet read by the program), so a
// program that does not read never blocks the connection's reader.
type stdinBuffer struct {
	mu   sync.Mutex
	cond *sync.Cond
	buf  []byte
	eof  bool // the client closed stdin: EOF after buf
	done bool // the job is over: EOF now
	max  int
}

func newStdinBuffer(max int) *stdinBuffer {
	b := &stdinBuffer{max: max}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *stdinBuffer) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for len(b.buf) == 0 && !b.eof && !b.done {
		b.cond.Wait()
	}
	if len(b.buf) > 0 && !b.done {
		n := copy(p, b.buf)
		b.buf = b.buf[n:]
		if len(b.buf) == 0 {
			b.buf = nil
		}
		return n, nil
	}
	return 0, io.EOF
}

func (b *stdinBuffer) write(p []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.eof:
		return errStdinClosed
	case b.done:
		return nil // the program is gone; its input is moot
	case len(b.buf)+len(p) > b.max:
		return errStdinFull
	}
	b.buf = append(b.buf, p...)
	b.cond.Broadcast()
	return nil
}

// closeWrite ends the input after what is buffered.
func (b *stdinBuffer) closeWrite() {
	b.mu.Lock()
	b.eof = true
	b.cond.Broadcast()
	b.mu.Unlock()
}

// stop ends the input now: the job is over.
func (b *stdinBuffer) stop() {
	b.mu.Lock()
	b.done = true
	b.buf = nil
	b.cond.Broadcast()
	b.mu.Unlock()
}

// ---- signals ----

// signalByName returns the Linux signal called name ("SIGINT"); false
// for anything else, numbers and names without the SIG prefix included.
func signalByName(name string) (syscall.Signal, bool) {
	if !strings.HasPrefix(name, "SIG") {
		return 0, false
	}
	sig := unix.SignalNum(name)
	return sig, sig != 0
}

// ---- the bridge from engine events to messages ----

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
