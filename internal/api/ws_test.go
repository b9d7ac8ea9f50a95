package api

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"golang.org/x/sys/unix"

	"github.com/coderacer/coderacer/internal/engine"
)

// ---- a streaming fake engine ----

// echoJob plays a streamed run: it echoes each line of stdin to stdout
// (and "err:"-prefixed lines to stderr) until EOF (exit 0) or a signal
// (killed by it, SG). With compile set it first plays a compile stage
// that writes a warning, and fails when the main file says "bad".
func echoJob(compile bool, started chan<- engine.Job, gone chan<- error) func(context.Context, engine.Job) (*engine.Result, error) {
	return func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		if started != nil {
			started <- job
		}
		st := job.Stream
		res := &engine.Result{Language: job.Language, Version: "3.11.2"}
		if compile {
			st.Event(engine.Event{Kind: engine.EventStage, Stage: engine.StageCompile})
			st.Event(engine.Event{Kind: engine.EventOutput, Stage: engine.StageCompile, Stream: engine.StreamStderr, Data: []byte("warning\n")})
			c := &engine.StageResult{Stderr: []byte("warning\n"), Output: []byte("warning\n"), Status: engine.StatusOK, WallTime: 5 * time.Millisecond}
			if string(job.Files[0].Content) == "bad" {
				c.Status, c.ExitCode = engine.StatusCompileError, 1
			}
			st.Event(engine.Event{Kind: engine.EventExit, Stage: engine.StageCompile, Result: c})
			res.Compile = c
			if c.Status != engine.StatusOK {
				res.Status = engine.StatusCompileError
				return res, nil
			}
		}
		st.Event(engine.Event{Kind: engine.EventStage, Stage: engine.StageRun})
		lines := make(chan string)
		go func() {
			defer close(lines)
			r := bufio.NewReader(st.Stdin)
			for {
				line, err := r.ReadString('\n')
				if line != "" {
					lines <- line
				}
				if err != nil {
					return
				}
			}
		}()
		run := &engine.StageResult{Status: engine.StatusOK}
		var out, errOut strings.Builder
		for {
			select {
			case line, ok := <-lines:
				if !ok {
					goto exit
				}
				stream, b := engine.StreamStdout, &out
				if strings.HasPrefix(line, "err:") {
					stream, b = engine.StreamStderr, &errOut
				}
				b.WriteString(line)
				st.Event(engine.Event{Kind: engine.EventOutput, Stage: engine.StageRun, Stream: stream, Data: []byte(line)})
			case sig := <-st.Signals:
				if sig == syscall.SIGCONT {
					continue // not deadly
				}
				run.Signal, run.ExitCode = unix.SignalName(sig), 128+int(sig)
				run.Status, run.Message = engine.StatusSignaled, "killed by "+run.Signal
				goto exit
			case <-ctx.Done():
				if gone != nil {
					gone <- ctx.Err()
				}
				return nil, ctx.Err()
			}
		}
	exit:
		run.Stdout, run.Stderr = []byte(out.String()), []byte(errOut.String())
		st.Event(engine.Event{Kind: engine.EventExit, Stage: engine.StageRun, Result: run})
		res.Run, res.Status = run, run.Status
		return res, nil
	}
}

func echoExec() *fakeExec { return &fakeExec{runtimes: pistonRuntimes, fn: echoJob(false, nil, nil)} }

// ---- a WebSocket client ----

type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
}

func dialWS(t *testing.T, h http.Handler, path string) *wsClient {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+path, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", path, err)
	}
	conn.SetReadLimit(16 << 20)
	t.Cleanup(func() { conn.CloseNow() })
	return &wsClient{t: t, conn: conn}
}

