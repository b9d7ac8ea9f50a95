package api

// The bounds of a WebSocket session (ws_options.go): the engine never
// waits for a client, output past the buffer closes the session and
// stops its job, every write has a deadline, and the sessions open at
// once are capped.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/coderacer/coderacer/internal/engine"
)

// floodJob prints total bytes on stdout in 32 KiB chunks as fast as it
// can, reports on printed how long that took, then ends OK 200 ms later,
// or with ctx's error (on gone) if it was cancelled before.
func floodJob(total int, printed chan<- time.Duration, gone chan<- error) func(context.Context, engine.Job) (*engine.Result, error) {
	return floodJobFor(total, 200*time.Millisecond, printed, gone)
}

func floodJobFor(total int, linger time.Duration, printed chan<- time.Duration, gone chan<- error) func(context.Context, engine.Job) (*engine.Result, error) {
	return func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		st := job.Stream
		start := time.Now()
		st.Event(engine.Event{Kind: engine.EventStage, Stage: engine.StageRun})
		chunk := []byte(strings.Repeat("x", 32<<10))
		for range total / len(chunk) {
			st.Event(engine.Event{Kind: engine.EventOutput, Stage: engine.StageRun, Stream: engine.StreamStdout, Data: chunk})
		}
		printed <- time.Since(start)
		// A real run is killed by the cancel; this one notices it.
		select {
		case <-ctx.Done():
			gone <- ctx.Err()
			return nil, ctx.Err()
		case <-time.After(linger):
		}
		run := &engine.StageResult{Status: engine.StatusOK}
		st.Event(engine.Event{Kind: engine.EventExit, Stage: engine.StageRun, Result: run})
		return &engine.Result{Status: engine.StatusOK, Run: run}, nil
	}
}

func wsHandler(exec engine.Executor, o WSOptions) http.Handler {
	return New(exec, Options{Logger: quietLogger(), WebSocket: o})
}

var wsStarts = []struct {
	path, start, errField string
	done                  websocket.StatusCode
}{
	{"/api/v1/connect", v1Execute, "error", v1CloseDone},
	{"/api/v2/connect", v2Init, "message", v2CloseJobCompleted},
}

// A client that reads nothing: the engine's callbacks never wait (8 MiB
// go through at once), the session is closed with 1008 once 256 KiB pile
// up, and the job is stopped. The client, reading later, gets the start
// of the output, the error and the close.
func TestWSOverflowClosesAndStopsJob(t *testing.T) {
	for _, tc := range wsStarts {
		printed, gone := make(chan time.Duration, 1), make(chan error, 1)
		exec := &fakeExec{runtimes: pistonRuntimes, fn: floodJob(8<<20, printed, gone)}
		c := dialWS(t, wsHandler(exec, WSOptions{OutputBuffer: 256 << 10}), tc.path)
		c.send(tc.start)
		select {
		case d := <-printed:
			t.Logf("%s: 8 MiB printed in %v to a client that reads nothing", tc.path, d)
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the engine's output callback waited for the client", tc.path)
		}
		select {
		case err := <-gone:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s: job ended with %v", tc.path, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: the job was not stopped", tc.path)
		}
		msgs := c.rest(wsCloseOverflow, wsOverflowReason)
		last := msgs[len(msgs)-1]
		want := "the client did not take its output: more than 262144 bytes were waiting; the job was stopped"
		expect(t, last, fmt.Sprintf(`{"type":"error",%q:%q}`, tc.errField, want))
		n := 0
		for _, m := range msgs[:len(msgs)-1] {
			if d, ok := m["data"].(string); ok {
				n += len(d)
			}
		}
		if n >= 8<<20 {
			t.Errorf("%s: all the output arrived, yet the session overflowed", tc.path)
		}
	}
}

// Output within the buffer is held for a client that reads nothing: the
// job prints 16 MiB, far more than the sockets between server and client
// hold (about 4 MiB here), and runs to its end without waiting for the
// client; a session that wrote from the engine's callbacks would hold
// the job back and fail here. The client, reading only once the job has
// ended, gets every byte.
func TestWSBufferedOutputDeliveredAfterJob(t *testing.T) {
	const total = 16 << 20
	for _, tc := range wsStarts {
		printed, gone, ended := make(chan time.Duration, 1), make(chan error, 1), make(chan struct{})
		flood := floodJob(total, printed, gone)
		exec := &fakeExec{runtimes: pistonRuntimes, fn: func(ctx context.Context, job engine.Job) (*engine.Result, error) {
			defer close(ended)
			return flood(ctx, job)
		}}
		c := dialWS(t, wsHandler(exec, WSOptions{OutputBuffer: 2 * total}), tc.path)
		c.send(tc.start)
		select {
		case <-ended:
			t.Logf("%s: %d MiB printed in %v; the job ended before the client read a byte", tc.path, total>>20, <-printed)
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: the job did not end while its client read nothing: the session held it back", tc.path)
		}
		n := 0
		for _, m := range c.rest(tc.done, "") {
			if d, ok := m["data"].(string); ok {
				n += len(d)
			}
		}
		if n != total {
			t.Errorf("%s: %d bytes arrived, want %d", tc.path, n, total)
		}
	}
}

