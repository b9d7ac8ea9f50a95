package client

import (
	"context"
	"encoding/json"
	"errors"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fake serves one handler and returns a client of it.
func fake(t *testing.T, h http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeBody(w http.ResponseWriter, code int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	io.WriteString(w, body)
}

func TestExecuteRequestAndAnswer(t *testing.T) {
	var got map[string]any
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/execute" {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		if a := r.Header.Get("Authorization"); a != "Bearer k1" {
			t.Errorf("Authorization %q", a)
		}
		if ua := r.Header.Get("User-Agent"); ua != "tester/1" {
			t.Errorf("User-Agent %q", ua)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type %q", ct)
		}
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			t.Error(err)
		}
		writeBody(w, 200, `{"language":"python3","version":"3.11.2","stdout":"hi\n","stderr":"","executionTime":"11.2ms","preparationTime":"800µs","exitCode":3,"signal":"","status":"RE","cpuTime":"9ms","wallTime":"11.2ms","memory":3145728,"stdoutTruncated":false,"stderrTruncated":false,"timings":{"queue":"0s","preparation":"1ms","compile":"0s","run":"11ms","setup":"1ms","collection":"1ms"}}`)
	}, WithAPIKey("k1"), WithUserAgent("tester/1"))

	res, err := c.Execute(context.Background(), &ExecuteRequest{Language: "python3", Entrypoint: "main.py",
		Files: []File{{Name: "main.py", Content: "print('hi')"}}, Args: []string{"a"}, Limits: &Limits{CPUTimeMs: 500}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != StatusRuntimeError || res.ExitCode != 3 || res.Stdout != "hi\n" || res.CPUTime.Duration != 9*time.Millisecond ||
		res.PreparationTime.Duration != 800*time.Microsecond || res.Timings == nil || res.Timings.Run.Duration != 11*time.Millisecond {
		t.Errorf("decoded %+v", res)
	}
	// Zero fields are left out: the server's defaults apply.
	want := `{"args":["a"],"entrypoint":"main.py","files":[{"content":"print('hi')","name":"main.py"}],"language":"python3","limits":{"cpuTimeMs":500}}`
	if b, _ := json.Marshal(got); string(b) != want {
		t.Errorf("sent %s\nwant %s", b, want)
	}
}

func TestErrorCarriesStatusAndMessage(t *testing.T) {
	cases := []struct {
		name, body string
		code       int
		header     map[string]string
		want       Error
	}{
		{"bad request", `{"error":"entrypoint is required"}`, 400, nil, Error{StatusCode: 400, Message: "entrypoint is required"}},
		{"busy", `{"error":"server busy"}`, 503, map[string]string{"Retry-After": "2", "X-Request-Id": "r-1"},
			Error{StatusCode: 503, Message: "server busy", RetryAfter: 2 * time.Second, RequestID: "r-1"}},
		{"piston shape", `{"message":"no"}`, 429, nil, Error{StatusCode: 429, Message: "no"}},
		{"not JSON", "<html>bad gateway</html>", 502, nil, Error{StatusCode: 502, Message: "<html>bad gateway</html>"}},
		{"empty", "", 500, nil, Error{StatusCode: 500, Message: "internal server error"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := fake(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				writeBody(w, tc.code, tc.body)
			})
			_, err := c.Runtimes(context.Background())
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want a *Error", err, err)
			}
			if *e != tc.want {
				t.Errorf("got %+v, want %+v", *e, tc.want)
			}
			if !IsStatus(err, tc.code) {
				t.Errorf("IsStatus(%d) is false", tc.code)
			}
			if !strings.Contains(e.Error(), tc.want.Message) {
				t.Errorf("Error() = %q", e.Error())
			}
		})
	}
}

func TestAnswerBounded(t *testing.T) {
	big := `[{"language":"` + strings.Repeat("x", 5000) + `","version":"1","aliases":[],"compiled":false}]`
	c := fake(t, func(w http.ResponseWriter, r *http.Request) { writeBody(w, 200, big) }, WithMaxResponseBytes(1000))
	_, err := c.Runtimes(context.Background())
	if err == nil || !strings.Contains(err.Error(), "exceeds 1000 bytes") {
		t.Fatalf("error %v, want the bound's", err)
	}
	c = fake(t, func(w http.ResponseWriter, r *http.Request) { writeBody(w, 200, big) }, WithMaxResponseBytes(len64(big)))
	if rts, err := c.Runtimes(context.Background()); err != nil || len(rts) != 1 {
		t.Fatalf("at the bound: %v %v", rts, err)
	}
}

func len64(s string) int64 { return int64(len(s)) }

func TestHealthAndReady(t *testing.T) {
	answers := map[string]struct {
		code int
		body string
	}{}
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		a := answers[r.URL.Path]
		writeBody(w, a.code, a.body)
	})
	ctx := context.Background()
	answers["/api/v1/health"] = struct {
		code int
		body string
	}{503, `{"status":"starting"}`}
	answers["/api/v1/ready"] = struct {
		code int
		body string
	}{503, `{"error":"too many connections","message":"too many connections"}`}
	h, err := c.Health(ctx)
	if err != nil || h.Status != "starting" {
		t.Errorf("health: %+v %v", h, err)
	}
	if _, err := c.Ready(ctx); !IsStatus(err, 503) {
		t.Errorf("ready when busy: %v, want a *Error 503", err)
	}
	answers["/api/v1/ready"] = struct {
		code int
		body string
	}{200, `{"status":"ready"}`}
	if r, err := c.Ready(ctx); err != nil || r.Status != "ready" {
		t.Errorf("ready: %+v %v", r, err)
	}
}