// send sends a string as is, anything else as JSON.
func (c *wsClient) send(v any) {
	c.t.Helper()
	data, ok := v.(string)
	if !ok {
		b, err := json.Marshal(v)
		if err != nil {
			c.t.Fatal(err)
		}
		data = string(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.conn.Write(ctx, websocket.MessageText, []byte(data)); err != nil {
		c.t.Fatalf("send %s: %v", data, err)
	}
}

type wsMsg map[string]any

// next reads one message; the connection's close fails the test.
func (c *wsClient) next() wsMsg {
	c.t.Helper()
	m, code, reason := c.read()
	if m == nil {
		c.t.Fatalf("connection closed (%d %q) while a message was expected", code, reason)
	}
	return m
}

// read returns the next message, or nil and the close code and reason.
func (c *wsClient) read() (wsMsg, websocket.StatusCode, string) {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, data, err := c.conn.Read(ctx)
	if err != nil {
		var ce websocket.CloseError
		if errors.As(err, &ce) {
			return nil, ce.Code, ce.Reason
		}
		c.t.Fatalf("read: %v", err)
	}
	var m wsMsg
	if err := json.Unmarshal(data, &m); err != nil {
		c.t.Fatalf("message is not a JSON object: %q", data)
	}
	return m, 0, ""
}

// rest reads every message until the close and checks its code and
// reason.
func (c *wsClient) rest(wantCode websocket.StatusCode, wantReason string) []wsMsg {
	c.t.Helper()
	var msgs []wsMsg
	for {
		m, code, reason := c.read()
		if m == nil {
			if code != wantCode || (wantReason != "" && reason != wantReason) {
				c.t.Fatalf("closed with %d %q, want %d %q; messages before: %v", code, reason, wantCode, wantReason, msgs)
			}
			return msgs
		}
		msgs = append(msgs, m)
	}
}

// expect checks that m has the fields of want (JSON-encoded for the
// comparison, so numbers and nulls compare as the client sees them).
func expect(t *testing.T, m wsMsg, want string) {
	t.Helper()
	var w map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want %s: %v", want, err)
	}
	for k, v := range w {
		got, ok := m[k]
		if !ok || fmt.Sprint(got) != fmt.Sprint(v) {
			t.Errorf("message %v: %s = %v, want %v", m, k, got, v)
		}
	}
}

const v2Init = `{"type":"init","language":"python","version":"3.11.2","files":[{"content":"print(1)"}],"stdin":"ignored\n"}`

// ---- /api/v2/connect ----

// The session of the issue: stdin echoed line by line as it comes, then a
// signal that reaches the program and ends it.
func TestV2WSEchoAndSignal(t *testing.T) {
	started := make(chan engine.Job, 1)
	exec := &fakeExec{runtimes: pistonRuntimes, fn: echoJob(false, started, nil)}
	c := dialWS(t, newTestHandler(exec), "/api/v2/connect")
	c.send(v2Init)
	expect(t, c.next(), `{"type":"runtime","language":"python","version":"3.11.2"}`)
	expect(t, c.next(), `{"type":"stage","stage":"run"}`)
	job := <-started
	if job.Stream == nil || job.Stdin != nil || job.Language != "python3" {
		t.Fatalf("job %+v: want a streamed job without batch stdin", job)
	}
	for _, line := range []string{"hello\n", "wörld ✓\n"} {
		c.send(map[string]string{"type": "data", "stream": "stdin", "data": line})
		expect(t, c.next(), fmt.Sprintf(`{"type":"data","stream":"stdout","data":%q}`, line))
	}
	c.send(`{"type":"data","stream":"stdin","data":"err:oops\n"}`)
	expect(t, c.next(), `{"type":"data","stream":"stderr","data":"err:oops\n"}`)
	c.send(`{"type":"signal","signal":"SIGCONT"}`) // delivered, not deadly
	c.send(`{"type":"signal","signal":"SIGTERM"}`)
	exit := c.next()
	expect(t, exit, `{"type":"exit","stage":"run","code":null,"signal":"SIGTERM","status":"SG","message":"killed by SIGTERM","cpu_time":0,"wall_time":0,"memory":0}`)
	if rest := c.rest(v2CloseJobCompleted, "Job Completed"); len(rest) != 0 {
		t.Errorf("messages after exit: %v", rest)
	}
}

// Our extension: eof closes the program's stdin; it then exits 0.
func TestV2WSStdinEOF(t *testing.T) {
	c := dialWS(t, newTestHandler(echoExec()), "/api/v2/connect")
	c.send(v2Init)
	c.send(`{"type":"data","stream":"stdin","data":"last","eof":true}`)
	msgs := c.rest(v2CloseJobCompleted, "Job Completed")
	if len(msgs) != 4 {
		t.Fatalf("messages %v", msgs)
	}
	expect(t, msgs[2], `{"type":"data","stream":"stdout","data":"last"}`)
	expect(t, msgs[3], `{"type":"exit","stage":"run","code":0,"signal":null,"status":null}`)
}

func TestV2WSCompiled(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: echoJob(true, nil, nil)}
	c := dialWS(t, newTestHandler(exec), "/api/v2/connect")
	c.send(`{"type":"init","language":"c","version":"*","files":[{"content":"int main(){}"}]}`)
	expect(t, c.next(), `{"type":"runtime","language":"c","version":"12.2.0"}`)
	expect(t, c.next(), `{"type":"stage","stage":"compile"}`)
	expect(t, c.next(), `{"type":"data","stream":"stderr","data":"warning\n"}`)
	expect(t, c.next(), `{"type":"exit","stage":"compile","code":0,"signal":null,"status":null,"wall_time":5}`)
	expect(t, c.next(), `{"type":"stage","stage":"run"}`)
	c.send(`{"type":"data","stream":"stdin","eof":true}`)
	expect(t, c.next(), `{"type":"exit","stage":"run","code":0}`)
	c.rest(v2CloseJobCompleted, "Job Completed")
}

