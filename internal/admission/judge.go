package admission

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// ErrCannotJudge is returned by Judge when the wrapped executor does not
// judge (it is no engine.Judger).
var ErrCannotJudge = errors.New("admission: the executor cannot judge")

// Judge admits a judge job as one job, like Execute: the client may use
// the submission's language and the checker's and interactor's; its quota
// is checked; the job waits for one slot. While it runs, it may borrow
// more slots (engine.SlotLender on its context) to run tests at once, but
// only while no job waits here and its client is under its cap; a
// borrowed slot counts as a running job of the client until the engine
// gives it back (after one test). Its client is charged the CPU time of
// every run (JudgeResult.CPUTime): submission, checker and interactor.
func (g *Gate) Judge(ctx context.Context, job engine.JudgeJob) (*engine.JudgeResult, error) {
	j, ok := g.next.(engine.Judger)
	if !ok {
		return nil, ErrCannotJudge
	}
	c, _ := ClientFrom(ctx)
	if len(c.Languages) > 0 {
		for _, lang := range judgeLanguages(job) {
			if err := checkLanguage(c, lang, g.next.Runtimes()); err != nil {
				return nil, err
			}
		}
	}
	cs, err := g.admit(ctx, c, g.now())
	if err != nil {
		return nil, err
	}
	l := &lender{g: g, cs: cs}
	var res *engine.JudgeResult
	// The slot is given back however the judge ends, a panic included.
	defer func() {
		l.close()
		var cpu time.Duration
		if res != nil {
			cpu = res.CPUTime
		}
		g.settle(cs, cpu)
	}()
	res, err = j.Judge(engine.WithLender(ctx, l), job)
	return res, err
}

// judgeLanguages are the languages of a judge job's programs.
func judgeLanguages(job engine.JudgeJob) []string {
	langs := []string{job.Job.Language}
	for _, p := range []*engine.Program{job.Checker, job.Interactor} {
		if p != nil {
			langs = append(langs, p.Language)
		}
	}
	return langs
}

// lender lends the gate's free slots to one judge of cs.
type lender struct {
	g    *Gate
	cs   *clientState
	done bool // the judge ended: lend no more (under g.mu)
}

// TryBorrow lends a slot when one is free, nobody waits for it and the
// client is under its cap.
func (l *lender) TryBorrow() (func(), bool) {
	g := l.g
	g.mu.Lock()
	defer g.mu.Unlock()
	if l.done || g.waiting > 0 || g.running >= g.opts.Slots || l.cs.running >= l.cs.cap {
		return nil, false
	}
	g.start(l.cs)
	var once sync.Once
	return func() { once.Do(l.giveBack) }, true
}

// giveBack returns a lent slot and hands it to the next waiting job.
func (l *lender) giveBack() {
	g := l.g
	g.mu.Lock()
	defer g.mu.Unlock()
	g.running--
	l.cs.running--
	g.dispatch(g.now())
}

// close stops the lending once the judge returned.
func (l *lender) close() {
	l.g.mu.Lock()
	l.done = true
	l.g.mu.Unlock()
}

var _ engine.Judger = (*Gate)(nil)
