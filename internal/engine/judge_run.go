package engine

import (
	"context"
	"sync"
	"time"

	"github.com/coderacer/coderacer/internal/judge"
)

// Judge judges job: its programs are built once, then each test runs in a
// fresh box. Without a SlotLender on ctx the tests run one at a time, in
// order; with one, a test starts on a borrowed slot whenever the lender
// gives one, else on the judge's own slot, still in test order.
//
// StopOnFirstFailure runs the tests one at a time, in order, and once a
// test is not accepted every test after it is SKIPPED: exactly those,
// whatever the timing, and OnTest never tells of a test the result then
// calls skipped. (Tests on borrowed slots could have run past the
// failure.) OnTest is called for every test, the skipped ones last.
func (e *Local) Judge(ctx context.Context, job JudgeJob) (*JudgeResult, error) {
	jp, err := e.planJudge(job)
	if err != nil {
		return nil, err
	}
	// One job for the engine's queue, however many boxes it uses.
	if e.inflight.Add(1) > int64(e.slots+e.cfg.QueueSize) {
		e.inflight.Add(-1)
		return nil, ErrQueueFull
	}
	defer e.inflight.Add(-1)
	j := newJudging(e, &job, jp)
	ok, err := j.buildAll(ctx)
	if err != nil {
		return nil, err
	}
	if ok {
		if err := j.runTests(ctx); err != nil {
			return nil, err
		}
	}
	res := j.result()
	e.log.Info("judge", "language", res.Language, "status", res.Status, "tests", res.Total, "passed", res.Passed,
		"cpu", res.CPUTime, "requestId", RequestID(ctx))
	return res, nil
}

// judging is one judge job under way.
type judging struct {
	e   *Local
	job *JudgeJob
	jp  *judgePlan
	res *JudgeResult

	mu     sync.Mutex
	run    []bool // tests that ran
	stopAt int    // tests from here on are not started
	err    error  // the first ctx (or pool) error of a test
	cpu    time.Duration
}

func newJudging(e *Local, job *JudgeJob, jp *judgePlan) *judging {
	p := jp.sub.plan
	res := &JudgeResult{Language: p.rt.Language, Version: p.version, Total: len(job.Tests), Tests: make([]TestResult, len(job.Tests))}
	for i, t := range job.Tests {
		res.Tests[i] = TestResult{Index: i, Name: t.Name, Verdict: judge.Skipped}
		res.MaxScore += t.Points
	}
	return &judging{e: e, job: job, jp: jp, res: res, run: make([]bool, len(job.Tests)), stopAt: len(job.Tests)}
}

// buildAll builds the submission, then the checker and the interactor; ok
// tells whether the tests may run. A submission that does not compile is
// CE; a checker or interactor that does not is every test's IE.
func (j *judging) buildAll(ctx context.Context) (ok bool, err error) {
	stage, err := j.e.build(ctx, j.jp.sub)
	if err != nil {
		return false, err
	}
	j.res.Compile = stage
	if stage != nil {
		j.cpu += stage.CPUTime
		if stage.Status != StatusOK {
			j.res.Status, j.res.Tests = judge.CompileError, []TestResult{}
			if stage.Status == StatusInternalError {
				j.res.Status = judge.InternalError
			}
			return false, nil
		}
	}
	for _, h := range []struct {
		role string
		pr   *program
	}{{"checker", j.jp.checker}, {"interactor", j.jp.interactor}} {
		if h.pr == nil {
			continue
		}
		stage, err := j.e.build(ctx, h.pr)
		if err != nil {
			return false, err
		}
		if stage != nil {
			j.cpu += stage.CPUTime
			if stage.Status != StatusOK {
				j.failAll(h.role, stage)
				return false, nil
			}
		}
	}
	return true, nil
}

// failAll makes every test IE: the checker or interactor cannot run.
func (j *judging) failAll(role string, stage *StageResult) {
	msg := "the " + role + " did not compile"
	if stage.Message != "" {
		msg += ": " + stage.Message
	}
	for i := range j.res.Tests {
		t := &j.res.Tests[i]
		t.Verdict, t.Message = judge.InternalError, msg
		t.CheckerMessage = cutString(stage.Stderr, j.jp.preview)
		j.run[i] = true
		j.notify(*t)
	}
}

// runTests runs the tests in order, on borrowed slots when the lender
// gives them; it returns once every test it started has ended.
func (j *judging) runTests(ctx context.Context) error {
	lender, _ := LenderFrom(ctx)
	if j.job.StopOnFirstFailure {
		lender = nil
	}
	var wg sync.WaitGroup
	for i := range j.job.Tests {
		if ctx.Err() != nil || !j.mayStart(i) {
			break
		}
		if lender != nil {
			if release, ok := j.borrow(lender); ok {
				wg.Go(func() {
					defer release()
					j.runOne(ctx, i)
				})
				continue
			}
		}
		j.runOne(ctx, i)
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if j.err != nil {
		return j.err
	}
	for i, ran := range j.run {
		if !ran {
			j.notify(j.res.Tests[i])
		}
	}
	return nil
}

// borrow borrows what one more test at once needs: a slot, two for an
// interactive test (its submission's box and its interactor's). The
// judge's own slot runs interactive tests with two boxes all the same:
// that pair is taken under the engine's pair lock (takePair), which keeps
// it from deadlocking; lent slots are counted in full so that parallel
// tests never take boxes the gate counts as free.
func (j *judging) borrow(l SlotLender) (func(), bool) {
	r1, ok := l.TryBorrow()
	if !ok || j.jp.interactor == nil {
		return r1, ok
	}
	r2, ok := l.TryBorrow()
	if !ok {
		r1()
		return nil, false
	}
	return func() { r1(); r2() }, true
}

// mayStart reports whether test i may start (no failure before it when
// StopOnFirstFailure, no error).
func (j *judging) mayStart(i int) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	return i < j.stopAt && j.err == nil
}

// runOne runs test i and records its result.
func (j *judging) runOne(ctx context.Context, i int) {
	var r TestResult
	var cpu time.Duration
	var err error
	if j.jp.interactor != nil {
		r, cpu, err = j.interactive(ctx, i)
	} else {
		r, cpu, err = j.batch(ctx, i)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.cpu += cpu
	if err != nil {
		if j.err == nil {
			j.err = err
		}
		return
	}
	j.res.Tests[i], j.run[i] = r, true
	if r.Verdict != judge.Accepted && j.job.StopOnFirstFailure {
		j.stopAt = min(j.stopAt, i+1)
	}
	j.notify(r)
}

// notify tells the caller of a finished test; callers hold j.mu or run
// alone.
func (j *judging) notify(r TestResult) {
	if j.job.OnTest != nil {
		j.job.OnTest(r)
	}
}

// result adds the tests up.
func (j *judging) result() *JudgeResult {
	res := j.res
	res.CPUTime = j.cpu
	if res.Status != "" { // CE or IE before any test
		return res
	}
	res.Status = judge.Accepted
	for _, t := range res.Tests {
		if t.Verdict == judge.Accepted {
			res.Passed++
		} else if res.Status == judge.Accepted {
			res.Status = t.Verdict
		}
		res.Score += t.Points
		res.MaxCPUTime = max(res.MaxCPUTime, t.CPUTime)
		res.MaxWallTime = max(res.MaxWallTime, t.WallTime)
		res.MaxMemory = max(res.MaxMemory, t.Memory)
	}
	return res
}

var _ Judger = (*Local)(nil)
