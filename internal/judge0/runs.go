package judge0

import (
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// RunOutcome maps one finished run of r to Judge0's outcome: the status
// (compared with expected_output), with standard error folded into the
// output when redirect_stderr_to_stdout asks, and a run that used more
// CPU than cpu_time_limit (it may, up to cpu_extra_time more) a Time
// Limit Exceeded as in Judge0.
func RunOutcome(res *engine.Result, r *Record) Outcome {
	if res != nil && res.Run != nil && r.RedirectStderr {
		redirected := *res.Run
		redirected.Stdout, redirected.Stderr = merged(res.Run), nil
		copied := *res
		copied.Run = &redirected
		res = &copied
	}
	o := FromResult(res, r.ExpectedOutput)
	if res != nil && res.Run != nil && res.Run.CPUTime > seconds(r.CPUTimeLimit) &&
		(o.Status.ID == Accepted || o.Status.ID == WrongAnswer) {
		return Outcome{Status: status(TimeLimitExceeded), Message: "Time limit exceeded"}
	}
	return o
}

// merged is a stage's standard output and error as one stream, in the
// order the engine read them.
func merged(s *engine.StageResult) []byte {
	if len(s.Output) > 0 || (len(s.Stdout) == 0 && len(s.Stderr) == 0) {
		return s.Output
	}
	return append(append([]byte{}, s.Stdout...), s.Stderr...)
}

// Summarize makes the result of a submission from its runs, in order:
// every run was Accepted but perhaps the last (number_of_runs stops at
// the first that is not). The output, status and exit are the last
// run's; time, wall time and memory are the average of the runs, as
// Judge0 reports them.
func Summarize(runs []*engine.Result, r *Record) Result {
	if len(runs) == 0 || runs[len(runs)-1] == nil {
		return Failed("the submission was not run")
	}
	last := runs[len(runs)-1]
	o := RunOutcome(last, r)
	res := Result{StatusID: o.Status.ID, ExitCode: o.ExitCode, ExitSignal: o.ExitSignal}
	if o.Message != "" {
		res.Message = &o.Message
	}
	if c := last.Compile; c != nil {
		res.CompileOutput = nonEmpty(merged(c))
	}
	if run := last.Run; run != nil {
		res.Stdout, res.Stderr = nonEmpty(run.Stdout), nonEmpty(run.Stderr)
		if r.RedirectStderr {
			res.Stdout, res.Stderr = nonEmpty(merged(run)), nil
		}
		res.Time, res.WallTime, res.MemoryKB = averages(runs)
	}
	return res
}

// averages are the mean CPU time, wall time and peak memory (KB) of the
// runs that ran.
func averages(runs []*engine.Result) (cpu, wall *time.Duration, memKB *int64) {
	var c, w time.Duration
	var m, n int64
	for _, res := range runs {
		if res == nil || res.Run == nil {
			continue
		}
		c, w, m, n = c+res.Run.CPUTime, w+res.Run.WallTime, m+res.Run.Memory, n+1
	}
	if n == 0 {
		return nil, nil, nil
	}
	c, w, kb := c/time.Duration(n), w/time.Duration(n), KB(m/n)
	return &c, &w, &kb
}

// nonEmpty is nil for no output: Judge0 shows an empty stream as null.
func nonEmpty(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	return b
}

// Accepted reports whether a run lets number_of_runs go on.
func (o Outcome) Accepted() bool { return o.Status.ID == Accepted }