func TestV2WSCompileError(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: echoJob(true, nil, nil)}
	c := dialWS(t, newTestHandler(exec), "/api/v2/connect")
	c.send(`{"type":"init","language":"c","version":"*","files":[{"content":"bad"}]}`)
	msgs := c.rest(v2CloseJobCompleted, "Job Completed")
	if len(msgs) != 4 {
		t.Fatalf("messages %v", msgs)
	}
	expect(t, msgs[3], `{"type":"exit","stage":"compile","code":1,"status":"RE"}`)
}

// An executor that does not stream (a cluster client, say) still gives a
// whole session, told from its result.
func TestV2WSNonStreamingExecutor(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: resultFn(&engine.Result{
		Language: "c", Version: "12.2.0", Status: engine.StatusRuntimeError,
		Compile: &engine.StageResult{Status: engine.StatusOK},
		Run:     &engine.StageResult{Stdout: []byte("out"), Stderr: []byte("err"), ExitCode: 2, Status: engine.StatusRuntimeError},
	})}
	c := dialWS(t, newTestHandler(exec), "/api/v2/connect")
	c.send(`{"type":"init","language":"c","version":"*","files":[{"content":"x"}]}`)
	msgs := c.rest(v2CloseJobCompleted, "Job Completed")
	want := []string{
		`{"type":"runtime","language":"c"}`,
		`{"type":"stage","stage":"compile"}`,
		`{"type":"exit","stage":"compile","code":0}`,
		`{"type":"stage","stage":"run"}`,
		`{"type":"data","stream":"stdout","data":"out"}`,
		`{"type":"data","stream":"stderr","data":"err"}`,
		`{"type":"exit","stage":"run","code":2,"status":"RE"}`,
	}
	if len(msgs) != len(want) {
		t.Fatalf("messages %v", msgs)
	}
	for i := range want {
		expect(t, msgs[i], want[i])
	}
}

func TestV2WSInitTimeout(t *testing.T) {
	c := dialWS(t, newTestHandler(echoExec()), "/api/v2/connect")
	start := time.Now()
	c.rest(v2CloseInitTimeout, "Initialization Timeout")
	if d := time.Since(start); d < 900*time.Millisecond || d > 3*time.Second {
		t.Errorf("closed after %v, want about 1s", d)
	}
}

