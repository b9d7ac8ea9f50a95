package admission

import (
	"container/list"
	"context"
	"sync"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// Options configure a Gate.
type Options struct {
	// Slots is how many jobs the wrapped executor runs at once (its
	// parallelism); at least 1. The local engine counts a job until its
	// sandbox is wiped, after Execute returned, so a job the gate lets in
	// may wait there a moment for a box: the engine's own queue must hold
	// at least Slots jobs, or that moment is an ErrQueueFull.
	Slots int
	// QueueSize is how many jobs may wait here for a slot; beyond it the
	// eviction rule of the package documentation applies.
	QueueSize int
	// MaxJobsPerClient is how many jobs of one client run at once;
	// 0: no cap beyond Slots.
	MaxJobsPerClient int
	// CPU is the quota of clients that have none of their own.
	CPU CPUQuota
	// Now tells the time; nil: time.Now. For tests.
	Now func() time.Time
}

// Gate is an engine.Executor that admits the jobs of each client into the
// executor it wraps: see the package documentation.
type Gate struct {
	next engine.Executor
	opts Options
	now  func() time.Time

	mu      sync.Mutex
	clients map[string]*clientState
	ring    list.List // of *clientState with waiting jobs, in round-robin order
	idle    idleHeap  // clients with nothing running or waiting, by when their bucket is full
	running int
	waiting int
}

// Stats is what the gate holds now.
type Stats struct {
	Running int // jobs in the wrapped executor
	Waiting int // jobs waiting here for a slot (the queue depth)
	Clients int // clients the gate keeps state for
}

// New returns a Gate in front of next.
func New(next engine.Executor, opts Options) *Gate {
	opts.Slots = max(opts.Slots, 1)
	opts.QueueSize = max(opts.QueueSize, 0)
	opts.MaxJobsPerClient = max(opts.MaxJobsPerClient, 0)
	g := &Gate{next: next, opts: opts, now: opts.Now, clients: make(map[string]*clientState)}
	if g.now == nil {
		g.now = time.Now
	}
	return g
}

// Runtimes is the wrapped executor's.
func (g *Gate) Runtimes() []engine.RuntimeInfo { return g.next.Runtimes() }

// Ready is the wrapped executor's.
func (g *Gate) Ready() bool { return g.next.Ready() }

// Stats reads the gate's counters; cheap, for every scrape.
func (g *Gate) Stats() Stats {
	g.mu.Lock()
	defer g.mu.Unlock()
	return Stats{Running: g.running, Waiting: g.waiting, Clients: len(g.clients)}
}

// Execute admits job for the client on ctx (ClientFrom), runs it in the
// wrapped executor and charges its CPU time to the client. The time it
// waited here is added to Result.Timings.Queue.
func (g *Gate) Execute(ctx context.Context, job engine.Job) (*engine.Result, error) {
	c, _ := ClientFrom(ctx)
	if len(c.Languages) > 0 {
		if err := checkLanguage(c, job.Language, g.next.Runtimes()); err != nil {
			return nil, err
		}
	}
	start := g.now()
	cs, err := g.admit(ctx, c, start)
	if err != nil {
		return nil, err
	}
	waited := g.now().Sub(start)
	var res *engine.Result
	// The slot is given back however the job ends, a panic included.
	defer func() { g.finish(cs, res) }()
	res, err = g.next.Execute(ctx, job)
	if res != nil {
		res.Timings.Queue += waited
	}
	return res, err
}

// admit returns once the job of c holds a slot, or with the reason it
// will not get one.
func (g *Gate) admit(ctx context.Context, c Client, now time.Time) (*clientState, error) {
	g.mu.Lock()
	g.forgetIdle(now)
	cs, changed := g.state(c, now)
	if changed && len(cs.waiting) > 0 {
		g.dispatch(now) // a larger cap may let its waiting jobs in
	}
	if err := cs.checkQuota(now); err != nil {
		g.forget(cs, now)
		g.mu.Unlock()
		return nil, err
	}
	// Nobody waiting could take a free slot (dispatch would have given it),
	// so a client under its cap with nothing waiting goes first.
	if g.running < g.opts.Slots && cs.running < cs.cap && len(cs.waiting) == 0 {
		g.start(cs)
		g.mu.Unlock()
		return cs, nil
	}
	w, err := g.enqueue(cs, now)
	if err != nil {
		g.forget(cs, now)
		g.mu.Unlock()
		return nil, err
	}
	g.mu.Unlock()
	return cs, g.wait(ctx, w)
}

// finish gives back the slot of a job of cs that ended with res (nil when
// it failed or panicked) and hands it to the next waiting job.
func (g *Gate) finish(cs *clientState, res *engine.Result) {
	if res == nil {
		g.settle(cs, 0)
		return
	}
	g.settle(cs, cpuTime(res))
}

// settle gives back the slot of a job of cs that cost cpu, charging it,
// and hands the slot to the next waiting job.
func (g *Gate) settle(cs *clientState, cpu time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	if cpu > 0 && cs.quota.limited() {
		cs.bucket.refill(cs.quota, now)
		cs.bucket.charge(cpu)
	}
	g.running--
	cs.running--
	g.dispatch(now)
	g.forget(cs, now)
	g.forgetIdle(now)
}

// cpuTime is what a job cost, whatever its status.
func cpuTime(res *engine.Result) time.Duration {
	var d time.Duration
	if res.Compile != nil {
		d += res.Compile.CPUTime
	}
	if res.Run != nil {
		d += res.Run.CPUTime
	}
	return d
}
