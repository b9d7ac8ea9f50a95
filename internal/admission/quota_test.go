package admission

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// quotaErr returns the *QuotaError of err, failing the test if it is not one.
func quotaErr(t *testing.T, err error) *QuotaError {
	t.Helper()
	var q *QuotaError
	if !errors.As(err, &q) {
		t.Fatalf("error %v, want a *QuotaError", err)
	}
	return q
}

// run runs one job of c to its end, the engine answering res.
func run(t *testing.T, g *Gate, f *fakeExec, c Client, res *engine.Result) error {
	t.Helper()
	out := submit(context.Background(), g, c, "job")
	select {
	case o := <-out:
		return o.err
	case call := <-f.started:
		call.finish(res, nil)
	case <-time.After(5 * time.Second):
		t.Fatal("job neither started nor refused")
	}
	return result(t, out).err
}

func cpuResult(status engine.Status, compile, run time.Duration) *engine.Result {
	return &engine.Result{
		Status:  status,
		Compile: &engine.StageResult{CPUTime: compile},
		Run:     &engine.StageResult{CPUTime: run},
	}
}

func TestQuota(t *testing.T) {
	f := newFake()
	clk := newClock()
	g := New(f, Options{Slots: 2, QueueSize: 4, CPU: CPUQuota{Rate: 0.5, Burst: 2}, Now: clk.Now})
	a := Client{Name: "a"}
	// A full bucket (2 s) admits a job that uses 5 s: the bucket owes 3 s.
	if err := run(t, g, f, a, cpuResult(engine.StatusTimeLimitExceeded, time.Second, 4*time.Second)); err != nil {
		t.Fatalf("first job: %v", err)
	}
	q := quotaErr(t, run(t, g, f, a, nil))
	if q.RetryAfter != 6001*time.Millisecond {
		t.Errorf("RetryAfter %v, want 6.001s (3 s owed at 0.5 s/s)", q.RetryAfter)
	}
	if !strings.Contains(q.Error(), "quota") {
		t.Errorf("error text %q does not say quota", q)
	}
	// Another client is not touched.
	if err := run(t, g, f, Client{Name: "b"}, cpuResult(engine.StatusOK, 0, time.Second)); err != nil {
		t.Errorf("other client: %v", err)
	}
	clk.Add(5 * time.Second) // owes 0.5 s
	if q := quotaErr(t, run(t, g, f, a, nil)); q.RetryAfter != 1001*time.Millisecond {
		t.Errorf("RetryAfter %v, want 1.001s", q.RetryAfter)
	}
	clk.Add(time.Second) // exactly empty: still refused
	if q := quotaErr(t, run(t, g, f, a, nil)); q.RetryAfter != time.Millisecond {
		t.Errorf("RetryAfter %v, want 1ms", q.RetryAfter)
	}
	clk.Add(time.Millisecond)
	if err := run(t, g, f, a, cpuResult(engine.StatusOK, 0, 0)); err != nil {
		t.Fatalf("after the refill: %v", err)
	}
	// The bucket fills up to its burst only.
	clk.Add(time.Hour)
	if err := run(t, g, f, a, cpuResult(engine.StatusOK, 0, 2100*time.Millisecond)); err != nil {
		t.Fatalf("after an hour: %v", err)
	}
	quotaErr(t, run(t, g, f, a, nil))
}

// A job that failed costs nothing; a job with a result costs its CPU time
// whatever its status.
func TestQuotaCharges(t *testing.T) {
	f := newFake()
	clk := newClock()
	g := New(f, Options{Slots: 1, QueueSize: 4, CPU: CPUQuota{Rate: 1, Burst: 1}, Now: clk.Now})
	a := Client{Name: "a"}
	out := submit(context.Background(), g, a, "x")
	f.next(t).finish(nil, errors.New("bad file name"))
	result(t, out)
	for _, res := range []*engine.Result{
		{Status: engine.StatusCompileError, Compile: &engine.StageResult{CPUTime: time.Second}},
		{Status: engine.StatusRuntimeError, Run: &engine.StageResult{CPUTime: time.Second}},
		{Status: engine.StatusInternalError, Run: &engine.StageResult{CPUTime: time.Second}},
	} {
		if err := run(t, g, f, a, res); err != nil {
			t.Fatalf("%s: %v", res.Status, err)
		}
		if q := quotaErr(t, run(t, g, f, a, nil)); q.RetryAfter != time.Millisecond {
			t.Errorf("after %s: RetryAfter %v, want 1ms (1 s charged)", res.Status, q.RetryAfter)
		}
		clk.Add(time.Second)
	}
}

func TestQuotaSettings(t *testing.T) {
	f := newFake()
	clk := newClock()
	g := New(f, Options{Slots: 1, QueueSize: 4, CPU: CPUQuota{Rate: 1, Burst: 10}, Now: clk.Now})
	long := cpuResult(engine.StatusOK, 0, 100*time.Second)
	free := Client{Name: "free", CPU: CPUQuota{Rate: -1}}
	for range 3 {
		if err := run(t, g, f, free, long); err != nil {
			t.Fatalf("a client with a negative rate has no quota, got %v", err)
		}
	}
	if err := run(t, g, f, Client{Name: "default"}, long); err != nil {
		t.Fatal(err)
	}
	quotaErr(t, run(t, g, f, Client{Name: "default"}, long))
	// Burst 0 is one second's worth: 2 s at 2 s/s.
	own := Client{Name: "own", CPU: CPUQuota{Rate: 2}}
	if err := run(t, g, f, own, cpuResult(engine.StatusOK, 0, 3*time.Second)); err != nil {
		t.Fatal(err)
	}
	if q := quotaErr(t, run(t, g, f, own, nil)); q.RetryAfter != 501*time.Millisecond {
		t.Errorf("RetryAfter %v, want 501ms (1 s owed at 2 s/s)", q.RetryAfter)
	}
}

