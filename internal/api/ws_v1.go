package api

// The v1 dialect's interactive WebSocket, /api/v1/connect: camelCase
// messages, the v1 execute request and response, close codes 4000 + the
// HTTP status the same failure has in POST /api/v1/execute. See
// docs/websocket.md.

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/coderacer/coderacer/internal/engine"
)

// v1ExecuteTimeout is how long a client has to send execute (a variable
// for the tests).
var v1ExecuteTimeout = 10 * time.Second

// The v1 close codes: 1000 when the job is done and told, else 4000 + the
// HTTP status of the same failure.
const (
	v1CloseDone       websocket.StatusCode = websocket.StatusNormalClosure
	v1CloseBadRequest websocket.StatusCode = 4400
	v1CloseTimeout    websocket.StatusCode = 4408
	v1CloseTooLarge   websocket.StatusCode = 4413
	v1CloseInternal   websocket.StatusCode = 4500
	v1CloseBusy       websocket.StatusCode = 4503
)

type v1ClientMessage struct {
	Type   string          `json:"type"`
	Data   json.RawMessage `json:"data"`
	Signal json.RawMessage `json:"signal"`
}

// v1OutputMessage is {"type": "stdout"|"stderr", "stage", "data"}.
type v1OutputMessage struct {
	Type  string `json:"type"`
	Stage string `json:"stage"`
	Data  string `json:"data"`
}

// v1ExitMessage is a stage's v1 fields but its output (already sent).
type v1ExitMessage struct {
	Type  string `json:"type"`
	Stage string `json:"stage"`
	stageFields
}

// v1ResultMessage is the whole POST /api/v1/execute response.
type v1ResultMessage struct {
	Type string `json:"type"`
	executeResponse
}

type v1ErrorMessage struct {
	Type  string `json:"type"`
	Error string `json:"error"`
}

type v1Dialect struct{ rt engine.RuntimeInfo }

func (d v1Dialect) runtime(res *engine.Result) any {
	if res != nil && res.Language != "" {
		return runtimeMessage{Type: "runtime", Language: res.Language, Version: res.Version}
	}
	return runtimeMessage{Type: "runtime", Language: d.rt.Language, Version: d.rt.Version}
}

func (d v1Dialect) stage(stage string) any { return stageMessage{Type: "stage", Stage: stage} }

func (d v1Dialect) exit(stage string, st *engine.StageResult) any {
	return v1ExitMessage{Type: "exit", Stage: stage, stageFields: newStageFields(st)}
}

func v1Output(stage, stream string, data []byte) any {
	return v1OutputMessage{Type: stream, Stage: stage, Data: string(data)}
}

func v1Error(msg string) any { return v1ErrorMessage{Type: "error", Error: msg} }

func (s *server) handleV1Connect(w http.ResponseWriter, r *http.Request) {
	ss, ok := s.openWS(w, r, wsShapes{httpError: writeError, output: v1Output, errorMessage: v1Error})
	if !ok {
		return
	}
	defer ss.finish()
	// The first message may be a judge request, larger than an execute.
	ss.conn.SetReadLimit(max(s.opts.MaxBodyBytes, s.opts.Judge.MaxBodyBytes))
	msgs := ss.read()
	fail := func(code websocket.StatusCode, msg string) {
		ss.send(v1Error(msg))
		ss.close(code, closeReason(code))
	}
	raw, kind, ok := s.v1FirstMessage(ss, msgs, fail)
	if !ok {
		return
	}
	ss.conn.SetReadLimit(s.opts.MaxBodyBytes)
	switch kind {
	case "judge":
		s.v1JudgeSession(r, ss, msgs, raw, fail) // judge_ws.go
		return
	case "follow":
		s.v1FollowSession(r, ss, msgs, raw, fail) // ws_follow.go
		return
	}
	job, clamped, err := s.parseJob(raw)
	if err != nil {
		fail(v1CloseBadRequest, err.Error())
		return
	}

	rt, _ := s.lookupRuntime(job.Language)
	j := newWSJob(ss, v1Dialect{rt: rt}, int(s.opts.MaxBodyBytes))
	// The request's stdin is the start of the program's input; more
	// comes in stdin messages until stdinClose.
	if err := j.stdin.write(job.Stdin); err != nil {
		fail(v1CloseTooLarge, err.Error())
		return
	}
	job.Stdin = nil
	s.runWSJob(r, ss, msgs, j, wsRun{
		dialect: dialectV1WebSocket,
		job:     job,
		message: func(raw []byte) bool { return v1SessionMessage(j, raw, fail) },
		failed: func(err error) {
			if code, msg := s.executeError(r.Context(), err, clamped); code != 0 {
				fail(websocket.StatusCode(4000+code), msg)
			}
		},
		done: func(res *engine.Result) {
			ss.sendStreamed(newV1ResultStream(newExecuteResponse(res)))
			ss.close(v1CloseDone, closeReason(v1CloseDone))
		},
	})
}

