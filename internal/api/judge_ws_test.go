package api

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/coderacer/coderacer/internal/engine"
)

const v1Judge = `{"type":"judge",` + judgeSub + `,"tests":[{"name":"a","stdin":"1","expectedOutput":"1"},{"name":"b","stdin":"2","expectedOutput":"SECRET"},{"name":"c","stdin":"3","expectedOutput":"3"}]}`

// Test events come as tests finish (the fake finishes them last first),
// then the result with the tests in order; the expected outputs are in
// none.
func TestV1WSJudge(t *testing.T) {
	f := &fakeJudge{}
	c := dialWS(t, New(f, Options{Logger: quietLogger()}), "/api/v1/connect")
	c.send(v1Judge)
	msgs := c.rest(v1CloseDone, "done")
	want := []string{
		`{"type":"test","index":2,"name":"c","verdict":"AC","points":1,"stdout":"3","stderr":"","checkerMessage":"","cpuTime":"0s"}`,
		`{"type":"test","index":1,"name":"b","verdict":"WA","points":0,"stdout":"2"}`,
		`{"type":"test","index":0,"name":"a","verdict":"AC","points":1,"stdout":"1"}`,
		`{"type":"result","language":"python3","version":"1.0","status":"WA","passed":2,"total":3,"score":2,"maxScore":3,"maxCpuTime":"0s","maxMemory":0}`,
	}
	if len(msgs) != len(want) {
		t.Fatalf("messages %v", msgs)
	}
	for i := range want {
		expect(t, msgs[i], want[i])
	}
	tests, _ := msgs[3]["tests"].([]any)
	if len(tests) != 3 {
		t.Fatalf("result tests %v", msgs[3]["tests"])
	}
	for i, name := range []string{"a", "b", "c"} {
		if tt, _ := tests[i].(map[string]any); tt["name"] != name {
			t.Errorf("result test %d: %v", i, tests[i])
		}
	}
	if strings.Contains(fmt.Sprint(msgs), "SECRET") {
		t.Error("an expected output was echoed")
	}
	if job := f.lastJudge(t); job.OnTest == nil || len(job.Tests) != 3 {
		t.Errorf("job %+v", job)
	}
}

// A name or a checker's message that looks like the result's placeholders
// stays what it is.
func TestV1WSJudgePlaceholderNames(t *testing.T) {
	ph := streamedPlaceholder(0)
	f := &fakeJudge{jfn: func(_ context.Context, job engine.JudgeJob) (*engine.JudgeResult, error) {
		res := echoJudge(job)
		res.Tests[0].CheckerMessage = streamedPlaceholder(1)
		return res, nil
	}}
	c := dialWS(t, New(f, Options{Logger: quietLogger()}), "/api/v1/connect")
	name, _ := json.Marshal(ph)
	c.send(fmt.Sprintf(`{"type":"judge",`+judgeSub+`,"tests":[{"name":%s,"stdin":"out","expectedOutput":"out"}]}`, name))
	msgs := c.rest(v1CloseDone, "done")
	res := msgs[len(msgs)-1]
	tt := res["tests"].([]any)[0].(map[string]any)
	if tt["name"] != ph || tt["checkerMessage"] != streamedPlaceholder(1) || tt["stdout"] != "out" {
		t.Errorf("test %q", tt)
	}
}

func TestV1WSJudgeErrors(t *testing.T) {
	never := func(ctx context.Context, job engine.JudgeJob) (*engine.JudgeResult, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	failWith := func(err error) func(context.Context, engine.JudgeJob) (*engine.JudgeResult, error) {
		return func(context.Context, engine.JudgeJob) (*engine.JudgeResult, error) { return nil, err }
	}
	limited := `{"type":"judge",` + judgeSub + `,"tests":[{"expectedOutput":"","limits":{"memoryBytes":4294967296}}]}`
	tests := []struct {
		name  string
		fn    func(context.Context, engine.JudgeJob) (*engine.JudgeResult, error)
		msgs  []string
		code  websocket.StatusCode
		error string
	}{
		{"bad judge", never, []string{`{"type":"judge",` + judgeSub + `}`}, 4400, "tests is required"},
		{"bad test", never, []string{`{"type":"judge",` + judgeSub + `,"tests":[{}]}`}, 4400,
			"tests[0].expectedOutput is required: without a checker or an interactor the output is compared with it"},
		{"limit", failWith(&engine.PartError{Part: "tests[0]", Err: &engine.LimitError{Stage: engine.StageRun, Limit: engine.LimitMemory, Value: 4 << 30, Max: 2 << 30}}), []string{limited}, 4400,
			"tests[0].limits.memoryBytes 4294967296 exceeds the server maximum 2147483648"},
		{"busy", failWith(engine.ErrQueueFull), []string{v1Judge}, 4503, "server busy: execution queue is full, retry later"},
		{"internal", failWith(fmt.Errorf("boom")), []string{v1Judge}, 4500, "internal error"},
		{"nil result", failWith(nil), []string{v1Judge}, 4500, "internal error"},
		{"stdin during judge", never, []string{v1Judge, `{"type":"stdin","data":"x"}`}, 4400, `a judge takes no messages while it runs, not "stdin"`},
		{"judge twice", never, []string{v1Judge, v1Judge}, 4400, "a job is already running on this connection; open another one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialWS(t, New(&fakeJudge{jfn: tt.fn}, Options{Logger: quietLogger()}), "/api/v1/connect")
			for _, m := range tt.msgs {
				c.send(m)
			}
			msgs := c.rest(tt.code, closeReason(tt.code))
			expect(t, msgs[len(msgs)-1], fmt.Sprintf(`{"type":"error","error":%q}`, tt.error))
		})
	}
}

