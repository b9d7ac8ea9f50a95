package cluster

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/coderacer/coderacer/test/testserver"
)

// session opens a v1 WebSocket session on s running src (python3).
func session(ctx context.Context, t *testing.T, s *testserver.Server, src string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.URL, "http")+"/api/v1/connect", nil)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := json.Marshal(map[string]any{"type": "execute", "language": "python3", "entrypoint": "main.py",
		"files": []testserver.File{{Name: "main.py", Content: src}}, "limits": map[string]any{"wallTimeMs": 15000}})
	if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
		t.Fatal(err)
	}
	return conn
}

// readUntil reads messages until one of type want; it returns the
// stdout seen and that message, or the error that ended the session.
func readUntil(ctx context.Context, conn *websocket.Conn, want string) (stdout string, last map[string]any, err error) {
	for {
		_, data, err := conn.Read(ctx)
		if err != nil {
			return stdout, nil, err
		}
		var m map[string]any
		if json.Unmarshal(data, &m) != nil {
			continue
		}
		if m["type"] == "stdout" {
			stdout += m["data"].(string)
		}
		if m["type"] == want {
			return stdout, m, nil
		}
	}
}

// TestSessionThroughCluster: an interactive session on an API node runs
// on a worker: stdin goes in, output comes out, through NATS.
func TestSessionThroughCluster(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn := session(ctx, t, a1, "name = input()\nprint('hello ' + name, flush=True)\nprint(input()[::-1])\n")
	defer conn.CloseNow()
	for _, line := range []string{"ada\n", "olleh\n"} {
		msg, _ := json.Marshal(map[string]string{"type": "stdin", "data": line})
		if err := conn.Write(ctx, websocket.MessageText, msg); err != nil {
			t.Fatal(err)
		}
	}
	stdout, res, err := readUntil(ctx, conn, "result")
	if err != nil || res["status"] != "OK" || stdout != "hello ada\nhello\n" {
		t.Fatalf("session through the cluster: stdout %q, result %v, err %v", stdout, res, err)
	}
}

// TestSessionWorkerKilled: the worker of a running session is killed:
// the session ends with an error and a close code saying so, soon.
func TestSessionWorkerKilled(t *testing.T) {
	victim, err := startNode("w5", "worker", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Kill()
	if err := waitWorkers(a1, 3, time.Minute); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// One session a slot of every worker: some run on the victim.
	var conns []*websocket.Conn
	for range 3 * slotsPerWorker {
		c := session(ctx, t, a1, "print('up', flush=True)\ninput()\n")
		defer c.CloseNow()
		if _, _, err := readUntil(ctx, c, "stdout"); err != nil {
			t.Fatalf("a session did not start: %v", err)
		}
		conns = append(conns, c)
	}
	killWorker(t, victim)
	start := time.Now()
	type end struct {
		code  websocket.StatusCode
		after time.Duration
		err   error
	}
	ends := make(chan end, len(conns))
	for _, c := range conns {
		go func() {
			_, _, err := readUntil(ctx, c, "result")
			ends <- end{websocket.CloseStatus(err), time.Since(start), err}
		}()
	}
	var lostAfter []time.Duration
	for range conns {
		e := <-ends
		switch {
		case e.code == 4503:
			lostAfter = append(lostAfter, e.after)
		case e.err != nil:
			t.Errorf("a session ended with %v, want the close 4503 or its result", e.err)
		}
	}
	// The survivors ran on: they ended with their result (a TLE at the
	// wall limit, waiting for stdin).
	if len(lostAfter) != slotsPerWorker {
		t.Errorf("%d sessions ended 4503, want the victim's %d", len(lostAfter), slotsPerWorker)
	}
	for _, d := range lostAfter {
		if d > 10*time.Second {
			t.Errorf("a session of the killed worker ended %v after the kill, want within 10 s", d.Round(time.Millisecond))
		}
	}
	t.Logf("the victim's sessions ended %v after the kill", lostAfter)
}
