package admission

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

func TestPassesThrough(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 2})
	if len(g.Runtimes()) != 3 || !g.Ready() {
		t.Fatalf("Runtimes %v, Ready %v: want the wrapped executor's", g.Runtimes(), g.Ready())
	}
	stream := &engine.Stream{Signals: make(chan syscall.Signal)}
	job := engine.Job{Language: "py", Entrypoint: "a.py", Args: []string{"x"}, Stream: stream, Network: true}
	out := make(chan outcome, 1)
	go func() {
		res, err := g.Execute(context.Background(), job)
		out <- outcome{res, err}
	}()
	c := f.next(t)
	if c.job.Stream != stream || c.job.Entrypoint != "a.py" || !c.job.Network || c.client != "" {
		t.Errorf("engine got job %+v of client %q, want the job unchanged, anonymous", c.job, c.client)
	}
	want := errors.New("engine says no")
	c.finish(nil, want)
	if o := result(t, out); o.err != want || o.res != nil {
		t.Errorf("Execute = (%v, %v), want the engine's error", o.res, o.err)
	}
	waitStats(t, g, Stats{})
}

func TestCapPerClient(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 4, QueueSize: 10, MaxJobsPerClient: 2})
	a, b := Client{Name: "a"}, Client{Name: "b"}
	ctx := context.Background()
	var outs []<-chan outcome
	for i := range 4 {
		outs = append(outs, submit(ctx, g, a, fmt.Sprint("a", i)))
	}
	a0, a1 := f.next(t), f.next(t)
	f.none(t)
	waitStats(t, g, Stats{Running: 2, Waiting: 2, Clients: 1})

	outB := submit(ctx, g, b, "b0")
	b0 := f.next(t)
	if b0.client != "b" {
		t.Fatalf("started a job of %q, want b's", b0.client)
	}
	waitStats(t, g, Stats{Running: 3, Waiting: 2, Clients: 2})

	a0.ok(0)
	a2 := f.next(t)
	f.none(t)
	a1.ok(0)
	a3 := f.next(t)
	for _, c := range []*call{a2, a3, b0} {
		c.ok(0)
	}
	for _, o := range append(outs, outB) {
		if r := result(t, o); r.err != nil {
			t.Errorf("Execute: %v", r.err)
		}
	}
	if f.maxPer["a"] != 2 {
		t.Errorf("a had %d jobs running at once, want its cap 2", f.maxPer["a"])
	}
	waitStats(t, g, Stats{})
}

func TestClientCapOverridesDefault(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 8, QueueSize: 10, MaxJobsPerClient: 1})
	big := Client{Name: "big", MaxJobs: 3}
	for i := range 5 {
		submit(context.Background(), g, big, fmt.Sprint(i))
	}
	calls := []*call{f.next(t), f.next(t), f.next(t)}
	f.none(t)
	waitStats(t, g, Stats{Running: 3, Waiting: 2, Clients: 1})
	for _, c := range calls {
		c.ok(0)
	}
	f.next(t).ok(0)
	f.next(t).ok(0)
	waitStats(t, g, Stats{})
}

// A cap above Slots, or none, is Slots.
func TestCapAtMostSlots(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 2, QueueSize: 10})
	for i := range 3 {
		submit(context.Background(), g, Client{Name: "a", MaxJobs: 5}, fmt.Sprint(i))
	}
	c0, c1 := f.next(t), f.next(t)
	f.none(t)
	c0.ok(0)
	c1.ok(0)
	f.next(t).ok(0)
	waitStats(t, g, Stats{})
}

// A key reloaded with a larger cap lets its waiting jobs in at once.
func TestCapRaised(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 4, QueueSize: 10})
	a := Client{Name: "a", MaxJobs: 1}
	submit(context.Background(), g, a, "0")
	submit(context.Background(), g, a, "1")
	submit(context.Background(), g, a, "2")
	c0 := f.next(t)
	waitStats(t, g, Stats{Running: 1, Waiting: 2, Clients: 1})
	a.MaxJobs = 4
	submit(context.Background(), g, a, "3")
	// 1, 2 and 3 all start while 0 still runs.
	calls := []*call{c0, f.next(t), f.next(t), f.next(t)}
	for _, c := range calls {
		c.ok(0)
	}
	waitStats(t, g, Stats{})
}