func TestV1WSJudgeNotImplemented(t *testing.T) {
	c := dialWS(t, newTestHandler(echoExec()), "/api/v1/connect")
	c.send(v1Judge)
	msgs := c.rest(v1CloseNotImplemented, "not implemented")
	expect(t, msgs[len(msgs)-1], fmt.Sprintf(`{"type":"error","error":%q}`, errNoJudge))
}

// A judge message may be as large as a judge body, above execute's bound;
// an execute message may not.
func TestV1WSJudgeMessageSize(t *testing.T) {
	opts := Options{Logger: quietLogger(), MaxBodyBytes: 1000, Judge: JudgeOptions{MaxBodyBytes: 5000}}
	pad := strings.Repeat("x", 2000)
	c := dialWS(t, New(&fakeJudge{}, opts), "/api/v1/connect")
	c.send(`{"type":"judge","pad":"` + pad + `",` + judgeSub + `,"tests":[{"expectedOutput":""}]}`)
	msgs := c.rest(v1CloseDone, "done")
	expect(t, msgs[len(msgs)-1], `{"type":"result","status":"AC"}`)

	c = dialWS(t, New(&fakeJudge{}, opts), "/api/v1/connect")
	c.send(`{"type":"execute","pad":"` + pad + `",` + judgeSub + `}`)
	msgs = c.rest(websocket.StatusMessageTooBig, "")
	expect(t, msgs[len(msgs)-1], `{"type":"error","error":"message exceeds 1000 bytes"}`)

	c = dialWS(t, New(&fakeJudge{}, opts), "/api/v1/connect")
	c.send(`{"type":"judge","pad":"` + strings.Repeat("x", 6000) + `"}`)
	c.rest(websocket.StatusMessageTooBig, "")
}

// Test events count against the session's output buffer: a client that
// does not take them is closed on and the judge stopped.
func TestV1WSJudgeOverflow(t *testing.T) {
	stopped := make(chan struct{})
	f := &fakeJudge{jfn: func(ctx context.Context, job engine.JudgeJob) (*engine.JudgeResult, error) {
		job.OnTest(engine.TestResult{Name: "big", Stdout: make([]byte, 2000)})
		select {
		case <-ctx.Done():
			close(stopped)
		case <-time.After(5 * time.Second):
		}
		return nil, ctx.Err()
	}}
	opts := Options{Logger: quietLogger(), WebSocket: WSOptions{OutputBuffer: 1000}}
	c := dialWS(t, New(f, opts), "/api/v1/connect")
	c.send(v1Judge)
	msgs := c.rest(wsCloseOverflow, wsOverflowReason)
	if len(msgs) != 1 || msgs[0]["type"] != "error" {
		t.Errorf("messages %v", msgs)
	}
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Error("the judge was not stopped")
	}
}

// A judge message holds its size of the body memory until it ran: one
// that does not fit is a 4503.
func TestV1WSJudgeBodyMemory(t *testing.T) {
	s := newServer(&fakeJudge{}, Options{Logger: quietLogger(), BodyMemoryBytes: 1000})
	if !s.bodies.reserve(900) {
		t.Fatal("reserve")
	}
	c := dialWS(t, s.handler(), "/api/v1/connect")
	c.send(v1Judge)
	msgs := c.rest(v1CloseBusy, "busy")
	if e, _ := msgs[len(msgs)-1]["error"].(string); !strings.HasPrefix(e, "server busy: request bodies being read hold 900 of the 1000 bytes allowed") {
		t.Errorf("error %q", e)
	}
	s.bodies.release(900)
	c = dialWS(t, s.handler(), "/api/v1/connect")
	c.send(v1Judge)
	c.rest(v1CloseDone, "done")
	if n := s.bodies.held(); n != 0 {
		t.Errorf("%d bytes still held", n)
	}
}