func TestSubmissionRequestJSON(t *testing.T) {
	exec := &ExecuteRequest{Language: "bash", Entrypoint: "a.sh", Files: []File{{Name: "a.sh", Content: "echo"}}}
	b, err := json.Marshal(SubmissionRequest{Execute: exec, CallbackURL: "http://h/cb"})
	if want := `{"callbackUrl":"http://h/cb","language":"bash","entrypoint":"a.sh","files":[{"name":"a.sh","content":"echo"}]}`; err != nil || string(b) != want {
		t.Errorf("execute: %s %v\nwant %s", b, err, want)
	}
	judge := &JudgeRequest{Language: "bash", Entrypoint: "a.sh", Files: exec.Files, Tests: []JudgeTest{{ExpectedOutput: ""}}}
	b, err = json.Marshal(SubmissionRequest{Judge: judge})
	if want := `{"kind":"judge","language":"bash","entrypoint":"a.sh","files":[{"name":"a.sh","content":"echo"}],"tests":[{"expectedOutput":"","args":null}]}`; err != nil || string(b) != want {
		t.Errorf("judge: %s %v\nwant %s", b, err, want)
	}
	if _, err := json.Marshal(SubmissionRequest{}); err == nil {
		t.Error("an empty submission encoded")
	}
	if _, err := json.Marshal(SubmissionRequest{Execute: exec, Judge: judge}); err == nil {
		t.Error("a submission of both kinds encoded")
	}
}

func TestSubmissionRoutes(t *testing.T) {
	var paths []string
	c := fake(t, func(w http.ResponseWriter, r *http.Request) {
		paths = append(paths, r.Method+" "+r.URL.EscapedPath()+"?"+r.URL.RawQuery)
		switch {
		case r.Method == http.MethodPost && r.URL.Query().Get("wait") == "true":
			writeBody(w, 202, `{"token":"t1","kind":"execute","status":"running","result":null}`)
		case r.Method == http.MethodPost:
			writeBody(w, 202, `{"token":"t1"}`)
		case r.Method == http.MethodDelete:
			writeBody(w, 409, `{"error":"submission \"t1\" is over already"}`)
		default:
			writeBody(w, 200, `{"token":"a/b","kind":"judge","status":"done","result":{"language":"c","version":"12","status":"AC","passed":1,"total":1,"score":1,"maxScore":1,"maxCpuTime":"1ms","maxWallTime":"2ms","maxMemory":1,"tests":[]}}`)
		}
	})
	ctx := context.Background()
	req := &SubmissionRequest{Execute: &ExecuteRequest{Language: "c"}}
	if tok, err := c.Submit(ctx, req); err != nil || tok != "t1" {
		t.Errorf("submit: %q %v", tok, err)
	}
	sub, err := c.SubmitWait(ctx, req)
	if err != nil || sub.Over() || sub.Status != SubmissionRunning {
		t.Errorf("submit and wait: %+v %v", sub, err)
	}
	if r, err := sub.ExecuteResult(); r != nil || err != nil {
		t.Errorf("a result before the end: %+v %v", r, err)
	}
	if _, err := c.CancelSubmission(ctx, "t1"); !IsStatus(err, 409) {
		t.Errorf("cancel: %v, want a *Error 409", err)
	}
	sub, err = c.Submission(ctx, "a/b")
	if err != nil {
		t.Fatal(err)
	}
	if jr, err := sub.JudgeResult(); err != nil || jr.Status != "AC" || jr.MaxWallTime.Duration != 2*time.Millisecond {
		t.Errorf("judge result: %+v %v", jr, err)
	}
	want := []string{"POST /api/v1/submissions?", "POST /api/v1/submissions?wait=true", "DELETE /api/v1/submissions/t1?", "GET /api/v1/submissions/a%2Fb?"}
	if strings.Join(paths, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(paths, "\n"), strings.Join(want, "\n"))
	}
}

func TestNewChecksTheURL(t *testing.T) {
	for _, bad := range []string{"localhost:8000", "ftp://h", "http://", "://"} {
		if _, err := New(bad); err == nil {
			t.Errorf("New(%q) took it", bad)
		}
	}
	c, err := New("https://h.example/racer/?x=1")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.endpoint("/api/v1/runtimes", nil); got != "https://h.example/racer/api/v1/runtimes" {
		t.Errorf("endpoint %s", got)
	}
}

// TestNoInternalImports: the package is public API; it must build
// outside this module, so it imports none of its packages.
func TestNoInternalImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no files: %v", err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := parser.ParseFile(token.NewFileSet(), f, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range parsed.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if strings.HasPrefix(p, "github.com/coderacer/coderacer/") && p != "github.com/coderacer/coderacer/client" {
				t.Errorf("%s imports %s", f, p)
			}
		}
	}
}
