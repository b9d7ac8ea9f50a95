package admission

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// fakeExec is an engine.Executor whose jobs block until the test releases
// them. It counts how many jobs run at once, in all and per client.
type fakeExec struct {
	runtimes []engine.RuntimeInfo
	started  chan *call

	mu      sync.Mutex
	running map[string]int
	maxPer  map[string]int
	total   int
	maxAll  int
}

// call is one job inside the fake engine.
type call struct {
	client  string
	job     engine.Job
	release chan func() (*engine.Result, error)
}

func newFake() *fakeExec {
	return &fakeExec{
		runtimes: []engine.RuntimeInfo{
			{Language: "python", Aliases: []string{"py", "Python3"}},
			{Language: "java"},
			{Language: "c++", Aliases: []string{"cpp", "g++"}},
		},
		started: make(chan *call, 10000),
		running: make(map[string]int),
		maxPer:  make(map[string]int),
	}
}

func (f *fakeExec) Runtimes() []engine.RuntimeInfo { return f.runtimes }
func (f *fakeExec) Ready() bool                    { return true }

func (f *fakeExec) Execute(ctx context.Context, job engine.Job) (*engine.Result, error) {
	c, _ := ClientFrom(ctx)
	cl := &call{client: c.Name, job: job, release: make(chan func() (*engine.Result, error), 1)}
	f.track(c.Name, 1)
	defer f.track(c.Name, -1)
	f.started <- cl
	return (<-cl.release)()
}

func (f *fakeExec) track(client string, d int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.running[client] += d
	f.total += d
	f.maxPer[client] = max(f.maxPer[client], f.running[client])
	f.maxAll = max(f.maxAll, f.total)
}

// next returns the next job that started in the fake engine.
func (f *fakeExec) next(t *testing.T) *call {
	t.Helper()
	select {
	case c := <-f.started:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no job started within 5s")
		return nil
	}
}

// none checks that no job starts for a while.
func (f *fakeExec) none(t *testing.T) {
	t.Helper()
	select {
	case c := <-f.started:
		t.Fatalf("job %s of %q started, want none", c.job.Entrypoint, c.client)
	case <-time.After(20 * time.Millisecond):
	}
}

// ok ends the call with an OK result that used cpu.
func (c *call) ok(cpu time.Duration) {
	c.finish(&engine.Result{Status: engine.StatusOK, Run: &engine.StageResult{Status: engine.StatusOK, CPUTime: cpu}}, nil)
}

func (c *call) finish(res *engine.Result, err error) {
	c.release <- func() (*engine.Result, error) { return res, err }
}

// outcome is what Execute returned.
type outcome struct {
	res *engine.Result
	err error
}

// submit runs a job (its Entrypoint names it) of client in the background.
func submit(ctx context.Context, g *Gate, c Client, id string) <-chan outcome {
	out := make(chan outcome, 1)
	go func() {
		res, err := g.Execute(WithClient(ctx, c), engine.Job{Language: "python", Entrypoint: id})
		out <- outcome{res, err}
	}()
	return out
}

// result waits for an outcome.
func result(t *testing.T, out <-chan outcome) outcome {
	t.Helper()
	select {
	case o := <-out:
		return o
	case <-time.After(5 * time.Second):
		t.Fatal("Execute did not return within 5s")
		return outcome{}
	}
}

// pending checks that Execute has not returned.
func pending(t *testing.T, out <-chan outcome) {
	t.Helper()
	select {
	case o := <-out:
		t.Fatalf("Execute returned (%v, %v), want it waiting", o.res, o.err)
	default:
	}
}

// waitStats waits until the gate's stats are want.
func waitStats(t *testing.T, g *Gate, want Stats) {
	t.Helper()
	if !poll(func() bool { return g.Stats() == want }) {
		t.Fatalf("stats %+v, want %+v", g.Stats(), want)
	}
}

// waitFor waits until cond holds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	if !poll(cond) {
		t.Fatal("condition not met within 5s")
	}
}

func poll(cond func() bool) bool {
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(50 * time.Microsecond)
	}
	return true
}

// clock is a fake clock that moves only when told.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