// order submits jobs while one slot is held, then frees the slot job after
// job and returns the order in which they started.
func order(t *testing.T, g *Gate, f *fakeExec, jobs []string) []string {
	t.Helper()
	var got []string
	held := f.next(t)
	for i, id := range jobs {
		submit(context.Background(), g, Client{Name: id[:1]}, id)
		waitFor(t, func() bool { return g.Stats().Waiting == i+1 })
	}
	held.ok(0)
	for range jobs {
		c := f.next(t)
		got = append(got, c.job.Entrypoint)
		c.ok(0)
	}
	return got
}

func TestRoundRobinBetweenClients(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 1, QueueSize: 100})
	submit(context.Background(), g, Client{Name: "a"}, "a0")
	got := order(t, g, f, []string{"a1", "a2", "a3", "a4", "a5", "b1", "c1", "b2"})
	want := "[a1 b1 c1 a2 b2 a3 a4 a5]"
	if fmt.Sprint(got) != want {
		t.Errorf("jobs started in order %v, want %s", got, want)
	}
	waitStats(t, g, Stats{})
}

// A client at its cap is passed over, and keeps its turn for when it is
// under its cap again.
func TestClientAtCapKeepsTurn(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 2, QueueSize: 10, MaxJobsPerClient: 1})
	ctx := context.Background()
	submit(ctx, g, Client{Name: "a"}, "a0")
	submit(ctx, g, Client{Name: "x"}, "x0")
	first, second := f.next(t), f.next(t)
	a0, x0 := first, second
	if a0.client != "a" {
		a0, x0 = second, first
	}
	submit(ctx, g, Client{Name: "a"}, "a1")
	waitStats(t, g, Stats{Running: 2, Waiting: 1, Clients: 2})
	submit(ctx, g, Client{Name: "b"}, "b0")
	waitStats(t, g, Stats{Running: 2, Waiting: 2, Clients: 3})
	submit(ctx, g, Client{Name: "c"}, "c0")
	waitStats(t, g, Stats{Running: 2, Waiting: 3, Clients: 4})

	x0.ok(0) // a is at its cap: b goes
	b0 := f.next(t)
	if b0.job.Entrypoint != "b0" {
		t.Fatalf("started %s, want b0 (a is at its cap)", b0.job.Entrypoint)
	}
	a0.ok(0) // a is first in the round again, before c
	if c := f.next(t); c.job.Entrypoint != "a1" {
		t.Fatalf("started %s, want a1 (a kept its turn)", c.job.Entrypoint)
	} else {
		c.ok(0)
	}
	b0.ok(0)
	f.next(t).ok(0)
	waitStats(t, g, Stats{})
}

