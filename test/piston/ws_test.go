package piston

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// session is a WebSocket client of the real server.
type session struct {
	t    *testing.T
	conn *websocket.Conn
	log  []string // every message received, for failure messages
}

func connect(t *testing.T, path string) *session {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	conn.SetReadLimit(32 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	return &session{t: t, conn: conn}
}

func (s *session) send(msg any) {
	s.t.Helper()
	data, err := json.Marshal(msg)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.conn.Write(ctx, websocket.MessageText, data); err != nil {
		s.t.Fatalf("send %s: %v (received so far: %v)", data, err, s.log)
	}
}

type message map[string]any

func (m message) str(k string) string {
	v, _ := m[k].(string)
	return v
}

// read returns the next message, or nil and the close error.
func (s *session) read() (message, error) {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, data, err := s.conn.Read(ctx)
	if err != nil {
		return nil, err
	}
	s.log = append(s.log, string(data))
	var m message
	if err := json.Unmarshal(data, &m); err != nil {
		s.t.Fatalf("message is not a JSON object: %q", data)
	}
	return m, nil
}

// next reads the next message that is not output, and fails on a close.
func (s *session) next(wantType string) message {
	s.t.Helper()
	m, err := s.read()
	if err != nil {
		s.t.Fatalf("waiting for a %q message: %v (received: %v)", wantType, err, s.log)
	}
	if m.str("type") != wantType {
		s.t.Fatalf("got %v, want a %q message (received: %v)", m, wantType, s.log)
	}
	return m
}

// output reads output messages until it has want; anything else fails.
func (s *session) output(typ, stream, want string) {
	s.t.Helper()
	var got strings.Builder
	for got.Len() < len(want) {
		m := s.next(typ)
		if stream != "" && m.str("stream") != stream {
			s.t.Fatalf("output on %q, want %q: %v", m.str("stream"), stream, m)
		}
		got.WriteString(m.str("data"))
	}
	if got.String() != want {
		s.t.Fatalf("output %q, want %q", got.String(), want)
	}
}

// closed reads to the end and checks the close code; it returns what
// came before.
func (s *session) closed(wantCode websocket.StatusCode) []message {
	s.t.Helper()
	var msgs []message
	for {
		m, err := s.read()
		if err != nil {
			var ce websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != wantCode {
				s.t.Fatalf("connection ended with %v, want close code %d (received: %v)", err, wantCode, s.log)
			}
			return msgs
		}
		msgs = append(msgs, m)
	}
}

const pythonEcho = `import sys
for line in sys.stdin:
    sys.stdout.write("echo: " + line)
    sys.stdout.flush()
`

// The session: a program echoes stdin line by line as it comes;
// a signal from the client reaches it and ends it.
func TestV2SessionEchoStoppedBySignal(t *testing.T) {
	s := connect(t, "/api/v2/connect")
	s.send(map[string]any{"type": "init", "language": "python", "version": "3", "files": []map[string]string{{"content": pythonEcho}}})
	rt := s.next("runtime")
	if rt.str("language") != "python" || !strings.HasPrefix(rt.str("version"), "3.") {
		t.Errorf("runtime %v", rt)
	}
	if st := s.next("stage"); st.str("stage") != "run" {
		t.Fatalf("stage %v", st)
	}
	for _, line := range []string{"one\n", "twö ✓\n", "three\n"} {
		s.send(map[string]string{"type": "data", "stream": "stdin", "data": line})
		s.output("data", "stdout", "echo: "+line)
	}
	s.send(map[string]string{"type": "signal", "signal": "SIGTERM"})
	exit := s.next("exit")
	if exit.str("stage") != "run" || exit.str("signal") != "SIGTERM" || exit.str("status") != "SG" || exit["code"] != nil {
		t.Errorf("exit %v, want killed by SIGTERM", exit)
	}
	if rest := s.closed(4999); len(rest) != 0 {
		t.Errorf("after exit: %v", rest)
	}
}

// A compiled program: compile stage, then run; stdin closed with our eof
// extension ends it normally.
func TestV2SessionCompiledEOF(t *testing.T) {
	s := connect(t, "/api/v2/connect")
	src := `#include <stdio.h>
int main(void) {
	char line[256];
	int n = 0;
	while (fgets(line, sizeof line, stdin)) { printf("%d:%s", ++n, line); fflush(stdout); }
	fprintf(stderr, "bye after %d\n", n);
	return 0;
}`
	s.send(map[string]any{"type": "init", "language": "c", "version": "*", "files": []map[string]string{{"content": src}}})
	s.next("runtime")
	if st := s.next("stage"); st.str("stage") != "compile" {
		t.Fatalf("stage %v", st)
	}
	if exit := s.next("exit"); exit.str("stage") != "compile" || exit["code"] != float64(0) {
		t.Fatalf("compile exit %v", exit)
	}
	if st := s.next("stage"); st.str("stage") != "run" {
		t.Fatalf("stage %v", st)
	}
	s.send(map[string]string{"type": "data", "stream": "stdin", "data": "a\n"})
	s.output("data", "stdout", "1:a\n")
	s.send(map[string]any{"type": "data", "stream": "stdin", "data": "b\n", "eof": true})
	// Two pipes: what the program wrote on each comes in order, but the
	// two streams' chunks may cross.
	out := map[string]string{}
	var exit message
	for _, m := range s.closed(4999) {
		switch m.str("type") {
		case "data":
			out[m.str("stream")] += m.str("data")
		case "exit":
			exit = m
		default:
			t.Errorf("unexpected %v", m)
		}
	}
	if out["stdout"] != "2:b\n" || out["stderr"] != "bye after 2\n" {
		t.Errorf("output %q", out)
	}
	if exit == nil || exit["code"] != float64(0) || exit["status"] != nil || exit["signal"] != nil {
		t.Errorf("exit %v", exit)
	}
}

// Output limits apply to sessions too: the program is stopped at the
// limit, and no more than the limit is streamed.
func TestV2SessionOutputLimit(t *testing.T) {
	s := connect(t, "/api/v2/connect")
	s.send(map[string]any{"type": "init", "language": "python", "version": "*",
		"files": []map[string]string{{"content": "while True:\n    print('x' * 999)"}}})
	total := 0
	var exit message
	for _, m := range s.closed(4999) {
		switch m.str("type") {
		case "data":
			total += len(m.str("data"))
		case "exit":
			exit = m
		}
	}
	if exit == nil || exit.str("status") != "OL" {
		t.Fatalf("exit %v, want status OL", exit)
	}
	if total > 1<<20 {
		t.Errorf("%d bytes streamed, over the 1 MiB limit", total)
	}
}

func TestV2SessionTimeout(t *testing.T) {
	s := connect(t, "/api/v2/connect")
	s.send(map[string]any{"type": "init", "language": "python", "version": "*", "run_timeout": 500,
		"files": []map[string]string{{"content": "import sys\nsys.stdin.read()"}}})
	var exit message
	for _, m := range s.closed(4999) {
		if m.str("type") == "exit" {
			exit = m
		}
	}
	if exit == nil || exit.str("status") != "TO" || exit.str("signal") != "SIGKILL" {
		t.Fatalf("exit %v, want TO", exit)
	}
}

func TestV2SessionInitTimeout(t *testing.T) {
	s := connect(t, "/api/v2/connect")
	s.closed(4001)
}

func TestV2SessionError(t *testing.T) {
	s := connect(t, "/api/v2/connect")
	s.send(map[string]any{"type": "init", "language": "python", "version": "1.0", "files": []map[string]string{{"content": ""}}})
	msgs := s.closed(4002)
	if len(msgs) != 1 || msgs[0].str("type") != "error" || msgs[0].str("message") != "python-1.0 runtime is unknown" {
		t.Errorf("messages %v", msgs)
	}
}

// The v1 WebSocket: a bash loop echoes lines, SIGINT stops it, and the
// whole v1 response closes the session.
func TestV1SessionEchoStoppedBySignal(t *testing.T) {
	s := connect(t, "/api/v1/connect")
	s.send(map[string]any{"type": "execute", "language": "bash", "entrypoint": "main.sh",
		"files": []map[string]string{{"name": "main.sh", "content": "while IFS= read -r line; do echo \"got: $line\"; done"}},
		"stdin": "first\n"})
	if rt := s.next("runtime"); rt.str("language") != "bash" {
		t.Errorf("runtime %v", rt)
	}
	s.next("stage")
	s.output("stdout", "", "got: first\n")
	s.send(map[string]string{"type": "stdin", "data": "second\n"})
	s.output("stdout", "", "got: second\n")
	s.send(map[string]string{"type": "signal", "signal": "SIGINT"})
	exit := s.next("exit")
	if exit.str("signal") != "SIGINT" || exit.str("status") != "SG" {
		t.Errorf("exit %v, want killed by SIGINT", exit)
	}
	res := s.next("result")
	if res.str("status") != "SG" || res.str("stdout") != "got: first\ngot: second\n" || res.str("language") != "bash" {
		t.Errorf("result %v", res)
	}
	s.closed(websocket.StatusNormalClosure)
}

// A client that disconnects mid-job frees its sandbox at once: with every
// sandbox held by an abandoned session, a new job still runs promptly.
func TestSessionDisconnectFreesSandbox(t *testing.T) {
	for range 2 { // parallelism 2: both sandboxes
		s := connect(t, "/api/v2/connect")
		s.send(map[string]any{"type": "init", "language": "python", "version": "*", "run_timeout": 20000,
			"files": []map[string]string{{"content": "import sys\nsys.stdin.read()"}}})
		s.next("runtime")
		s.next("stage")
		s.conn.CloseNow()
	}
	start := time.Now()
	r := mustExecute(t, `{"language":"python","version":"*","files":[{"content":"print(42)"}]}`)
	if r.Run.Stdout != "42\n" {
		t.Errorf("run %s", r.raw)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("the next job took %v: abandoned sessions kept their sandboxes", d)
	}
}
