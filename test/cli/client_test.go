package cli

// The client package's methods against the real server.

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/client"
)

func pyRequest(src string) *client.ExecuteRequest {
	return &client.ExecuteRequest{Language: "python3", Entrypoint: "main.py", Files: []client.File{{Name: "main.py", Content: src}}}
}

func TestClientExecute(t *testing.T) {
	c, ctx := newClient(t), testContext(t)
	req := pyRequest("import sys\nprint(sys.stdin.read().upper(), sys.argv[1:])\nsys.exit(4)")
	req.Stdin, req.Args, req.Limits = "hello", []string{"a"}, &client.Limits{CPUTimeMs: 2000}
	res, err := c.Execute(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != client.StatusRuntimeError || res.ExitCode != 4 || res.Stdout != "HELLO ['a']\n" || res.Language != "python3" ||
		res.WallTime.Duration <= 0 || res.Memory <= 0 || res.Timings == nil {
		t.Errorf("result %+v", res)
	}

	// The request's mistakes are typed errors with the server's message.
	bad := pyRequest("")
	bad.Language = "cobolx"
	_, err = c.Execute(ctx, bad)
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusBadRequest || !strings.Contains(apiErr.Message, "cobolx") || apiErr.RequestID == "" {
		t.Errorf("an unknown language: %v (%#v), want a *client.Error 400 naming it", err, apiErr)
	}
	big := pyRequest("")
	big.Limits = &client.Limits{CPUTimeMs: 1 << 40}
	if _, err := c.Execute(ctx, big); !client.IsStatus(err, http.StatusBadRequest) || !strings.Contains(err.Error(), "cpuTimeMs") {
		t.Errorf("a limit over the maximum: %v", err)
	}
}

func TestClientProbesAndLists(t *testing.T) {
	c, ctx := newClient(t), testContext(t)
	if h, err := c.Health(ctx); err != nil || h.Status != "ok" {
		t.Errorf("health %+v %v", h, err)
	}
	if r, err := c.Ready(ctx); err != nil || r.Status != "ready" {
		t.Errorf("ready %+v %v", r, err)
	}
	rts, err := c.Runtimes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	entry := map[string]string{}
	for _, rt := range rts {
		entry[rt.Language] = rt.Entrypoint
	}
	if entry["python3"] != "main.py" || entry["c"] != "main.c" || entry["java"] != "Main.java" {
		t.Errorf("entrypoints %v", entry)
	}
	cl, err := c.Cluster(ctx)
	if err != nil || len(cl.Workers) != 1 || cl.Slots != 2 || len(cl.Workers[0].Runtimes) != len(rts) {
		t.Errorf("cluster %+v %v (runtimes %d)", cl, err, len(rts))
	}
}

func TestClientJudge(t *testing.T) {
	c, ctx := newClient(t), testContext(t)
	two := 2.0
	req := &client.JudgeRequest{
		Language: "python3", Entrypoint: "main.py",
		Files: []client.File{{Name: "main.py", Content: "a, b = map(int, input().split())\nprint(a + b)"}},
		Tests: []client.JudgeTest{
			{Name: "one", Stdin: "1 2\n", ExpectedOutput: "3\n"},
			{Stdin: "2 2\n", ExpectedOutput: "5\n", Points: &two},
			{Stdin: "1 1\n", ExpectedOutput: "2\n"},
		},
	}
	res, err := c.Judge(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != client.VerdictWrongAnswer || res.Passed != 2 || res.Total != 3 || res.MaxScore != 4 || res.Score != 2 ||
		len(res.Tests) != 3 || res.Tests[0].Name != "one" || res.Tests[1].Name != "2" || res.Tests[1].Verdict != "WA" || res.Tests[1].Stdout != "4\n" {
		t.Errorf("judge %+v", res)
	}

	// The same over the WebSocket, each test told as it finishes.
	seen := map[int]string{}
	streamed, err := c.JudgeStream(ctx, req, func(i int, tr client.JudgeTestResult) { seen[i] = tr.Verdict })
	if err != nil {
		t.Fatal(err)
	}
	if streamed.Status != "WA" || len(seen) != 3 || seen[0] != "AC" || seen[1] != "WA" || seen[2] != "AC" {
		t.Errorf("streamed %+v, tests seen %v", streamed, seen)
	}
	req.Tests[0].ExpectedOutput = ""
	req.Tests = append(req.Tests, client.JudgeTest{})
	req.Checker = &client.JudgeProgram{Language: "nope", Entrypoint: "c.py", Files: []client.File{{Name: "c.py"}}}
	if _, err := c.JudgeStream(ctx, req, nil); !client.IsStatus(err, http.StatusBadRequest) {
		t.Errorf("a bad judge over the WebSocket: %v, want a *client.Error 400", err)
	}
}

func TestClientSubmissions(t *testing.T) {
	c, ctx := newClient(t), testContext(t)
	exec := &client.SubmissionRequest{Execute: pyRequest("print('queued')")}

	sub, err := c.SubmitWait(ctx, exec)
	if err != nil {
		t.Fatal(err)
	}
	res, err := sub.ExecuteResult()
	if err != nil || !sub.Over() || sub.Kind != "execute" || res == nil || res.Stdout != "queued\n" || sub.FinishedAt == nil {
		t.Fatalf("submission %+v, result %+v %v", sub, res, err)
	}
	again, err := c.Submission(ctx, sub.Token)
	if err != nil || again.Token != sub.Token || again.Status != client.SubmissionDone {
		t.Errorf("GET %+v %v", again, err)
	}

	// A judge, followed over the WebSocket.
	judge := &client.SubmissionRequest{Judge: &client.JudgeRequest{Language: "python3", Entrypoint: "main.py",
		Files: []client.File{{Name: "main.py", Content: "print(input())"}}, Tests: []client.JudgeTest{{Stdin: "x\n", ExpectedOutput: "x\n"}}}}
	token, err := c.Submit(ctx, judge)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	followed, err := c.Follow(ctx, token, func(s string) { statuses = append(statuses, s) })
	if err != nil {
		t.Fatal(err)
	}
	jr, err := followed.JudgeResult()
	if err != nil || jr == nil || jr.Status != "AC" || followed.Kind != "judge" || len(statuses) != 1 {
		t.Errorf("followed %+v: %+v %v, statuses %v", followed, jr, err, statuses)
	}
	if _, err := c.Follow(ctx, "00000000-0000-4000-8000-000000000000", nil); !client.IsStatus(err, http.StatusNotFound) {
		t.Errorf("following an unknown token: %v, want a *client.Error 404", err)
	}
	if _, err := c.Submission(ctx, "no such token"); !client.IsStatus(err, http.StatusNotFound) {
		t.Errorf("reading an unknown token: %v, want a *client.Error 404", err)
	}
}

func TestClientBatchAndCancel(t *testing.T) {
	c, ctx := newClient(t), testContext(t)
	slow := pyRequest("import time\nprint('start', flush=True)\ntime.sleep(20)")
	slow.Limits = &client.Limits{WallTimeMs: 25000}
	bad := pyRequest("")
	bad.Entrypoint = "other.py"
	items, err := c.SubmitBatch(ctx, []client.SubmissionRequest{{Execute: pyRequest("print(1)")}, {Execute: bad}, {Execute: slow}})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[0].Token == "" || items[1].Token != "" || items[1].ErrorCode != 400 || items[1].Error == "" || items[2].Token == "" {
		t.Fatalf("batch items %+v", items)
	}
	cancelled, err := c.CancelSubmission(ctx, items[2].Token)
	if err != nil || (cancelled.Status != client.SubmissionCancelled && cancelled.Status != client.SubmissionRunning) {
		t.Fatalf("cancel: %+v %v", cancelled, err)
	}
	start := time.Now()
	final, err := c.Follow(ctx, items[2].Token, nil)
	if err != nil || final.Status != client.SubmissionCancelled {
		t.Errorf("after cancel: %+v %v", final, err)
	}
	t.Logf("cancelled, over in %v", time.Since(start))
	if _, err := c.Follow(ctx, items[0].Token, nil); err != nil {
		t.Fatal(err)
	}
	subs, err := c.Submissions(ctx, []string{items[0].Token, "unknown-token", items[2].Token})
	if err != nil || len(subs) != 3 || subs[0].Status != client.SubmissionDone || subs[1].Status != client.SubmissionUnknown || subs[2].Status != client.SubmissionCancelled {
		t.Fatalf("batch read %+v %v", subs, err)
	}
	if r, err := subs[0].ExecuteResult(); err != nil || r.Stdout != "1\n" {
		t.Errorf("batch result %+v %v", r, err)
	}
	if _, err := c.CancelSubmission(ctx, items[0].Token); !client.IsStatus(err, http.StatusConflict) {
		t.Errorf("cancelling one over: %v, want a *client.Error 409", err)
	}
}

// TestClientSession: an interactive run with stdin, a signal, the output
// events and the result.
func TestClientSession(t *testing.T) {
	c, ctx := newClient(t), testContext(t)
	req := &client.ExecuteRequest{Language: "bash", Entrypoint: "main.sh", Stdin: "first\n",
		Files:  []client.File{{Name: "main.sh", Content: `while IFS= read -r l; do echo "got: $l"; echo "err: $l" >&2; done`}},
		Limits: &client.Limits{WallTimeMs: 20000}}
	s, err := c.Connect(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var stdout, stderr strings.Builder
	var types []string
	var result *client.ExecuteResponse
	sentSecond, signalled := false, false
	for result == nil {
		ev, err := s.Next(ctx)
		if err != nil {
			t.Fatalf("after %v: %v", types, err)
		}
		types = append(types, ev.Type)
		switch ev.Type {
		case client.EventStdout:
			stdout.WriteString(ev.Data)
		case client.EventStderr:
			stderr.WriteString(ev.Data)
		case client.EventExit:
			if ev.Stage != "run" || ev.Exit.Status != client.StatusSignal || ev.Exit.Signal != "SIGTERM" {
				t.Errorf("exit %+v", ev.Exit)
			}
		case client.EventResult:
			result = ev.Result
		}
		out, errOut := stdout.String(), stderr.String()
		switch {
		case ev.Type == client.EventStdout && out == "got: first\n" && !sentSecond:
			sentSecond = true
			if err := s.Stdin(ctx, "second\n"); err != nil {
				t.Fatal(err)
			}
		case !signalled && out+errOut == "got: first\ngot: second\nerr: first\nerr: second\n":
			// Both streams told the second line: the program waits.
			signalled = true
			if err := s.Signal(ctx, "SIGTERM"); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.Next(ctx); err != io.EOF {
		t.Errorf("after the result: %v, want io.EOF", err)
	}
	if types[0] != client.EventRuntime || stdout.String() != "got: first\ngot: second\n" || stderr.String() != "err: first\nerr: second\n" {
		t.Errorf("events %v, stdout %q, stderr %q", types, stdout.String(), stderr.String())
	}
	if result.Status != client.StatusSignal || result.Signal != "SIGTERM" || result.ExitCode != 143 || result.Stdout != stdout.String() {
		t.Errorf("result %+v", result)
	}

	// A compiled program: the compile stage, then stdinClose ends it.
	s2, err := c.Connect(ctx, &client.ExecuteRequest{Language: "c", Entrypoint: "main.c",
		Files: []client.File{{Name: "main.c", Content: "#include <stdio.h>\nint main(void){int n=0,c;while((c=getchar())!=EOF)n++;printf(\"%d\\n\",n);return 0;}"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Stdin(ctx, "abc"); err != nil {
		t.Fatal(err)
	}
	if err := s2.CloseStdin(ctx); err != nil {
		t.Fatal(err)
	}
	res, err := s2.Wait(ctx)
	if err != nil || res.Status != client.StatusOK || res.Stdout != "3\n" || res.Compile == nil {
		t.Errorf("C session: %+v %v", res, err)
	}

	// A refused execute is a typed error with the server's words.
	s3, err := c.Connect(ctx, &client.ExecuteRequest{Language: "python3", Entrypoint: "missing.py", Files: []client.File{{Name: "main.py"}}})
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close()
	_, err = s3.Wait(ctx)
	var apiErr *client.Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.CloseCode != 4400 || !strings.Contains(apiErr.Message, "missing.py") {
		t.Errorf("a bad execute: %v (%#v)", err, apiErr)
	}
}
