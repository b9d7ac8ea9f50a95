package api

// The v1 dialect's interactive WebSocket, /api/v1/connect: camelCase
// messages, the v1 execute request and response, close codes 4000 + the
// HTTP status the same failure has in POST /api/v1/execute. See
// docs/websocket.md.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
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

func (s *server) handleV1Connect(w http.ResponseWriter, r *http.Request) {
	ss, ok := s.openWS(w, r, wsShapes{httpError: writeError, output: v1Output, errorMessage: v1Error})
	if !ok {
		return
	}
	defer ss.finish()
	msgs := ss.read()
	fail := func(code websocket.StatusCode, msg string) {
		ss.send(v1Error(msg))
		ss.close(code, closeReason(code))
	}

	// Before execute.
	var job engine.Job
	var clamped clampedLimits
	timer := time.NewTimer(v1ExecuteTimeout)
	defer timer.Stop()
	select {
	case <-timer.C:
		fail(v1CloseTimeout, fmt.Sprintf("no execute message within %v", v1ExecuteTimeout))
		return
	case raw, ok := <-msgs:
		if !ok {
			return
		}
		var msg v1ClientMessage
		if err := decodeWSMessage(raw, &msg); err != nil {
			fail(v1CloseBadRequest, err.Error())
			return
		}
		if msg.Type != "execute" {
			fail(v1CloseBadRequest, `the first message must be {"type": "execute", ...}, not `+quoteType(msg.Type))
			return
		}
		var err error
		if job, clamped, err = s.parseJob(raw); err != nil {
			fail(v1CloseBadRequest, err.Error())
			return
		}
	}
	timer.Stop()

	rt, _ := s.lookupRuntime(job.Language)
	j := newWSJob(ss, v1Dialect{rt: rt}, int(s.opts.MaxBodyBytes))
	// The request's stdin is the start of the program's input; more
	// comes in stdin messages until stdinClose.
	if err := j.stdin.write(job.Stdin); err != nil {
		fail(v1CloseTooLarge, err.Error())
		return
	}
	job.Stdin = nil
	job.Stream = j.stream()
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	ss.startJob(cancel)
	done := s.executeAsync(ctx, dialectV1WebSocket, job)
	for {
		select {
		case raw, ok := <-msgs:
			if !ok || !v1SessionMessage(j, raw, fail) {
				msgs = nil
				cancel()
			}
		case ex := <-done:
			j.stdin.stop()
			switch {
			case ex.err != nil:
				if ctx.Err() != nil {
					return
				}
				if code, msg := s.executeError(r.Context(), ex.err, clamped); code != 0 {
					fail(websocket.StatusCode(4000+code), msg)
				}
			default:
				j.finish(ex.res)
				ss.sendStreamed(newV1ResultStream(newExecuteResponse(ex.res)))
				ss.close(v1CloseDone, closeReason(v1CloseDone))
			}
			return
		}
	}
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
	default:
		return "internal error"
	}
}

func quoteType(t string) string {
	if t == "" {
		return "a message without a type"
	}
	return fmt.Sprintf("%q", t)
}

// shortJSON shows a client's value in an error, cut to a sane length.
func shortJSON(raw json.RawMessage) string {
	if absent(raw) {
		return "nothing"
	}
	s := string(raw)
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}
