package api

// Piston's interactive WebSocket, /api/v2/connect: messages and close
// codes as Piston's own API defines them; docs/piston.md and
// docs/websocket.md say what Code Racer sends.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/coder/websocket"

	"github.com/coderacer/coderacer/internal/engine"
)

// v2InitTimeout is how long a client has to send init.
const v2InitTimeout = time.Second

// Piston's close codes.
const (
	v2CloseAlreadyInitialized websocket.StatusCode = 4000
	v2CloseInitTimeout        websocket.StatusCode = 4001
	v2CloseNotifiedError      websocket.StatusCode = 4002
	v2CloseNotInitialized     websocket.StatusCode = 4003
	v2CloseStdinOnly          websocket.StatusCode = 4004
	v2CloseInvalidSignal      websocket.StatusCode = 4005
	v2CloseJobCompleted       websocket.StatusCode = 4999
)

// v2ClientMessage is any client message; which fields count depends on
// type. eof is ours: {"type":"data","stream":"stdin","eof":true} closes
// the program's stdin after data (Piston has no way to).
type v2ClientMessage struct {
	Type   string          `json:"type"`
	Stream json.RawMessage `json:"stream"`
	Data   json.RawMessage `json:"data"`
	Signal json.RawMessage `json:"signal"`
	EOF    bool            `json:"eof"`
}

type v2DataMessage struct {
	Type   string `json:"type"`
	Stream string `json:"stream"`
	Data   string `json:"data"`
}

// v2ExitMessage is Piston's {type, stage, code, signal} plus the rest of
// the stage object but its output (already sent as data).
type v2ExitMessage struct {
	Type  string `json:"type"`
	Stage string `json:"stage"`
	v2StageMeta
}

type v2ErrorMessage struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

type v2Dialect struct{ rt v2Runtime }

func (d v2Dialect) runtime(*engine.Result) any {
	return runtimeMessage{Type: "runtime", Language: d.rt.name, Version: d.rt.info.Version}
}

func (d v2Dialect) stage(stage string) any { return stageMessage{Type: "stage", Stage: stage} }

func (d v2Dialect) exit(stage string, st *engine.StageResult) any {
	return v2ExitMessage{Type: "exit", Stage: stage, v2StageMeta: newV2StageMeta(st)}
}

func v2Output(_, stream string, data []byte) any {
	return v2DataMessage{Type: "data", Stream: stream, Data: string(data)}
}

func v2Error(msg string) any { return v2ErrorMessage{Type: "error", Message: msg} }

func (s *server) handleV2Connect(w http.ResponseWriter, r *http.Request) {
	ss, ok := s.openWS(w, r, wsShapes{httpError: writeV2Error, output: v2Output, errorMessage: v2Error})
	if !ok {
		return
	}
	defer ss.finish()
	msgs := ss.read()
	fail := func(msg string) {
		ss.send(v2Error(msg))
		ss.close(v2CloseNotifiedError, "Notified Error")
	}
	vj, ok := s.v2InitMessage(ss, msgs, fail)
	if !ok {
		return
	}

	// The job: stdin comes from data messages only (init's is ignored, as
	// in Piston).
	j := newWSJob(ss, v2Dialect{rt: vj.rt}, int(s.opts.MaxBodyBytes))
	vj.job.Stdin = nil
	s.runWSJob(r, ss, msgs, j, wsRun{
		dialect: dialectV2WebSocket,
		job:     vj.job,
		message: func(raw []byte) bool { return v2SessionMessage(ss, j, raw, fail) },
		failed: func(err error) {
			if code, msg := s.v2ExecuteError(r, err, vj); code != 0 {
				fail(msg)
			}
		},
		done: func(*engine.Result) { ss.close(v2CloseJobCompleted, "Job Completed") },
	})
}

// v2InitMessage waits for the session's init message and checks it;
// false when the session is over (the client was told why).
func (s *server) v2InitMessage(ss *wsSession, msgs <-chan []byte, fail func(string)) (v2Job, bool) {
	raw, got := firstMessage(msgs, v2InitTimeout)
	switch got {
	case wsFirstTimeout:
		ss.close(v2CloseInitTimeout, "Initialization Timeout")
		return v2Job{}, false
	case wsFirstGone:
		return v2Job{}, false
	}
	msg, err := decodeV2Message(raw)
	if err != nil {
		fail(err.Error())
		return v2Job{}, false
	}
	switch msg.Type {
	case "init":
		vj, err := s.parseV2(raw)
		if err != nil {
			fail(err.Error())
			return v2Job{}, false
		}
		return vj, true
	case "data", "signal":
		ss.close(v2CloseNotInitialized, "Not yet initialized")
	default:
		fail(unknownType(msg.Type))
	}
	return v2Job{}, false
}

// v2SessionMessage handles a message after init; false when it closed the
// session.
func v2SessionMessage(ss *wsSession, j *wsJob, raw []byte, fail func(string)) bool {
	msg, err := decodeV2Message(raw)
	if err != nil {
		fail(err.Error())
		return false
	}
	switch msg.Type {
	case "init":
		ss.close(v2CloseAlreadyInitialized, "Already Initialized")
		return false
	case "data":
		if stream, _ := jsonString(msg.Stream); stream != "stdin" {
			ss.close(v2CloseStdinOnly, "Can only write to stdin")
			return false
		}
		var data string
		if !absent(msg.Data) {
			var ok bool
			if data, ok = jsonString(msg.Data); !ok {
				fail("data must be a string")
				return false
			}
		}
		if err := j.stdin.write([]byte(data)); err != nil {
			fail(err.Error())
			return false
		}
		if msg.EOF {
			j.stdin.closeWrite()
		}
	case "signal":
		name, _ := jsonString(msg.Signal)
		sig, ok := signalByName(name)
		if !ok {
			ss.close(v2CloseInvalidSignal, "Invalid signal")
			return false
		}
		if !j.signal(sig) {
			fail(fmt.Sprintf("too many signals are waiting for the program (%d)", wsSignalQueue))
			return false
		}
	default:
		fail(unknownType(msg.Type))
		return false
	}
	return true
}

func decodeV2Message(raw []byte) (v2ClientMessage, error) {
	var m v2ClientMessage
	err := decodeWSMessage(raw, &m)
	return m, err
}