func TestV2WSCloseCodes(t *testing.T) {
	tests := []struct {
		name   string
		msgs   []string
		code   websocket.StatusCode
		reason string
		error  string // the error message before the close, if any
	}{
		{"data before init", []string{`{"type":"data","stream":"stdin","data":"x"}`}, 4003, "Not yet initialized", ""},
		{"signal before init", []string{`{"type":"signal","signal":"SIGKILL"}`}, 4003, "Not yet initialized", ""},
		{"init twice", []string{v2Init, v2Init}, 4000, "Already Initialized", ""},
		{"stdout write", []string{v2Init, `{"type":"data","stream":"stdout","data":"x"}`}, 4004, "Can only write to stdin", ""},
		{"no stream", []string{v2Init, `{"type":"data","data":"x"}`}, 4004, "Can only write to stdin", ""},
		{"invalid signal", []string{v2Init, `{"type":"signal","signal":"SIGNOPE"}`}, 4005, "Invalid signal", ""},
		{"signal number", []string{v2Init, `{"type":"signal","signal":9}`}, 4005, "Invalid signal", ""},
		{"signal without SIG", []string{v2Init, `{"type":"signal","signal":"KILL"}`}, 4005, "Invalid signal", ""},
		{"unknown runtime", []string{`{"type":"init","language":"python","version":"9","files":[{"content":"x"}]}`}, 4002, "Notified Error", "python-9 runtime is unknown"},
		{"bad init", []string{`{"type":"init","language":"python","version":"*"}`}, 4002, "Notified Error", "files is required as an array"},
		{"malformed", []string{`{"type":`}, 4002, "Notified Error", "malformed JSON at byte 8: unexpected end of JSON input"},
		{"not an object", []string{`[1]`}, 4002, "Notified Error", `a message must be a JSON object with a string "type"`},
		{"unknown type", []string{`{"type":"hello"}`}, 4002, "Notified Error", `unknown message type "hello"`},
		{"unknown type later", []string{v2Init, `{"type":"resize"}`}, 4002, "Notified Error", `unknown message type "resize"`},
		{"data not a string", []string{v2Init, `{"type":"data","stream":"stdin","data":5}`}, 4002, "Notified Error", "data must be a string"},
		{"stdin after eof", []string{v2Init, `{"type":"data","stream":"stdin","eof":true,"data":"never read\n"}`, `{"type":"data","stream":"stdin","data":"x"}`}, 4002, "Notified Error", "stdin is closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The job never ends by itself (it reads no stdin): only the
			// session's close ends it.
			exec := &fakeExec{runtimes: pistonRuntimes, fn: func(ctx context.Context, job engine.Job) (*engine.Result, error) {
				job.Stream.Event(engine.Event{Kind: engine.EventStage, Stage: engine.StageRun})
				<-ctx.Done()
				return nil, ctx.Err()
			}}
			c := dialWS(t, newTestHandler(exec), "/api/v2/connect")
			for _, m := range tt.msgs {
				c.send(m)
			}
			msgs := c.rest(tt.code, tt.reason)
			var errMsg string
			for _, m := range msgs {
				if m["type"] == "error" {
					errMsg, _ = m["message"].(string)
				}
			}
			if errMsg != tt.error {
				t.Errorf("error message %q, want %q (messages %v)", errMsg, tt.error, msgs)
			}
		})
	}
}

func TestV2WSEngineErrors(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&engine.LimitError{Stage: engine.StageCompile, Limit: engine.LimitCPUTime, Value: int64(70 * time.Second), Max: int64(60 * time.Second)}, "compile_cpu_time cannot exceed the configured limit of 60000"},
		{engine.ErrQueueFull, "server busy: execution queue is full, retry later"},
		{errors.New("boom"), "internal error"},
	}
	for _, tt := range tests {
		exec := &fakeExec{runtimes: pistonRuntimes, fn: func(context.Context, engine.Job) (*engine.Result, error) { return nil, tt.err }}
		c := dialWS(t, newTestHandler(exec), "/api/v2/connect")
		c.send(v2Init)
		msgs := c.rest(v2CloseNotifiedError, "Notified Error")
		if len(msgs) != 1 {
			t.Fatalf("%v: messages %v", tt.err, msgs)
		}
		expect(t, msgs[0], fmt.Sprintf(`{"type":"error","message":%q}`, tt.want))
	}
}

// A client that goes away cancels its job.
func TestV2WSDisconnectCancels(t *testing.T) {
	gone := make(chan error, 1)
	exec := &fakeExec{runtimes: pistonRuntimes, fn: echoJob(false, nil, gone)}
	c := dialWS(t, newTestHandler(exec), "/api/v2/connect")
	c.send(v2Init)
	c.next()
	c.next() // runtime, stage
	c.conn.CloseNow()
	select {
	case err := <-gone:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("job ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the job was not cancelled")
	}
}

