package api

// A WebSocket session: one writer goroutine takes the session's queue in
// order, so that the engine's callbacks never wait on the network; the
// queue holds at most WSOptions.OutputBuffer bytes of output, and a client
// that lets more pile up is closed on.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// wsCoalesce is the largest output message made by merging queued chunks
// of the same stream.
const wsCoalesce = 64 << 10

// The close of a session whose client did not take its output: the same
// standard code in both dialects, as 1009 for a message over the limit.
const (
	wsCloseOverflow  = websocket.StatusPolicyViolation
	wsOverflowReason = "output buffer full"
)

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
	held   int64 // a counted message's bytes in queued (sendCounted)
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
	ss.queued -= item.held
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