// v1FirstMessage waits for the session's first message, an execute, a
// judge or a follow, and returns it with its type; false when the
// session is over (the client was told why). Only a judge may be larger
// than an execute body.
func (s *server) v1FirstMessage(ss *wsSession, msgs <-chan []byte, fail func(websocket.StatusCode, string)) (raw []byte, kind string, ok bool) {
	raw, got := firstMessage(msgs, v1ExecuteTimeout)
	switch got {
	case wsFirstTimeout:
		fail(v1CloseTimeout, fmt.Sprintf("no execute message within %v", v1ExecuteTimeout))
		return nil, "", false
	case wsFirstGone:
		return nil, "", false
	}
	var msg v1ClientMessage
	if err := decodeWSMessage(raw, &msg); err != nil {
		fail(v1CloseBadRequest, err.Error())
		return nil, "", false
	}
	if msg.Type != "judge" && int64(len(raw)) > s.opts.MaxBodyBytes {
		// What the read limit says of it when judging is off the table.
		ss.send(v1Error(fmt.Sprintf("message exceeds %d bytes", s.opts.MaxBodyBytes)))
		ss.close(websocket.StatusMessageTooBig, "message too big")
		return nil, "", false
	}
	switch msg.Type {
	case "execute", "judge", "follow":
		return raw, msg.Type, true
	}
	fail(v1CloseBadRequest, `the first message must be {"type": "execute", ...}, {"type": "judge", ...} or {"type": "follow", "token": ...}, not `+quoteType(msg.Type))
	return nil, "", false
}

// v1SessionMessage handles a message after execute; false when it closed
// the session.
func v1SessionMessage(j *wsJob, raw []byte, fail func(websocket.StatusCode, string)) bool {
	var msg v1ClientMessage
	if err := decodeWSMessage(raw, &msg); err != nil {
		fail(v1CloseBadRequest, err.Error())
		return false
	}
	switch msg.Type {
	case "execute":
		fail(v1CloseBadRequest, "a job is already running on this connection; open another one")
		return false
	case "stdin":
		data, ok := jsonString(msg.Data)
		if !ok {
			fail(v1CloseBadRequest, "stdin data must be a string")
			return false
		}
		if err := j.stdin.write([]byte(data)); err != nil {
			code := v1CloseBadRequest
			if errors.Is(err, errStdinFull) {
				code = v1CloseTooLarge
			}
			fail(code, err.Error())
			return false
		}
	case "stdinClose":
		j.stdin.closeWrite()
	case "signal":
		name, _ := jsonString(msg.Signal)
		sig, ok := signalByName(name)
		if !ok {
			fail(v1CloseBadRequest, fmt.Sprintf("signal must be a signal name such as \"SIGINT\", not %s", shortJSON(msg.Signal)))
			return false
		}
		if !j.signal(sig) {
			fail(v1CloseBadRequest, fmt.Sprintf("too many signals are waiting for the program (%d)", wsSignalQueue))
			return false
		}
	default:
		fail(v1CloseBadRequest, unknownType(msg.Type))
		return false
	}
	return true
}

func closeReason(code websocket.StatusCode) string {
	switch code {
	case v1CloseDone:
		return "done"
	case v1CloseBadRequest:
		return "bad request"
	case v1CloseTimeout:
		return "timeout"
	case v1CloseTooLarge:
		return "too large"
	case v1CloseBusy:
		return "busy"
	case v1CloseNotFound:
		return "not found"
	default:
		return "internal error"
	}
}