// Jobs that wait while their client goes into debt are refused when their
// turn comes, and another client's jobs take the slots.
func TestQuotaCheckedWhenTurnComes(t *testing.T) {
	f := newFake()
	clk := newClock()
	g := New(f, Options{Slots: 1, QueueSize: 10, CPU: CPUQuota{Rate: 1, Burst: 5}, Now: clk.Now})
	ctx := context.Background()
	submit(ctx, g, Client{Name: "a"}, "a0")
	a0 := f.next(t)
	a1 := submit(ctx, g, Client{Name: "a"}, "a1")
	a2 := submit(ctx, g, Client{Name: "a"}, "a2")
	waitFor(t, func() bool { return g.Stats().Waiting == 2 })
	b1 := submit(ctx, g, Client{Name: "b"}, "b1")
	waitFor(t, func() bool { return g.Stats().Waiting == 3 })
	a0.ok(7 * time.Second)
	for _, o := range []<-chan outcome{a1, a2} {
		if q := quotaErr(t, result(t, o).err); q.RetryAfter != 2001*time.Millisecond {
			t.Errorf("RetryAfter %v, want 2.001s", q.RetryAfter)
		}
	}
	c := f.next(t)
	if c.client != "b" {
		t.Fatalf("started a job of %q, want b's", c.client)
	}
	c.ok(0)
	if o := result(t, b1); o.err != nil {
		t.Fatal(o.err)
	}
	waitStats(t, g, Stats{Clients: 1}) // a owes CPU time
}

// A client in debt is remembered until its bucket is full again, then
// forgotten by the next job that comes.
func TestForgetsClientsWithQuota(t *testing.T) {
	f := newFake()
	clk := newClock()
	g := New(f, Options{Slots: 1, QueueSize: 1, CPU: CPUQuota{Rate: 1, Burst: 2}, Now: clk.Now})
	if err := run(t, g, f, Client{Name: "a"}, cpuResult(engine.StatusOK, 0, 3*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := run(t, g, f, Client{Name: "b"}, cpuResult(engine.StatusOK, 0, 0)); err != nil {
		t.Fatal(err)
	}
	waitStats(t, g, Stats{Clients: 1}) // a owes 1 s; b's bucket is full
	clk.Add(2999 * time.Millisecond)
	if err := run(t, g, f, Client{Name: "c"}, cpuResult(engine.StatusOK, 0, 0)); err != nil {
		t.Fatal(err)
	}
	waitStats(t, g, Stats{Clients: 1}) // a's bucket is not full yet
	clk.Add(time.Millisecond)
	if err := run(t, g, f, Client{Name: "c"}, cpuResult(engine.StatusOK, 0, 0)); err != nil {
		t.Fatal(err)
	}
	waitStats(t, g, Stats{})
	// Forgetting forgave nothing: a comes back with a full bucket, as it
	// would have had anyway.
	if err := run(t, g, f, Client{Name: "a"}, cpuResult(engine.StatusOK, 0, 2100*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	quotaErr(t, run(t, g, f, Client{Name: "a"}, nil))
}

// Many clients that each owe a little cost memory only until they have
// paid, and the heap that remembers them stays consistent.
func TestForgetsManyClientsWithQuota(t *testing.T) {
	f := newFake()
	clk := newClock()
	g := New(f, Options{Slots: 1, QueueSize: 1, CPU: CPUQuota{Rate: 1, Burst: 1}, Now: clk.Now})
	for i := range 1000 {
		c := Client{Name: string(rune('A' + i%50)), CPU: CPUQuota{Rate: float64(1 + i%7)}}
		clk.Add(10 * time.Millisecond)
		if err := run(t, g, f, c, cpuResult(engine.StatusOK, 0, time.Duration(i%13)*100*time.Millisecond)); err != nil && !errors.As(err, new(*QuotaError)) {
			t.Fatal(err)
		}
		for j, it := range g.idle.items {
			if it.cs.idleAt != j || g.clients[it.cs.name] != it.cs {
				t.Fatalf("idle heap entry %d is inconsistent", j)
			}
		}
	}
	clk.Add(time.Minute)
	if err := run(t, g, f, Client{Name: "last"}, cpuResult(engine.StatusOK, 0, 0)); err != nil {
		t.Fatal(err)
	}
	waitStats(t, g, Stats{})
	if len(g.idle.items) != 0 {
		t.Errorf("idle heap holds %d clients, want none", len(g.idle.items))
	}
}

func TestRetryAfterSeconds(t *testing.T) {
	for d, want := range map[time.Duration]int64{
		time.Millisecond:        1,
		time.Second:             1,
		1001 * time.Millisecond: 2,
		6001 * time.Millisecond: 7,
		time.Hour:               3600,
	} {
		if got := (&QuotaError{RetryAfter: d}).RetryAfterSeconds(); got != want {
			t.Errorf("RetryAfterSeconds of %v = %d, want %d", d, got, want)
		}
	}
}
