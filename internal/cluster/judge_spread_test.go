package cluster

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge"
)

// TestJudgeSpread: a judge's tests spread over the live workers of its
// language; the result is the whole's, in test order.
func TestJudgeSpread(t *testing.T) {
	url := startNATS(t)
	f1, f2 := newFake("w1", "python"), newFake("w2", "python")
	f1.delay, f2.delay = 300*time.Millisecond, 300*time.Millisecond
	startWorker(t, url, workerConfig("w1", f1, 1))
	startWorker(t, url, workerConfig("w2", f2, 1))
	c := newClient(t, url)
	waitWorkers(t, c, "w1", "w2")
	jj := engine.JudgeJob{Job: job("python", "")}
	for i := range 9 {
		jj.Tests = append(jj.Tests, engine.Test{Name: fmt.Sprint(i), Stdin: []byte(fmt.Sprint("in", i))})
	}
	var mu sync.Mutex
	var told []int
	jj.OnTest = func(tr engine.TestResult) {
		mu.Lock()
		defer mu.Unlock()
		told = append(told, tr.Index)
	}
	res, err := c.Judge(context.Background(), jj)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 9 || res.Passed != 9 || len(res.Tests) != 9 || res.Status != judge.Accepted {
		t.Fatalf("result %+v", res)
	}
	for i, tr := range res.Tests {
		if tr.Index != i || string(tr.Stdout) != fmt.Sprint("in", i) {
			t.Fatalf("test %d of the result: %+v", i, tr)
		}
	}
	slices.Sort(told)
	if !slices.Equal(told, []int{0, 1, 2, 3, 4, 5, 6, 7, 8}) {
		t.Fatalf("OnTest told %v, want every index once", told)
	}
	if f1.ran.Load() != 1 || f2.ran.Load() != 1 {
		t.Fatalf("the workers judged %d and %d parts, want one each", f1.ran.Load(), f2.ran.Load())
	}
	// Stopping at the first failure keeps the tests in order: no split.
	jj.StopOnFirstFailure, jj.OnTest = true, nil
	if _, err := c.Judge(context.Background(), jj); err != nil {
		t.Fatal(err)
	}
	if f1.ran.Load()+f2.ran.Load() != 3 {
		t.Fatalf("a stop-on-first-failure judge was split: %d parts judged in all", f1.ran.Load()+f2.ran.Load())
	}
}

func TestMergeJudged(t *testing.T) {
	parts := splitTests(5, 2)
	if !slices.Equal(parts, []part{{0, 3}, {3, 5}}) {
		t.Fatalf("splitTests(5, 2) = %v", parts)
	}
	a := &engine.JudgeResult{Language: "c", Status: judge.Accepted, Total: 3, Passed: 3, Score: 3, MaxScore: 3, MaxCPUTime: time.Second,
		Tests: []engine.TestResult{{Index: 0, Verdict: judge.Accepted}, {Index: 1, Verdict: judge.Accepted}, {Index: 2, Verdict: judge.Accepted}}}
	b := &engine.JudgeResult{Language: "c", Status: judge.WrongAnswer, Total: 2, Passed: 1, Score: 1, MaxScore: 2, MaxMemory: 7,
		Tests: []engine.TestResult{{Index: 0, Verdict: judge.WrongAnswer}, {Index: 1, Verdict: judge.Accepted}}}
	m := mergeJudged([]*engine.JudgeResult{a, b}, parts)
	if m.Status != judge.WrongAnswer || m.Total != 5 || m.Passed != 4 || m.Score != 4 || m.MaxScore != 5 ||
		m.MaxCPUTime != time.Second || m.MaxMemory != 7 || m.Tests[3].Index != 3 || m.Tests[4].Index != 4 {
		t.Fatalf("merged %+v", m)
	}
	ce := &engine.JudgeResult{Language: "c", Status: judge.CompileError, Total: 3}
	if m := mergeJudged([]*engine.JudgeResult{ce, {Status: judge.CompileError, Total: 2}}, parts); m.Status != judge.CompileError || m.Total != 5 {
		t.Fatalf("a compile error merged %+v", m)
	}
}
