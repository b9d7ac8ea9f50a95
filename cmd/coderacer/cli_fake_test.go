package main

// The client subcommands against a fake server (httptest): what they
// send, print and exit with. test/cli runs them against the real one.

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
)

const fakeRuntimes = `[{"language":"c","version":"12","aliases":["gcc"],"compiled":true,"entrypoint":"main.c"},` +
	`{"language":"python3","version":"3.11.2","aliases":["py"],"compiled":false,"entrypoint":"main.py"}]`

// fakeAPI is a server answering runtimes, and execute and judge with
// the given bodies; it records the requests' bodies by path.
type fakeAPI struct {
	execute, judge string
	bodies         map[string]map[string]any
	session        func(ctx context.Context, c *websocket.Conn)
}

func (f *fakeAPI) start(t *testing.T) string {
	f.bodies = map[string]map[string]any{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer sekrit" {
			w.WriteHeader(401)
			io.WriteString(w, `{"error":"an API key is required"}`)
			return
		}
		if r.URL.Path == "/api/v1/connect" {
			c, err := websocket.Accept(w, r, nil)
			if err != nil {
				return
			}
			defer c.CloseNow()
			f.session(r.Context(), c)
			return
		}
		var body map[string]any
		json.NewDecoder(r.Body).Decode(&body)
		f.bodies[r.URL.Path] = body
		switch r.URL.Path {
		case "/api/v1/runtimes":
			io.WriteString(w, fakeRuntimes)
		case "/api/v1/execute":
			io.WriteString(w, f.execute)
		case "/api/v1/judge":
			io.WriteString(w, f.judge)
		}
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// runIn runs a subcommand in a fake environment and returns its exit
// code, stdout and stderr.
func runIn(t *testing.T, url string, stdin io.Reader, sigs chan os.Signal, cmd func(*cliEnv, []string) int, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	env := &cliEnv{stdin: stdin, stdout: &out, stderr: &errOut, signals: sigs,
		getenv: func(k string) string {
			return map[string]string{"CODERACER_URL": url, "CODERACER_API_KEY": "sekrit"}[k]
		}}
	code := cmd(env, args)
	return code, out.String(), errOut.String()
}

func judgeIn(env *cliEnv, args []string) int { return judgeCLI(context.Background(), env, args) }

func TestRunCLIWithStdinFile(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"hello.c": "int main(){}", "in.txt": "input"})
	f := &fakeAPI{execute: `{"language":"c","version":"12","stdout":"out\n","stderr":"err\n","executionTime":"1ms","preparationTime":"1ms","exitCode":3,"signal":"","status":"RE","cpuTime":"1ms","wallTime":"1ms","memory":1,"stdoutTruncated":false,"stderrTruncated":false,` +
		`"compile":{"stdout":"","stderr":"warning: x\n","exitCode":0,"signal":"","status":"OK","cpuTime":"1ms","wallTime":"1ms","memory":1,"stdoutTruncated":false,"stderrTruncated":false}}`}
	url := f.start(t)
	code, out, errOut := runIn(t, url, nil, nil, runCLI, filepath.Join(dir, "hello.c"), "--stdin", filepath.Join(dir, "in.txt"), "--args", "a", "b")
	if code != 3 || out != "out\n" || errOut != "warning: x\nerr\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	got := f.bodies["/api/v1/execute"]
	if got["language"] != "c" || got["entrypoint"] != "hello.c" || got["stdin"] != "input" || len(got["args"].([]any)) != 2 {
		t.Errorf("request %v", got)
	}
}

func TestRunCLICompileError(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"bad.c": "int main(){ x }"})
	f := &fakeAPI{execute: `{"language":"c","version":"12","stdout":"","stderr":"bad.c:1: error\n","executionTime":"1ms","preparationTime":"1ms","exitCode":1,"signal":"","status":"CE","cpuTime":"1ms","wallTime":"1ms","memory":1,"stdoutTruncated":false,"stderrTruncated":false,` +
		`"compile":{"stdout":"","stderr":"bad.c:1: error\n","exitCode":1,"signal":"","status":"RE","cpuTime":"1ms","wallTime":"1ms","memory":1,"stdoutTruncated":false,"stderrTruncated":false}}`}
	url := f.start(t)
	code, out, errOut := runIn(t, url, strings.NewReader(""), nil, runCLI, filepath.Join(dir, "bad.c"), "--stdin", "-")
	if code != 1 || out != "" || errOut != "bad.c:1: error\ncoderacer: compilation failed (CE)\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