func TestEvictionWhenFull(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 1, QueueSize: 3})
	ctx := context.Background()
	held := submit(ctx, g, Client{Name: "z"}, "z0")
	z0 := f.next(t)
	a := map[string]<-chan outcome{}
	for _, id := range []string{"a1", "a2", "a3"} {
		a[id] = submit(ctx, g, Client{Name: "a"}, id)
		waitStats(t, g, Stats{Running: 1, Waiting: len(a), Clients: 2})
	}
	// a has 3 waiting, b none: b takes the place of a's newest.
	b1 := submit(ctx, g, Client{Name: "b"}, "b1")
	if o := result(t, a["a3"]); !errors.Is(o.err, engine.ErrQueueFull) || o.err != errEvicted {
		t.Fatalf("a3: %v, want it evicted with ErrQueueFull", o.err)
	}
	waitStats(t, g, Stats{Running: 1, Waiting: 3, Clients: 3})
	// a has 2, b 1: a newcomer of b still has fewer than a.
	b2 := submit(ctx, g, Client{Name: "b"}, "b2")
	if o := result(t, a["a2"]); o.err != errEvicted {
		t.Fatalf("a2: %v, want it evicted", o.err)
	}
	// a has 1, b 2: a newcomer of b is as heavy as the heaviest: refused.
	b3 := submit(ctx, g, Client{Name: "b"}, "b3")
	if o := result(t, b3); o.err != errFull || !errors.Is(o.err, engine.ErrQueueFull) {
		t.Fatalf("b3: %v, want ErrQueueFull", o.err)
	}
	// A client with no state yet: b's newest goes.
	c1 := submit(ctx, g, Client{Name: "c"}, "c1")
	if o := result(t, b2); o.err != errEvicted {
		t.Fatalf("b2: %v, want it evicted", o.err)
	}
	for _, o := range []<-chan outcome{a["a1"], b1, c1} {
		pending(t, o)
	}
	z0.ok(0)
	for _, want := range []string{"a1", "b1", "c1"} {
		c := f.next(t)
		if c.job.Entrypoint != want {
			t.Errorf("started %s, want %s", c.job.Entrypoint, want)
		}
		c.ok(0)
	}
	for _, o := range []<-chan outcome{held, a["a1"], b1, c1} {
		if r := result(t, o); r.err != nil {
			t.Errorf("Execute: %v", r.err)
		}
	}
	waitStats(t, g, Stats{})
}

// A client whose every job was evicted and that runs nothing is forgotten.
func TestEvictedClientForgotten(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 1, QueueSize: 1})
	ctx := context.Background()
	submit(ctx, g, Client{Name: "z"}, "z0")
	z0 := f.next(t)
	a1 := submit(ctx, g, Client{Name: "a"}, "a1")
	waitStats(t, g, Stats{Running: 1, Waiting: 1, Clients: 2})
	if o := result(t, submit(ctx, g, Client{Name: "a"}, "a2")); o.err != errFull {
		t.Fatalf("a2: %v, want it refused (a is the heaviest)", o.err)
	}
	submit(ctx, g, Client{Name: "b"}, "b1")
	if o := result(t, a1); o.err != errEvicted {
		t.Fatalf("a1: %v, want it evicted", o.err)
	}
	waitStats(t, g, Stats{Running: 1, Waiting: 1, Clients: 2})
	z0.ok(0)
	f.next(t).ok(0)
	waitStats(t, g, Stats{})
}

func TestNoQueue(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 1})
	submit(context.Background(), g, Client{Name: "a"}, "a0")
	a0 := f.next(t)
	if o := result(t, submit(context.Background(), g, Client{Name: "b"}, "b0")); !errors.Is(o.err, engine.ErrQueueFull) {
		t.Fatalf("with no queue: %v, want ErrQueueFull", o.err)
	}
	a0.ok(0)
	waitStats(t, g, Stats{})
}

func TestCancelWhileWaiting(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 1, QueueSize: 10})
	submit(context.Background(), g, Client{Name: "a"}, "a0")
	a0 := f.next(t)
	ctx, cancel := context.WithCancel(context.Background())
	b := submit(ctx, g, Client{Name: "b"}, "b0")
	waitStats(t, g, Stats{Running: 1, Waiting: 1, Clients: 2})
	cancel()
	o := result(t, b)
	if !errors.Is(o.err, context.Canceled) || o.res != nil {
		t.Fatalf("cancelled while waiting: (%v, %v), want context.Canceled", o.res, o.err)
	}
	waitStats(t, g, Stats{Running: 1, Clients: 1})
	a0.ok(0)
	f.none(t) // b's job never runs
	waitStats(t, g, Stats{})
	// The slot was not lost.
	submit(context.Background(), g, Client{Name: "c"}, "c0")
	f.next(t).ok(0)
	waitStats(t, g, Stats{})
}

