package attack

// A WebSocket client of the real server for the session attacks
// (ws_slow_test.go, ws_sessions_test.go), in both dialects.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/coderacer/coderacer/test/testserver"
)

// The server's WebSocket defaults (docs/websocket.md) the attacks rely on.
const (
	wsOutputBuffer = 2 << 20          // output bytes a session holds for its client
	wsWriteTimeout = 10 * time.Second // the time a client has to take a message
	wsMaxSessions  = 128              // sessions open at once
)

// wsDialect is what differs between /api/v1/connect and /api/v2/connect.
type wsDialect struct {
	name, path string
	// start is the first message: run the Python program src with a 2 s
	// wall limit and, where the dialect has one, outputBytes per stream.
	start func(src string, outputBytes int64) any
	// outputType is the type of output messages ("stdout"/"stderr" are
	// the v1 types, "data" with a stream the v2 one).
	outputType func(m wsMessage) (stream string, ok bool)
	// errorText is an error message's text.
	errorText func(m wsMessage) string
	// done is the close of a job that ended and was told.
	doneCode   websocket.StatusCode
	doneReason string
}

var (
	wsV1 = wsDialect{
		name: "v1", path: "/api/v1/connect",
		start: func(src string, outputBytes int64) any {
			return map[string]any{"type": "execute", "language": "python3", "entrypoint": "main.py",
				"files":  []map[string]string{{"name": "main.py", "content": src}},
				"limits": map[string]any{"wallTimeMs": 2000, "outputBytes": outputBytes}}
		},
		outputType: func(m wsMessage) (string, bool) {
			t := m.str("type")
			return t, t == "stdout" || t == "stderr"
		},
		errorText:  func(m wsMessage) string { return m.str("error") },
		doneCode:   websocket.StatusNormalClosure,
		doneReason: "done",
	}
	wsV2 = wsDialect{
		name: "v2", path: "/api/v2/connect",
		start: func(src string, _ int64) any {
			// Piston has no output limit: 1 MiB per stream, the default.
			return map[string]any{"type": "init", "language": "python", "version": "*", "run_timeout": 2000,
				"files": []map[string]string{{"content": src}}}
		},
		outputType: func(m wsMessage) (string, bool) { return m.str("stream"), m.str("type") == "data" },
		errorText:  func(m wsMessage) string { return m.str("message") },
		doneCode:   4999,
		doneReason: "Job Completed",
	}
)

type wsMessage map[string]any

func (m wsMessage) str(k string) string {
	v, _ := m[k].(string)
	return v
}

// wsSession is one client session. Its reader, once started, keeps every
// message; output is gathered per stream.
type wsSession struct {
	t    *testing.T
	d    wsDialect
	conn *websocket.Conn

	fast atomic.Bool // read at full speed (else 4 KiB/s)
	done chan struct{}

	mu     sync.Mutex
	out    map[string]*strings.Builder
	msgs   []wsMessage // everything but output
	endErr error       // how the connection ended
}

func wsURL(path string) string { return "ws" + strings.TrimPrefix(srv.URL, "http") + path }

// dialWS opens a session; a refused upgrade fails the test.
func dialWS(t *testing.T, d wsDialect) *wsSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(ctx, wsURL(d.path), nil)
	if err != nil {
		t.Fatalf("%s: dial: %v (%s)", d.name, err, describeResponse(resp))
	}
	t.Cleanup(func() { conn.CloseNow() })
	return newWSSession(t, d, conn)
}

func newWSSession(t *testing.T, d wsDialect, conn *websocket.Conn) *wsSession {
	conn.SetReadLimit(64 << 20)
	return &wsSession{t: t, d: d, conn: conn, done: make(chan struct{}), out: map[string]*strings.Builder{}}
}

func describeResponse(resp *http.Response) string {
	if resp == nil {
		return "no response"
	}
	body, _ := io.ReadAll(resp.Body)
	return fmt.Sprintf("HTTP %d %q", resp.StatusCode, body)
}

func (s *wsSession) send(msg any) {
	s.t.Helper()
	data, err := json.Marshal(msg)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, data); err != nil {
		s.t.Fatalf("%s: send: %v", s.d.name, err)
	}
}

// next reads one message at full speed.
func (s *wsSession) next() (wsMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, data, err := s.conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	var m wsMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("message is not a JSON object (%v): %q", err, testserver.Shorten(string(data), 200))
	}
	return m, nil
}

// expect reads one message at full speed and requires its type.
func (s *wsSession) expect(typ string) wsMessage {
	s.t.Helper()
	m, err := s.next()
	if err != nil || m.str("type") != typ {
		s.t.Fatalf("%s: want a %q message, got %v (%v)", s.d.name, typ, m, err)
	}
	return m
}