// dialRaw opens a session on srv, or returns the refusal.
func dialRaw(srv *httptest.Server, path string) (*websocket.Conn, *http.Response, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+path, nil)
}

// waitAccepted dials until a session is accepted, within d.
func waitAccepted(t *testing.T, srv *httptest.Server, path string, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		conn, resp, err := dialRaw(srv, path)
		if err == nil {
			conn.CloseNow()
			return time.Since(start)
		}
		if resp == nil || resp.StatusCode != http.StatusServiceUnavailable || time.Since(start) > d {
			t.Fatalf("%s: no session within %v: %v", path, d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// At most MaxSessions at once, both dialects together: one more gets 503
// in its dialect's error shape before the upgrade; a closed session frees
// its place.
func TestWSSessionCap(t *testing.T) {
	srv := httptest.NewServer(wsHandler(echoExec(), WSOptions{MaxSessions: 2}))
	defer srv.Close()
	a, _, err := dialRaw(srv, "/api/v1/connect")
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := dialRaw(srv, "/api/v2/connect")
	if err != nil {
		t.Fatal(err)
	}
	defer b.CloseNow()
	for _, tc := range wsStarts {
		_, resp, err := dialRaw(srv, tc.path)
		if err == nil || resp == nil {
			t.Fatalf("%s: a third session: %v, want 503", tc.path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		var e map[string]string
		if resp.StatusCode != http.StatusServiceUnavailable || json.Unmarshal(body, &e) != nil ||
			e[tc.errField] != "too many WebSocket sessions: at most 2 may be open at once; retry later" || len(e) != 1 {
			t.Errorf("%s: HTTP %d %s", tc.path, resp.StatusCode, body)
		}
		if resp.Header.Get("Retry-After") != "1" || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("%s: headers %v", tc.path, resp.Header)
		}
	}
	// A plain request is still told to upgrade, not that the server is full.
	if rec := do(t, wsHandler(echoExec(), WSOptions{MaxSessions: 2}), "GET", "/api/v1/connect", ""); rec.Code != http.StatusUpgradeRequired {
		t.Errorf("plain GET: %d", rec.Code)
	}
	a.CloseNow()
	waitAccepted(t, srv, "/api/v1/connect", 2*time.Second)
}

// A client that takes nothing is cut off after WriteTimeout, even with
// its output within the buffer, whether its job is still running (which
// is then stopped) or over: its place is free again then.
func TestWSWriteTimeout(t *testing.T) {
	for _, linger := range []time.Duration{100 * time.Millisecond, 10 * time.Second} {
		printed, gone := make(chan time.Duration, 1), make(chan error, 1)
		exec := &fakeExec{runtimes: pistonRuntimes, fn: floodJobFor(8<<20, linger, printed, gone)}
		srv := httptest.NewServer(wsHandler(exec, WSOptions{MaxSessions: 1, OutputBuffer: 16 << 20, WriteTimeout: 300 * time.Millisecond}))
		defer srv.Close()
		conn, _, err := dialRaw(srv, "/api/v2/connect")
		if err != nil {
			t.Fatal(err)
		}
		defer conn.CloseNow()
		if err := conn.Write(context.Background(), websocket.MessageText, []byte(v2Init)); err != nil {
			t.Fatal(err)
		}
		<-printed
		d := waitAccepted(t, srv, "/api/v2/connect", 3*time.Second)
		t.Logf("job of %v: the silent client's place was free after %v", linger, d)
		if linger > time.Second {
			select {
			case <-gone:
			case <-time.After(time.Second):
				t.Errorf("the job of a client cut off was not stopped")
			}
		}
	}
}

// Once the session is closing, the client has DrainTimeout to take what
// is left, however it reads: a client taking a message every 100 ms (8
// MiB would take it 13 s) has its place back within a second or so, and
// is cut off without the close.
func TestWSDrainTimeout(t *testing.T) {
	// Most of its time is spent waiting out timeouts: beside the others.
	t.Parallel()
	printed, gone := make(chan time.Duration, 1), make(chan error, 1)
	exec := &fakeExec{runtimes: pistonRuntimes, fn: floodJob(8<<20, printed, gone)}
	srv := httptest.NewServer(wsHandler(exec, WSOptions{MaxSessions: 1, OutputBuffer: 16 << 20, DrainTimeout: 500 * time.Millisecond}))
	defer srv.Close()
	conn, _, err := dialRaw(srv, "/api/v2/connect")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.CloseNow()
	conn.SetReadLimit(16 << 20)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := conn.Write(ctx, websocket.MessageText, []byte(v2Init)); err != nil {
		t.Fatal(err)
	}
	type end struct {
		n   int
		err error
	}
	ended := make(chan end, 1)
	go func() {
		n := 0
		for {
			_, data, err := conn.Read(ctx)
			if err != nil {
				ended <- end{n, err}
				return
			}
			n += len(data)
			time.Sleep(100 * time.Millisecond)
		}
	}()
	<-printed
	d := waitAccepted(t, srv, "/api/v2/connect", 3*time.Second)
	t.Logf("the slow client's place was free %v after the output", d)
	e := <-ended
	if websocket.CloseStatus(e.err) != -1 || e.n >= 8<<20 {
		t.Errorf("the slow client got %d bytes and %v, want less than all and no close", e.n, e.err)
	}
}
