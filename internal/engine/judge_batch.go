package engine

import (
	"bytes"
	"context"
	"time"

	"github.com/coderacer/coderacer/internal/judge"
)

// batch runs test i in a fresh box with its stdin and judges its output.
// The full stdout lives only until it is judged.
func (j *judging) batch(ctx context.Context, i int) (TestResult, time.Duration, error) {
	t := &j.job.Tests[i]
	box, err := j.e.takeBox(ctx, j.jp.sub.network)
	if err != nil {
		return TestResult{}, 0, err
	}
	stage, err := j.runSubmission(ctx, box, i, RunSpec{Stdin: t.Stdin})
	j.e.giveBack(box)
	if err != nil {
		return TestResult{}, 0, err
	}
	r := j.testResult(i, stage)
	cpu := stage.CPUTime
	if r.Verdict != judge.Accepted {
		return r, cpu, nil
	}
	if j.jp.checker == nil {
		r.Verdict, r.CheckerMessage = j.job.Compare.Equal(stage.Stdout, t.ExpectedOutput)
		if r.Verdict == judge.Accepted {
			r.Points = t.Points
		}
		return r, cpu, nil
	}
	ccpu, err := j.check(ctx, i, stage.Stdout, &r)
	return r, cpu + ccpu, err
}

// runSubmission writes the submission and test i's files into box and
// runs the submission there with spec's streams. The error is only ctx's.
func (j *judging) runSubmission(ctx context.Context, box Box, i int, spec RunSpec) (*StageResult, error) {
	t, sub := &j.job.Tests[i], j.jp.sub
	files := sub.files
	if len(t.Files) > 0 {
		files = make([]BoxFile, 0, len(sub.files)+len(t.Files))
		files = append(files, sub.files...)
		for _, f := range t.Files {
			files = append(files, BoxFile{Name: f.Name, Content: f.Content})
		}
	}
	if err := box.WriteFiles(files); err != nil {
		j.e.log.Error("write test files", "test", i, "err", err)
		return &StageResult{Status: StatusInternalError, Message: "the engine could not write the test's files into the sandbox"}, nil
	}
	args := j.job.Job.Args
	if t.Args != nil {
		args = t.Args
	}
	spec.Args = sub.plan.rt.RunArgs(sub.plan.entry, sub.names, args)
	spec.Env, spec.Limits = sub.env, j.jp.limits[i]
	var tm Timings
	return j.e.judge(ctx, box, spec, &tm)
}

// testResult is test i's result from its run, before its output is
// judged: AC stands for "ran to a clean exit".
func (j *judging) testResult(i int, s *StageResult) TestResult {
	r := TestResult{
		Index: i, Name: j.job.Tests[i].Name, Verdict: runVerdict(s.Status),
		ExitCode: s.ExitCode, Signal: s.Signal, CPUTime: s.CPUTime, WallTime: s.WallTime, Memory: s.Memory,
		Message: s.Message,
	}
	var cut1, cut2 bool
	r.Stdout, cut1 = cut(s.Stdout, j.jp.preview)
	r.Stderr, cut2 = cut(s.Stderr, j.jp.preview)
	r.StdoutTruncated, r.StderrTruncated = s.StdoutTruncated || cut1, s.StderrTruncated || cut2
	return r
}

// runVerdict is a test's verdict from its run's status.
func runVerdict(s Status) judge.Verdict {
	switch s {
	case StatusOK:
		return judge.Accepted
	case StatusTimeLimitExceeded:
		return judge.TimeLimitExceeded
	case StatusMemoryLimitExceeded:
		return judge.MemoryLimitExceeded
	case StatusOutputLimitExceeded:
		return judge.OutputLimitExceeded
	case StatusRuntimeError:
		return judge.RuntimeError
	case StatusSignaled:
		return judge.Signaled
	}
	return judge.InternalError
}

// cut is a copy of at most n bytes of b (a copy, so that b's buffer is
// not kept alive by a preview), and whether bytes were dropped.
func cut(b []byte, n int) ([]byte, bool) {
	if len(b) <= n {
		return bytes.Clone(b), false
	}
	return bytes.Clone(b[:n]), true
}

// cutString is cut for a message.
func cutString(b []byte, n int) string {
	c, _ := cut(b, n)
	return string(c)
}
