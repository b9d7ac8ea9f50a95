package engine

import (
	"context"
	"os"
	"time"

	"github.com/coderacer/coderacer/internal/judge"
)

// interactive runs test i: the submission and the interactor in two boxes
// at once, each one's stdout the other's stdin through a pipe; then the
// checker, if any, on the interactor's tout.txt. The interactor runs with
// SIGPIPE ignored: when the submission ends before the interactor's next
// write, that write fails (EPIPE) and its next read sees EOF, so that it
// judges the submission as it would any missing answer (testlib: PE),
// whatever the timing, instead of being killed or not by a race.
//
// The verdict is the first of:
//  1. the submission's limit (TLE, MLE, OLE), or the sandbox's failure to
//     run it (IE): a submission that stops talking is TLE, whatever the
//     interactor made of its silence;
//  2. the interactor killed by SIGPIPE after the submission had ended (it
//     restored SIGPIPE's default itself): the submission's doing, its
//     own verdict if not AC, else WA;
//  3. the interactor's own failure (a limit, a signal, the sandbox): IE;
//  4. the submission's RE or SG when it ended first by itself (not by
//     SIGPIPE): the interactor's complaint, e.g. of a missing answer, is
//     then only the echo of the crash;
//  5. the interactor's verdict when it is not AC: a submission that
//     crashed after it was rejected (by SIGPIPE, say) is judged by the
//     rejection;
//  6. the checker's verdict, when there is one; else the interactor's AC
//     and points.
func (j *judging) interactive(ctx context.Context, i int) (TestResult, time.Duration, error) {
	t := &j.job.Tests[i]
	sb, ib, err := j.e.takePair(ctx, j.jp.sub.network)
	if err != nil {
		return TestResult{}, 0, err
	}
	sub, inter, subFirst, err := j.talk(ctx, sb, ib, i)
	var tout []byte
	if err == nil && j.jp.checker != nil && (inter.Status == StatusOK || inter.Status == StatusRuntimeError) && sub.Status == StatusOK {
		// Read before the box is given back; the interactor is dead.
		tout, err = ib.ReadFile(WorkDir+"/tout.txt", j.jp.interactor.plan.run.FileSize)
		if err != nil {
			inter = &StageResult{Status: StatusInternalError, Message: "its tout.txt cannot be read: " + err.Error()}
			err = nil
		}
	}
	j.e.giveBack(sb)
	j.e.giveBack(ib)
	if err != nil {
		return TestResult{}, 0, err
	}
	cpu := sub.CPUTime + inter.CPUTime
	r := j.testResult(i, sub)
	switch r.Verdict {
	case judge.TimeLimitExceeded, judge.MemoryLimitExceeded, judge.OutputLimitExceeded, judge.InternalError:
		return r, cpu, nil
	}
	verdict := r.Verdict
	if subFirst && inter.Status == StatusSignaled && inter.Signal == "SIGPIPE" {
		j.leftEarly(inter, &r)
		return r, cpu, nil
	}
	crashedFirst := verdict != judge.Accepted && subFirst && sub.Signal != "SIGPIPE"
	j.readHelper("interactor", j.job.Interactor.Protocol, inter, t.Points, &r)
	if crashedFirst {
		r.Verdict, r.Points = verdict, 0
		return r, cpu, nil
	}
	if r.Verdict != judge.Accepted || verdict != judge.Accepted {
		if r.Verdict == judge.Accepted {
			r.Verdict, r.Points = verdict, 0
		}
		return r, cpu, nil
	}
	if j.jp.checker == nil {
		return r, cpu, nil
	}
	ccpu, err := j.check(ctx, i, tout, &r)
	return r, cpu + ccpu, err
}

// leftEarly sets r, the submission's result, for an interactor killed by
// SIGPIPE once the submission had ended: it wrote to a submission that
// was gone, which had left before the dialogue was over.
func (j *judging) leftEarly(inter *StageResult, r *TestResult) {
	r.Points = 0
	r.CheckerMessage = cutString(inter.Stderr, j.jp.preview)
	if r.Verdict == judge.Accepted {
		r.Verdict = judge.WrongAnswer
		r.Message = "the submission ended before the interactor was done with it (the interactor's next write found no reader)"
	}
}

// talk runs the submission in sb and the interactor in ib joined by two
// pipes. Each run's ends are closed here as soon as that run has ended,
// so the other side reads EOF or writes into EPIPE instead of waiting for
// its wall limit. subFirst tells that the submission's run returned
// before the interactor's. The error is only ctx's.
func (j *judging) talk(ctx context.Context, sb, ib Box, i int) (sub, inter *StageResult, subFirst bool, err error) {
	t := &j.job.Tests[i]
	toSubR, toSubW, err := os.Pipe() // interactor's stdout → submission's stdin
	if err != nil {
		sub, inter = j.noPipe(err)
		return sub, inter, false, nil
	}
	toInterR, toInterW, err := os.Pipe() // submission's stdout → interactor's stdin
	if err != nil {
		toSubR.Close()
		toSubW.Close()
		sub, inter = j.noPipe(err)
		return sub, inter, false, nil
	}
	files := []BoxFile{{Name: "input.txt", Content: t.Stdin}, {Name: "answer.txt", Content: t.ExpectedOutput}}
	var ierr error
	var interEnd time.Time
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer toInterR.Close()
		defer toSubW.Close()
		inter, ierr = j.runHelperIn(ctx, ib, j.jp.interactor, files, interactorFiles, RunSpec{StdinFile: toInterR, StdoutFile: toSubW, IgnoreSIGPIPE: true})
		interEnd = time.Now()
	}()
	sub, err = j.runSubmission(ctx, sb, i, RunSpec{StdinFile: toSubR, StdoutFile: toInterW})
	subEnd := time.Now()
	toSubR.Close()
	toInterW.Close()
	<-done
	subFirst = subEnd.Before(interEnd)
	if err == nil {
		err = ierr
	}
	return sub, inter, subFirst, err
}

// noPipe is talk's outcome when the server is out of descriptors.
func (j *judging) noPipe(err error) (sub, inter *StageResult) {
	j.e.log.Error("make a pipe", "err", err)
	s := &StageResult{Status: StatusInternalError, Message: "the engine could not join the submission and the interactor"}
	return s, s
}
