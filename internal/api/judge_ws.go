package api

// The v1 WebSocket's judge session: a first message {"type": "judge",
// ...} is the request of POST /api/v1/judge; a "test" message is sent as
// each test finishes, then the "result" (docs/websocket.md).

import (
	"context"
	"net/http"
	"strings"

	"github.com/coder/websocket"

	"github.com/coderacer/coderacer/internal/engine"
)

// v1CloseNotImplemented closes a judge session on a server that cannot
// judge (HTTP 501).
const v1CloseNotImplemented websocket.StatusCode = 4501

// wsJudged is what Judge returned.
type wsJudged struct {
	res *engine.JudgeResult
	err error
}

// v1JudgeSession runs the judge request raw, sending the tests' events,
// while the client's messages arrive: any message of the client ends it
// (a judge takes none), and so does its leaving.
func (s *server) v1JudgeSession(r *http.Request, ss *wsSession, msgs <-chan []byte, raw []byte, fail func(websocket.StatusCode, string)) {
	judger, ok := s.exec.(engine.Judger)
	if !ok {
		ss.send(v1Error(errNoJudge))
		ss.close(v1CloseNotImplemented, "not implemented")
		return
	}
	// The message is held in the body memory until the judge ran, as a
	// request body is: a judge may run long, and tests are large.
	if !s.bodies.reserve(int64(len(raw))) {
		fail(v1CloseBusy, s.bodiesBusy())
		return
	}
	defer s.bodies.release(int64(len(raw)))
	p, err := s.parseJudge(raw)
	if err != nil {
		fail(v1CloseBadRequest, err.Error())
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ss.startJob(cancel)
	// The engine calls OnTest one at a time and must not wait: the event
	// is queued, counted against the session's output buffer.
	p.job.OnTest = func(t engine.TestResult) {
		m := judgeTestMessage{Type: "test", Index: t.Index, judgeTestResponse: newJudgeTest(&t, strings.Clone)}
		ss.sendCounted(m, judgeTestSize(&t))
	}
	done := make(chan wsJudged, 1)
	go func() {
		res, err := s.judge(ctx, judger, dialectV1JudgeWebSocket, p.job)
		done <- wsJudged{res, err}
	}()
	for {
		select {
		case m, ok := <-msgs:
			if ok {
				fail(v1CloseBadRequest, judgeSessionMessage(m))
			}
			msgs = nil
			cancel()
		case j := <-done:
			switch {
			case j.err == nil:
				ss.sendStreamed(newJudgeResultStream(j.res))
				ss.close(v1CloseDone, closeReason(v1CloseDone))
			case ctx.Err() == nil:
				if code, msg := s.judgeError(ctx, j.err, p); code != 0 {
					fail(websocket.StatusCode(4000+code), msg)
				}
			}
			return
		}
	}
}

// judgeSessionMessage is the error for a client message during a judge.
func judgeSessionMessage(raw []byte) string {
	var msg v1ClientMessage
	if err := decodeWSMessage(raw, &msg); err != nil {
		return err.Error()
	}
	if msg.Type == "execute" || msg.Type == "judge" {
		return "a job is already running on this connection; open another one"
	}
	return "a judge takes no messages while it runs, not " + quoteType(msg.Type)
}

// judgeTestSize is about what a test event holds in the queue.
func judgeTestSize(t *engine.TestResult) int64 {
	return int64(len(t.Stdout)+len(t.Stderr)+len(t.Name)+len(t.CheckerMessage)+len(t.Message)) + 256
}

// sendCounted queues a message that holds n bytes of output: like
// sendOutput it never waits, and one the client leaves past the output
// buffer closes the session.
func (ss *wsSession) sendCounted(msg any, n int64) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closing {
		return
	}
	if ss.queued+n > ss.opts.OutputBuffer {
		ss.overflowLocked()
		return
	}
	ss.queued += n
	ss.queue = append(ss.queue, wsItem{kind: wsItemMessage, msg: msg, held: n})
	ss.cond.Broadcast()
}