// A protocol violation mid-job cancels the job too.
func TestV2WSViolationCancels(t *testing.T) {
	gone := make(chan error, 1)
	exec := &fakeExec{runtimes: pistonRuntimes, fn: echoJob(false, nil, gone)}
	c := dialWS(t, newTestHandler(exec), "/api/v2/connect")
	c.send(v2Init)
	c.send(`{"type":"signal","signal":"SIGBOGUS"}`)
	c.rest(v2CloseInvalidSignal, "Invalid signal")
	select {
	case <-gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the job was not cancelled")
	}
}

// Much output, in many chunks, some cutting characters in two: all of it
// arrives, in order, and every character whole.
func TestV2WSLargeOutputInOrder(t *testing.T) {
	const chunks = 3000
	var want strings.Builder
	exec := &fakeExec{runtimes: pistonRuntimes, fn: func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		st := job.Stream
		st.Event(engine.Event{Kind: engine.EventStage, Stage: engine.StageRun})
		line := []byte(strings.Repeat("é", 100) + "€\n") // 204 bytes
		for i := range chunks {
			// Cut at an odd place: inside é or €.
			cut := 1 + i%len(line)
			st.Event(engine.Event{Kind: engine.EventOutput, Stage: engine.StageRun, Stream: engine.StreamStdout, Data: line[:cut]})
			st.Event(engine.Event{Kind: engine.EventOutput, Stage: engine.StageRun, Stream: engine.StreamStdout, Data: line[cut:]})
		}
		st.Event(engine.Event{Kind: engine.EventExit, Stage: engine.StageRun, Result: &engine.StageResult{Status: engine.StatusOK}})
		return &engine.Result{Status: engine.StatusOK, Run: &engine.StageResult{Status: engine.StatusOK}}, nil
	}}
	for range chunks {
		want.WriteString(strings.Repeat("é", 100) + "€\n")
	}
	c := dialWS(t, newTestHandler(exec), "/api/v2/connect")
	c.send(v2Init)
	msgs := c.rest(v2CloseJobCompleted, "Job Completed")
	var got strings.Builder
	n := 0
	for _, m := range msgs {
		if m["type"] == "data" {
			got.WriteString(m["data"].(string))
			n++
		}
	}
	if got.String() != want.String() {
		t.Fatalf("output differs: got %d bytes, want %d", got.Len(), want.Len())
	}
	if n >= 2*chunks {
		t.Errorf("%d data messages for %d chunks: nothing was merged", n, 2*chunks)
	}
	t.Logf("%d chunks arrived as %d messages", 2*chunks, n)
}

// ---- /api/v1/connect ----

const v1Execute = `{"type":"execute","language":"python","entrypoint":"main.py","files":[{"name":"main.py","content":"x"}],"stdin":"first\n"}`

func TestV1WSSession(t *testing.T) {
	started := make(chan engine.Job, 1)
	exec := &fakeExec{runtimes: pistonRuntimes, fn: echoJob(false, started, nil)}
	c := dialWS(t, newTestHandler(exec), "/api/v1/connect")
	c.send(v1Execute)
	expect(t, c.next(), `{"type":"runtime","language":"python3","version":"3.11.2"}`)
	expect(t, c.next(), `{"type":"stage","stage":"run"}`)
	job := <-started
	if job.Stream == nil || job.Stdin != nil || job.Language != "python" || job.Entrypoint != "main.py" {
		t.Fatalf("job %+v", job)
	}
	// The request's stdin comes first.
	expect(t, c.next(), `{"type":"stdout","stage":"run","data":"first\n"}`)
	c.send(`{"type":"stdin","data":"second\n"}`)
	expect(t, c.next(), `{"type":"stdout","stage":"run","data":"second\n"}`)
	c.send(`{"type":"stdin","data":"err:third\n"}`)
	expect(t, c.next(), `{"type":"stderr","stage":"run","data":"err:third\n"}`)
	c.send(`{"type":"signal","signal":"SIGINT"}`)
	expect(t, c.next(), `{"type":"exit","stage":"run","exitCode":130,"signal":"SIGINT","status":"SG","message":"killed by SIGINT","cpuTime":"0s"}`)
	result := c.next()
	expect(t, result, `{"type":"result","language":"python","version":"3.11.2","status":"SG","signal":"SIGINT","stdout":"first\nsecond\n","stderr":"err:third\n","exitCode":130}`)
	c.rest(v1CloseDone, "done")
}