// readAll starts the reader: slowly (4 KiB/s, 1 KiB every 250 ms) until
// fast is set, then at full speed, until the connection ends.
func (s *wsSession) readAll() {
	go func() {
		defer close(s.done)
		for {
			m, err := s.readOne()
			if err != nil {
				s.mu.Lock()
				s.endErr = err
				s.mu.Unlock()
				return
			}
			s.mu.Lock()
			if stream, ok := s.d.outputType(m); ok {
				if s.out[stream] == nil {
					s.out[stream] = &strings.Builder{}
				}
				s.out[stream].WriteString(m.str("data"))
			} else {
				s.msgs = append(s.msgs, m)
			}
			s.mu.Unlock()
		}
	}()
}

func (s *wsSession) readOne() (wsMessage, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, r, err := s.conn.Reader(ctx)
	if err != nil {
		return nil, err
	}
	var data []byte
	buf := make([]byte, 1<<10)
	for !s.fast.Load() {
		n, err := r.Read(buf)
		data = append(data, buf[:n]...)
		if err == io.EOF {
			return decodeMessage(data)
		}
		if err != nil {
			return nil, err
		}
		time.Sleep(250 * time.Millisecond)
	}
	rest, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return decodeMessage(append(data, rest...))
}

func decodeMessage(data []byte) (wsMessage, error) {
	var m wsMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("message is not a JSON object (%v): %q", err, testserver.Shorten(string(data), 200))
	}
	return m, nil
}

// wait reads at full speed to the end and returns the output per stream,
// the other messages and how the connection ended.
func (s *wsSession) wait(timeout time.Duration) (map[string]string, []wsMessage, error) {
	s.t.Helper()
	s.fast.Store(true)
	select {
	case <-s.done:
	case <-time.After(timeout):
		s.conn.CloseNow()
		<-s.done
		s.t.Errorf("%s: the session did not end within %v", s.d.name, timeout)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for k, b := range s.out {
		out[k] = b.String()
	}
	return out, s.msgs, s.endErr
}

// floodLine is line i of floodProgram's output: 1 KiB, nearly all of it
// control bytes, which JSON spells as 6 bytes each (\u0001), so the
// messages are 6 times the output and the socket's buffers fill early.
func floodLine(i int) string { return fmt.Sprintf("%07d ", i) + strings.Repeat("\x01", 1015) + "\n" }

// floodProgram prints outLines of floodLine on stdout and errLines on
// stderr, interleaved, then sleeps (past the 2 s wall limit) or exits.
// With pause, it stops for half a second after the first MiB, so the
// server is surely waiting on a full socket by the time more comes.
func floodProgram(outLines, errLines int, sleep bool) string {
	return floodProgramPause(outLines, errLines, sleep, false)
}

func floodProgramPause(outLines, errLines int, sleep, pause bool) string {
	src := fmt.Sprintf(`import sys, time
o, e = sys.stdout.buffer, sys.stderr.buffer
for i in range(max(%d, %d)):
    line = b"%%07d " %% i + b"\x01" * 1015 + b"\n"
    if i < %d: o.write(line)
    if i < %d: e.write(line)
    if %v and i == 1023:
        o.flush(); e.flush(); time.sleep(0.5)
o.flush(); e.flush()
`, outLines, errLines, outLines, errLines, map[bool]string{true: "True", false: "False"}[pause])
	if sleep {
		src += "time.sleep(60)\n"
	}
	return src
}

// tickerProgram prints floodLine lines on stdout and on stderr, 30 each
// every 100 ms (600 KiB/s, 3.6 MiB/s as JSON), until the wall limit ends
// it.
const tickerProgram = `import sys, time
o, e = sys.stdout.buffer, sys.stderr.buffer
for i in range(1000000):
    line = b"%07d " % i + b"\x01" * 1015 + b"\n"
    o.write(line); e.write(line)
    if i % 30 == 29:
        o.flush(); e.flush(); time.sleep(0.1)
`

// floodOutput is what floodProgram prints on a stream of n lines.
func floodOutput(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(floodLine(i))
	}
	return b.String()
}

// ordinaryLatency runs a hello world and returns how long it took; one
// that is not answered within 40 s counts as 40 s.
func ordinaryLatency(t *testing.T) time.Duration {
	t.Helper()
	body, _ := json.Marshal(bash("echo ordinary\n"))
	hc := &http.Client{Timeout: 40 * time.Second}
	start := time.Now()
	resp, err := hc.Post(srv.URL+"/api/v1/execute", "application/json", strings.NewReader(string(body)))
	took := time.Since(start)
	if err != nil {
		t.Errorf("the ordinary request failed after %v: %v", took.Round(time.Millisecond), err)
		return took
	}
	defer resp.Body.Close()
	var r testserver.Response
	data, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(data, &r); err != nil || resp.StatusCode != http.StatusOK || r.Stdout != "ordinary\n" {
		t.Errorf("the ordinary request: HTTP %d %s", resp.StatusCode, testserver.Shorten(string(data), 300))
	}
	return took
}

// closeOf tells how a connection ended: its close code and reason, or -1
// when it ended without a close frame.
func closeOf(err error) (websocket.StatusCode, string) {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return ce.Code, ce.Reason
	}
	return -1, ""
}
