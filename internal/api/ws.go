package api

// What the two WebSocket dialects (ws_v2.go: Piston's /api/v2/connect,
// ws_v1.go: /api/v1/connect) share, by file: here the upgrade and the
// messages both dialects send alike; ws_session.go the connection's
// writer with its bounded queue and the reader; ws_stdin.go the live
// stdin buffer; ws_job.go the bridge from an engine.Stream's events to a
// dialect's messages and the loop that runs the job. Both run the job
// through Executor.Execute with a Stream; there is no other execution path.
//
// The engine never waits for a client: its events are queued, output up
// to WSOptions.OutputBuffer bytes; a client that lets more pile up has
// its session closed and its job stopped, so a sandbox is never held
// longer than its run. Every write has a deadline (WriteTimeout, and
// DrainTimeout for all that is left once the session is closing).

import (
	"context"
	"net/http"
	"strings"
	"sync"

	"github.com/coder/websocket"
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