// A slot handed to a job whose context ends at the same moment goes on to
// the next job.
func TestCancelAsSlotComes(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 1, QueueSize: 10})
	for range 200 {
		g.mu.Lock()
		a, _ := g.state(Client{Name: "a"}, g.now())
		w, _ := g.enqueue(a, g.now())
		b, _ := g.state(Client{Name: "b"}, g.now())
		next, _ := g.enqueue(b, g.now())
		g.dispatch(g.now()) // grants w
		g.mu.Unlock()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := g.wait(ctx, w) // ready and Done both: either may win
		if err == nil {
			g.finish(a, nil)
		} else if !errors.Is(err, context.Canceled) {
			t.Fatalf("wait: %v", err)
		}
		ctx, cancel = context.WithTimeout(context.Background(), 5*time.Second)
		err = g.wait(ctx, next)
		cancel()
		if err != nil {
			t.Fatalf("the next job never got the slot: %v", err)
		}
		g.finish(b, nil)
		if st := g.Stats(); st != (Stats{}) {
			t.Fatalf("after the jobs: %+v, want nothing held", st)
		}
	}
}

func TestPanicReleasesSlot(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 1, QueueSize: 10})
	out := make(chan any, 1)
	go func() {
		defer func() { out <- recover() }()
		g.Execute(context.Background(), engine.Job{})
	}()
	f.next(t).release <- func() (*engine.Result, error) { panic("engine bug") }
	if p := <-out; p != "engine bug" {
		t.Fatalf("recovered %v, want the engine's panic", p)
	}
	waitStats(t, g, Stats{})
	submit(context.Background(), g, Client{}, "next")
	f.next(t).ok(0)
	waitStats(t, g, Stats{})
}

func TestQueueTimeAdded(t *testing.T) {
	f := newFake()
	clk := newClock()
	g := New(f, Options{Slots: 1, QueueSize: 10, Now: clk.Now})
	submit(context.Background(), g, Client{Name: "a"}, "a0")
	a0 := f.next(t)
	b := submit(context.Background(), g, Client{Name: "b"}, "b0")
	waitStats(t, g, Stats{Running: 1, Waiting: 1, Clients: 2})
	clk.Add(1500 * time.Millisecond)
	a0.ok(0)
	f.next(t).finish(&engine.Result{Status: engine.StatusOK, Timings: engine.Timings{Queue: 3 * time.Millisecond}}, nil)
	o := result(t, b)
	if o.err != nil || o.res.Timings.Queue != 1503*time.Millisecond {
		t.Fatalf("Execute = (%+v, %v), want Timings.Queue 1.503s (the gate's wait and the engine's)", o.res, o.err)
	}
}

func TestForgetsClients(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 4, QueueSize: 10})
	for i := range 10000 {
		out := submit(context.Background(), g, Client{Name: fmt.Sprint("10.0.", i/256, ".", i%256)}, "x")
		f.next(t).ok(time.Second)
		result(t, out)
	}
	if st := g.Stats(); st != (Stats{}) {
		t.Errorf("after 10000 clients without a quota: %+v, want none kept", st)
	}
}

// A client that queued 100 jobs delays another client's single job by one.
func TestHundredJobsDelayOthersByOne(t *testing.T) {
	f := newFake()
	g := New(f, Options{Slots: 1, QueueSize: 200})
	submit(context.Background(), g, Client{Name: "a"}, "a0")
	var jobs []string
	for i := range 100 {
		jobs = append(jobs, fmt.Sprint("a", i+1))
	}
	got := order(t, g, f, append(jobs, "b1"))
	if got[1] != "b1" {
		t.Errorf("b1 started %dth, want 2nd: %v", slices.Index(got, "b1")+1, got[:5])
	}
	if !slices.Equal(slices.Delete(got, 1, 2), jobs) {
		t.Errorf("a's jobs started out of order: %v", got)
	}
	waitStats(t, g, Stats{})
}