func TestV1WSStdinClose(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: echoJob(true, nil, nil)}
	c := dialWS(t, newTestHandler(exec), "/api/v1/connect")
	c.send(`{"type":"execute","language":"c","entrypoint":"main.c","files":[{"name":"main.c","content":"x"}]}`)
	c.send(`{"type":"stdin","data":"a\n"}`)
	c.send(`{"type":"stdinClose"}`)
	msgs := c.rest(v1CloseDone, "done")
	want := []string{
		`{"type":"runtime","language":"c","version":"12.2.0"}`,
		`{"type":"stage","stage":"compile"}`,
		`{"type":"stderr","stage":"compile","data":"warning\n"}`,
		`{"type":"exit","stage":"compile","status":"OK","exitCode":0,"wallTime":"5ms"}`,
		`{"type":"stage","stage":"run"}`,
		`{"type":"stdout","stage":"run","data":"a\n"}`,
		`{"type":"exit","stage":"run","status":"OK","exitCode":0}`,
		`{"type":"result","status":"OK","stdout":"a\n"}`,
	}
	if len(msgs) != len(want) {
		t.Fatalf("messages %v", msgs)
	}
	for i := range want {
		expect(t, msgs[i], want[i])
	}
	if _, ok := msgs[7]["compile"].(map[string]any); !ok {
		t.Errorf("result without compile: %v", msgs[7])
	}
}

func TestV1WSCompileError(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: echoJob(true, nil, nil)}
	c := dialWS(t, newTestHandler(exec), "/api/v1/connect")
	c.send(`{"type":"execute","language":"c","entrypoint":"main.c","files":[{"name":"main.c","content":"bad"}]}`)
	msgs := c.rest(v1CloseDone, "done")
	if len(msgs) != 5 {
		t.Fatalf("messages %v", msgs)
	}
	expect(t, msgs[3], `{"type":"exit","stage":"compile","status":"CE","exitCode":1}`)
	expect(t, msgs[4], `{"type":"result","status":"CE","stderr":"warning\n"}`)
}

