package admission

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// busyExec runs each job for a moment and checks that the gate never lets
// more than the slots, or more than a client's cap, in at once.
type busyExec struct {
	slots     int
	caps      map[string]int
	total     atomic.Int64
	perClient sync.Map // name → *atomic.Int64
	violation atomic.Value
	ran       atomic.Int64
}

func (e *busyExec) Runtimes() []engine.RuntimeInfo { return newFake().runtimes }
func (e *busyExec) Ready() bool                    { return true }

func (e *busyExec) Execute(ctx context.Context, job engine.Job) (*engine.Result, error) {
	c, _ := ClientFrom(ctx)
	n, _ := e.perClient.LoadOrStore(c.Name, new(atomic.Int64))
	mine := n.(*atomic.Int64)
	if v := mine.Add(1); v > int64(e.caps[c.Name]) {
		e.violation.Store(fmt.Sprintf("client %s has %d jobs running, cap %d", c.Name, v, e.caps[c.Name]))
	}
	if v := e.total.Add(1); v > int64(e.slots) {
		e.violation.Store(fmt.Sprintf("%d jobs running, %d slots", v, e.slots))
	}
	defer mine.Add(-1)
	defer e.total.Add(-1)
	e.ran.Add(1)
	time.Sleep(time.Duration(rand.IntN(200)) * time.Microsecond)
	if job.Entrypoint == "panic" {
		panic("engine bug")
	}
	return &engine.Result{Status: engine.StatusOK, Run: &engine.StageResult{CPUTime: time.Duration(rand.IntN(50)) * time.Millisecond}}, nil
}

func TestStress(t *testing.T) {
	const slots, clients, workers, jobs = 4, 12, 64, 150
	clk := newClock()
	e := &busyExec{slots: slots, caps: map[string]int{}}
	g := New(e, Options{Slots: slots, QueueSize: 32, MaxJobsPerClient: 2, CPU: CPUQuota{Rate: 0.2, Burst: 0.5}, Now: clk.Now})
	var cs []Client
	for i := range clients {
		c := Client{Name: fmt.Sprint("client", i), MaxJobs: i % 4}
		if i%3 == 0 {
			c.Languages = []string{"py"}
		}
		if i%5 == 0 {
			c.CPU = CPUQuota{Rate: -1}
		}
		cs = append(cs, c)
		e.caps[c.Name] = g.capOf(c)
	}
	var counts sync.Map // outcome → *atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range jobs {
				kind := stressJob(t, g, cs[rand.IntN(len(cs))])
				n, _ := counts.LoadOrStore(kind, new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
				clk.Add(time.Millisecond)
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("jobs not done after 60s, a slot leaked? %+v", g.Stats())
	}
	if v := e.violation.Load(); v != nil {
		t.Fatal(v)
	}
	counts.Range(func(k, v any) bool {
		t.Logf("%s: %d", k, v.(*atomic.Int64).Load())
		return true
	})
	if st := g.Stats(); st.Running != 0 || st.Waiting != 0 {
		t.Fatalf("after all jobs: %+v, want nothing running or waiting", st)
	}
	clk.Add(time.Hour)
	g.Execute(WithClient(context.Background(), Client{Name: "last", CPU: CPUQuota{Rate: -1}}), engine.Job{})
	if st := g.Stats(); st != (Stats{}) {
		t.Fatalf("an hour later: %+v, want no client kept", st)
	}
}

// stressJob runs one job of c, sometimes cancelled, sometimes panicking,
// and says how it ended.
func stressJob(t *testing.T, g *Gate, c Client) (kind string) {
	ctx, cancel := context.WithCancel(WithClient(context.Background(), c))
	defer cancel()
	if rand.IntN(4) == 0 {
		time.AfterFunc(time.Duration(rand.IntN(300))*time.Microsecond, cancel)
	}
	job := engine.Job{Language: "python"}
	switch rand.IntN(50) {
	case 0:
		job.Language = "java"
	case 1:
		job.Entrypoint = "panic"
		defer func() {
			if recover() != nil {
				kind = "panicked"
			}
		}()
	}
	_, err := g.Execute(ctx, job)
	var qe *QuotaError
	var le *LanguageError
	switch {
	case err == nil:
		return "ran"
	case errors.Is(err, engine.ErrQueueFull):
		return "queue full"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.As(err, &qe):
		return "over quota"
	case errors.As(err, &le):
		return "language refused"
	}
	t.Errorf("Execute: unexpected error %v", err)
	return "unexpected"
}
