package cluster

import (
	"context"
	"slices"
	"sync"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge"
)

// minTestsPerPart keeps a part from being a single test: a part costs
// its worker a compile (cached: a second part there hits its cache).
const minTestsPerPart = 2

// judgeParts is how many parts a judge's tests are split into: one per
// slot of the live workers of its language, since a worker takes no more
// parts than it has free slots, so that parts cannot all land on one
// worker while another idles; fewer for few tests, and one when a
// failure stops the rest (the tests then run in order).
func (c *Client) judgeParts(job engine.JudgeJob, language string) int {
	if job.StopOnFirstFailure {
		return 1
	}
	slots := 0
	for _, w := range c.members.live() {
		if !w.Draining && slices.ContainsFunc(w.Runtimes, func(rt engine.RuntimeInfo) bool { return rt.Language == language }) {
			slots += w.Slots
		}
	}
	return max(1, min(slots, len(job.Tests)/minTestsPerPart))
}

// part is a run of tests, [start, end) in the judge's order.
type part struct{ start, end int }

// splitTests cuts n tests into k runs of sizes that differ by one at most.
func splitTests(n, k int) []part {
	parts := make([]part, k)
	start := 0
	for i := range parts {
		size := n / k
		if i < n%k {
			size++
		}
		parts[i] = part{start, start + size}
		start += size
	}
	return parts
}

// judgeSpread judges the tests in parts, each a judge job of its own that
// any free worker of the language takes, and merges their results in
// test order. OnTest is told each test with its index in the whole.
func (c *Client) judgeSpread(ctx context.Context, job engine.JudgeJob, language string, k int) (*engine.JudgeResult, error) {
	parts := splitTests(len(job.Tests), k)
	results := make([]*engine.JudgeResult, k)
	errs := make([]error, k)
	var onTest sync.Mutex // OnTest is called one at a time
	var wg sync.WaitGroup
	for i, p := range parts {
		sub := job
		sub.Tests = job.Tests[p.start:p.end]
		if job.OnTest != nil {
			sub.OnTest = func(t engine.TestResult) {
				t.Index += p.start
				onTest.Lock()
				defer onTest.Unlock()
				job.OnTest(t)
			}
		}
		wg.Go(func() { results[i], errs[i] = c.judgeOne(ctx, sub, language) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return mergeJudged(results, parts), nil
}

// mergeJudged is the result the whole judge would have had: the tests in
// order, the totals summed, the maxima of the maxima, the status the
// first test not accepted. A compile error is every part's: the first
// part's answer stands for all, with the whole's total.
func mergeJudged(results []*engine.JudgeResult, parts []part) *engine.JudgeResult {
	first := results[0]
	out := &engine.JudgeResult{Language: first.Language, Version: first.Version, Compile: first.Compile, Status: judge.Accepted}
	for i, r := range results {
		if r.Status == judge.CompileError {
			ce := *r
			ce.Total = parts[len(parts)-1].end
			return &ce
		}
		for _, t := range r.Tests {
			t.Index += parts[i].start
			out.Tests = append(out.Tests, t)
		}
		out.Passed += r.Passed
		out.Total += r.Total
		out.Score += r.Score
		out.MaxScore += r.MaxScore
		out.MaxCPUTime = max(out.MaxCPUTime, r.MaxCPUTime)
		out.MaxWallTime = max(out.MaxWallTime, r.MaxWallTime)
		out.MaxMemory = max(out.MaxMemory, r.MaxMemory)
		out.CPUTime += r.CPUTime
	}
	for _, t := range out.Tests {
		if t.Verdict != judge.Accepted {
			out.Status = t.Verdict
			break
		}
	}
	return out
}