func TestRunCLIRefused(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"a.py": ""})
	url := (&fakeAPI{}).start(t)
	var errOut bytes.Buffer
	env := &cliEnv{stdin: strings.NewReader(""), stdout: io.Discard, stderr: &errOut,
		getenv: func(k string) string { return map[string]string{"CODERACER_URL": url}[k] }}
	if code := runCLI(env, []string{filepath.Join(dir, "a.py"), "--stdin", "-"}); code != 1 ||
		errOut.String() != "coderacer: asking the server's runtimes to tell the language of "+filepath.Join(dir, "a.py")+": HTTP 401: an API key is required\n" {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	if code, _, errOut := runIn(t, url, nil, nil, runCLI, filepath.Join(dir, "a.zzz")); code != 1 || !strings.Contains(errOut, "no such file") {
		t.Errorf("a missing file: exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := runIn(t, url, nil, nil, runCLI); code != 2 {
		t.Errorf("no file: exit %d, want 2", code)
	}
}

func TestRunCLISession(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"echo.py": "..."})
	gotStdin := make(chan string, 1)
	f := &fakeAPI{session: func(ctx context.Context, c *websocket.Conn) {
		_, first, _ := c.Read(ctx)
		if !strings.Contains(string(first), `"language":"python3"`) {
			t.Errorf("execute %s", first)
		}
		send := func(s string) { c.Write(ctx, websocket.MessageText, []byte(s)) }
		send(`{"type":"runtime","language":"python3","version":"3.11.2"}`)
		var input string
		for { // the stdin, until its close
			_, m, err := c.Read(ctx)
			if err != nil || strings.Contains(string(m), "stdinClose") {
				break
			}
			var msg struct{ Data string }
			json.Unmarshal(m, &msg)
			input += msg.Data
		}
		gotStdin <- input
		send(`{"type":"stdout","stage":"run","data":"got é\n"}`)
		send(`{"type":"stderr","stage":"run","data":"e\n"}`)
		_, m, _ := c.Read(ctx) // the signal the test sends
		if !strings.Contains(string(m), `"signal":"SIGINT"`) {
			t.Errorf("signal message %s", m)
		}
		send(`{"type":"result","language":"python3","version":"3.11.2","stdout":"got é\n","stderr":"e\n","executionTime":"1ms","preparationTime":"1ms","exitCode":130,"signal":"SIGINT","status":"SG","cpuTime":"1ms","wallTime":"1ms","memory":1,"stdoutTruncated":false,"stderrTruncated":false,"message":"killed by SIGINT"}`)
		c.Close(websocket.StatusNormalClosure, "done")
	}}
	url := f.start(t)
	sigs := make(chan os.Signal, 1)
	go func() {
		select {
		case in := <-gotStdin:
			if in != "é\n" {
				t.Errorf("stdin %q", in)
			}
		case <-time.After(10 * time.Second):
			t.Error("no stdin")
		}
		sigs <- syscall.SIGINT
	}()
	// One byte at a time: é is cut between two reads.
	code, out, errOut := runIn(t, url, &oneByteReader{s: "é\n"}, sigs, runCLI, filepath.Join(dir, "echo.py"))
	if code != 130 || out != "got é\n" || errOut != "e\ncoderacer: killed by SIGINT (SG)\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

type oneByteReader struct{ s string }

func (r *oneByteReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	p[0], r.s = r.s[0], r.s[1:]
	return 1, nil
}

func TestJudgeCLI(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"sum.py": "print(3)", "t/1.in": "1 2", "t/1.out": "3", "t/2.in": "2 2", "t/2.out": "4", "chk.py": "#checker"})
	f := &fakeAPI{judge: `{"language":"python3","version":"3.11.2","status":"WA","passed":1,"total":2,"score":1,"maxScore":2,"maxCpuTime":"12ms","maxWallTime":"14ms","maxMemory":3145728,"tests":[` +
		`{"name":"1","verdict":"AC","exitCode":0,"signal":"","cpuTime":"11ms","wallTime":"13ms","memory":3145728,"points":1,"checkerMessage":"","stdout":"3\n","stderr":""},` +
		`{"name":"2","verdict":"WA","exitCode":0,"signal":"","cpuTime":"12ms","wallTime":"14ms","memory":3145728,"points":0,"checkerMessage":"expected 4, found 3","stdout":"3\n","stderr":""}]}`}
	url := f.start(t)
	code, out, errOut := runIn(t, url, nil, nil, judgeIn, "--tests", filepath.Join(dir, "t"), filepath.Join(dir, "sum.py"), "--checker", filepath.Join(dir, "chk.py"))
	want := "TEST  VERDICT  TIME  WALL  MEMORY   POINTS\n" +
		"1     AC       11ms  13ms  3.0 MiB  1\n" +
		"2     WA       12ms  14ms  3.0 MiB  0\n" +
		"2: WA: expected 4, found 3\n" +
		"WA: 1/2 tests passed, score 1/2, max time 12ms, max memory 3.0 MiB\n"
	if code != 1 || out != want || errOut != "" {
		t.Errorf("exit %d, stderr %q, stdout:\n%s\nwant:\n%s", code, errOut, out, want)
	}
	body := f.bodies["/api/v1/judge"]
	tests, _ := body["tests"].([]any)
	checker, _ := body["checker"].(map[string]any)
	if len(tests) != 2 || checker["language"] != "python3" || checker["entrypoint"] != "chk.py" {
		t.Errorf("request %v", body)
	}
	if code, _, _ := runIn(t, url, nil, nil, judgeIn, filepath.Join(dir, "sum.py")); code != 2 {
		t.Errorf("without --tests: exit %d, want 2", code)
	}
}