func TestV1WSErrors(t *testing.T) {
	never := func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		job.Stream.Event(engine.Event{Kind: engine.EventStage, Stage: engine.StageRun})
		<-ctx.Done()
		return nil, ctx.Err()
	}
	failWith := func(err error) func(context.Context, engine.Job) (*engine.Result, error) {
		return func(context.Context, engine.Job) (*engine.Result, error) { return nil, err }
	}
	tests := []struct {
		name  string
		fn    func(context.Context, engine.Job) (*engine.Result, error)
		msgs  []string
		code  websocket.StatusCode
		error string
	}{
		{"stdin first", never, []string{`{"type":"stdin","data":"x"}`}, 4400, `the first message must be {"type": "execute", ...}, {"type": "judge", ...} or {"type": "follow", "token": ...}, not "stdin"`},
		{"no type", never, []string{`{}`}, 4400, `the first message must be {"type": "execute", ...}, {"type": "judge", ...} or {"type": "follow", "token": ...}, not a message without a type`},
		{"malformed", never, []string{`nope`}, 4400, "malformed JSON at byte 2: invalid character 'o' in literal null (expecting 'u')"},
		{"bad execute", never, []string{`{"type":"execute","language":"python","files":[]}`}, 4400, "entrypoint is required"},
		{"runtime not found", failWith(&engine.RuntimeNotFoundError{Language: "cobol"}), []string{v1Execute}, 4400, "runtime not found: cobol"},
		{"limit", failWith(&engine.LimitError{Stage: engine.StageRun, Limit: engine.LimitCPUTime, Value: int64(99999 * time.Millisecond), Max: int64(30 * time.Second)}), []string{v1Execute}, 4400, "limits.cpuTimeMs 99999 exceeds the server maximum 30000"},
		{"busy", failWith(engine.ErrQueueFull), []string{v1Execute}, 4503, "server busy: execution queue is full, retry later"},
		{"internal", failWith(errors.New("boom")), []string{v1Execute}, 4500, "internal error"},
		{"nil result", failWith(nil), []string{v1Execute}, 4500, "internal error"},
		{"execute twice", never, []string{v1Execute, v1Execute}, 4400, "a job is already running on this connection; open another one"},
		{"stdin not a string", never, []string{v1Execute, `{"type":"stdin","data":1}`}, 4400, "stdin data must be a string"},
		{"stdin after close", never, []string{v1Execute, `{"type":"stdinClose"}`, `{"type":"stdin","data":"x"}`}, 4400, "stdin is closed"},
		{"bad signal", never, []string{v1Execute, `{"type":"signal","signal":"SIGFOO"}`}, 4400, `signal must be a signal name such as "SIGINT", not "SIGFOO"`},
		{"no signal", never, []string{v1Execute, `{"type":"signal"}`}, 4400, `signal must be a signal name such as "SIGINT", not nothing`},
		{"unknown type", never, []string{v1Execute, `{"type":"stdout","data":"x"}`}, 4400, `unknown message type "stdout"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			exec := &fakeExec{runtimes: pistonRuntimes, fn: tt.fn}
			c := dialWS(t, newTestHandler(exec), "/api/v1/connect")
			for _, m := range tt.msgs {
				c.send(m)
			}
			msgs := c.rest(tt.code, closeReason(tt.code))
			last := msgs[len(msgs)-1]
			expect(t, last, fmt.Sprintf(`{"type":"error","error":%q}`, tt.error))
		})
	}
}

func TestV1WSStdinTooLarge(t *testing.T) {
	exec := &fakeExec{runtimes: pistonRuntimes, fn: func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		<-ctx.Done() // never reads stdin
		return nil, ctx.Err()
	}}
	h := New(exec, Options{MaxBodyBytes: 1000, Logger: quietLogger()})
	c := dialWS(t, h, "/api/v1/connect")
	c.send(v1Execute)
	chunk := fmt.Sprintf(`{"type":"stdin","data":%q}`, strings.Repeat("x", 400))
	c.send(chunk)
	c.send(chunk)
	c.send(chunk)
	msgs := c.rest(v1CloseTooLarge, "too large")
	expect(t, msgs[len(msgs)-1], `{"type":"error","error":"too much stdin the program has not read"}`)
}

func TestV1WSExecuteTimeout(t *testing.T) {
	defer func(d time.Duration) { v1ExecuteTimeout = d }(v1ExecuteTimeout)
	v1ExecuteTimeout = 300 * time.Millisecond
	c := dialWS(t, newTestHandler(echoExec()), "/api/v1/connect")
	msgs := c.rest(v1CloseTimeout, "timeout")
	expect(t, msgs[0], `{"type":"error","error":"no execute message within 300ms"}`)
}

// A page of another origin may open a session only where AllowedOrigins
// names it (issue 12: an internal engine is not driven by any page).
func TestWSOrigins(t *testing.T) {
	dial := func(h http.Handler) error {
		srv := httptest.NewServer(h)
		defer srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hdr := http.Header{"Origin": {"https://playground.example"}}
		conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v2/connect", &websocket.DialOptions{HTTPHeader: hdr})
		if err == nil {
			conn.CloseNow()
		}
		return err
	}
	if err := dial(newTestHandler(echoExec())); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("cross-origin dial by default: %v, want 403", err)
	}
	allowed := New(echoExec(), Options{Logger: quietLogger(), AllowedOrigins: []string{"https://playground.example"}})
	if err := dial(allowed); err != nil {
		t.Errorf("cross-origin dial of an allowed origin: %v", err)
	}
}

// A message over the request body maximum is refused by the library's read
// limit: close 1009.
func TestWSMessageTooBig(t *testing.T) {
	for _, path := range []string{"/api/v2/connect", "/api/v1/connect"} {
		h := New(echoExec(), Options{MaxBodyBytes: 1000, Logger: quietLogger()})
		c := dialWS(t, h, path)
		c.send(fmt.Sprintf(`{"type":"init","language":"python","version":"*","files":[{"content":%q}]}`, strings.Repeat("x", 2000)))
		c.rest(websocket.StatusMessageTooBig, "")
	}
}
