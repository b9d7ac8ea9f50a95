package admission

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// judgeExec is fakeExec that also judges: a judge blocks in the fake
// engine as a job does, and the test borrows slots through its lender.
type judgeExec struct {
	*fakeExec
	judges chan *judgeCall
}

type judgeCall struct {
	ctx     context.Context
	job     engine.JudgeJob
	release chan *engine.JudgeResult
}

func newJudgeFake() *judgeExec {
	return &judgeExec{fakeExec: newFake(), judges: make(chan *judgeCall, 100)}
}

func (f *judgeExec) Judge(ctx context.Context, job engine.JudgeJob) (*engine.JudgeResult, error) {
	c := &judgeCall{ctx: ctx, job: job, release: make(chan *engine.JudgeResult, 1)}
	f.judges <- c
	return <-c.release, nil
}

func (f *judgeExec) nextJudge(t *testing.T) *judgeCall {
	t.Helper()
	select {
	case c := <-f.judges:
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no judge started within 5s")
		return nil
	}
}

func (c *judgeCall) borrow(t *testing.T) (func(), bool) {
	t.Helper()
	l, ok := engine.LenderFrom(c.ctx)
	if !ok {
		t.Fatal("the judge's context has no lender")
	}
	return l.TryBorrow()
}

// submitJudge judges for client c in the background.
func submitJudge(ctx context.Context, g *Gate, c Client, job engine.JudgeJob) <-chan error {
	out := make(chan error, 1)
	go func() {
		_, err := g.Judge(WithClient(ctx, c), job)
		out <- err
	}()
	return out
}

func TestJudgeLends(t *testing.T) {
	f := newJudgeFake()
	g := New(f, Options{Slots: 4, QueueSize: 10, MaxJobsPerClient: 3})
	a := Client{Name: "a"}
	done := submitJudge(context.Background(), g, a, engine.JudgeJob{Job: engine.Job{Language: "python"}})
	jc := f.nextJudge(t)
	r1, ok1 := jc.borrow(t)
	r2, ok2 := jc.borrow(t)
	if _, ok3 := jc.borrow(t); !ok1 || !ok2 || ok3 {
		t.Fatalf("borrowed %v %v %v, want two (the client's cap is 3)", ok1, ok2, ok3)
	}
	waitStats(t, g, Stats{Running: 3, Clients: 1})

	// Another client's job takes the last slot; a second one waits, and
	// then nothing is lent, and the first lent slot given back is its.
	out1 := submit(context.Background(), g, Client{Name: "b"}, "b1")
	b1 := f.next(t)
	out2 := submit(context.Background(), g, Client{Name: "b"}, "b2")
	waitStats(t, g, Stats{Running: 4, Waiting: 1, Clients: 2})
	r1()
	r1() // twice is once
	b2 := f.next(t)
	waitStats(t, g, Stats{Running: 4, Clients: 2})
	if _, ok := jc.borrow(t); ok {
		t.Error("lent a slot with every slot taken")
	}
	b1.ok(0)
	b2.ok(0)
	result(t, out1)
	result(t, out2)
	r4, ok4 := jc.borrow(t)
	if !ok4 {
		t.Error("lent nothing with slots free")
	}
	r2()
	r4()
	jc.release <- &engine.JudgeResult{}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	waitStats(t, g, Stats{})
	if _, ok := jc.borrow(t); ok {
		t.Error("lent a slot after the judge ended")
	}
	waitStats(t, g, Stats{})
}

func TestJudgeLanguages(t *testing.T) {
	f := newJudgeFake()
	g := New(f, Options{Slots: 1})
	c := Client{Name: "a", Languages: []string{"python"}}
	for _, job := range []engine.JudgeJob{
		{Job: engine.Job{Language: "java"}},
		{Job: engine.Job{Language: "py"}, Checker: &engine.Program{Language: "c++"}},
		{Job: engine.Job{Language: "py"}, Interactor: &engine.Program{Language: "cpp"}},
	} {
		_, err := g.Judge(WithClient(context.Background(), c), job)
		var le *LanguageError
		if !errors.As(err, &le) {
			t.Errorf("%+v: %v, want a LanguageError", job, err)
		}
	}
	done := submitJudge(context.Background(), g, c, engine.JudgeJob{Job: engine.Job{Language: "py"}, Checker: &engine.Program{Language: "python"}})
	f.nextJudge(t).release <- &engine.JudgeResult{}
	if err := <-done; err != nil {
		t.Error(err)
	}
}

// A judge is charged the CPU time of all its runs.
func TestJudgeChargesCPU(t *testing.T) {
	f := newJudgeFake()
	clk := newClock()
	g := New(f, Options{Slots: 2, CPU: CPUQuota{Rate: 1, Burst: 2}, Now: clk.Now})
	c := Client{Name: "a"}
	done := submitJudge(context.Background(), g, c, engine.JudgeJob{Job: engine.Job{Language: "python"}})
	f.nextJudge(t).release <- &engine.JudgeResult{CPUTime: 3 * time.Second}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_, err := g.Judge(WithClient(context.Background(), c), engine.JudgeJob{Job: engine.Job{Language: "python"}})
	var qe *QuotaError
	if !errors.As(err, &qe) || qe.RetryAfter != time.Second+time.Millisecond {
		t.Errorf("after 3 s of a 2 s burst: %v", err)
	}
}

func TestJudgeNeedsJudger(t *testing.T) {
	g := New(newFake(), Options{Slots: 1})
	if _, err := g.Judge(context.Background(), engine.JudgeJob{}); !errors.Is(err, ErrCannotJudge) {
		t.Errorf("error %v", err)
	}
}
