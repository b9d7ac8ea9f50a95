package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/coderacer/coderacer/internal/judge"
)

// check runs the checker on test i's output in a box of its own and sets
// r's verdict, points and checker message. The error is only ctx's.
func (j *judging) check(ctx context.Context, i int, output []byte, r *TestResult) (time.Duration, error) {
	t := &j.job.Tests[i]
	files := []BoxFile{{Name: "input.txt", Content: t.Stdin}, {Name: "output.txt", Content: output}, {Name: "answer.txt", Content: t.ExpectedOutput}}
	stage, err := j.runHelper(ctx, j.jp.checker, files, checkerFiles)
	if err != nil {
		return 0, err
	}
	j.readHelper("checker", j.job.Checker.Protocol, stage, t.Points, r)
	return stage.CPUTime, nil
}

// runHelper runs a checker (pr) in a fresh box with files beside its own
// and args after its command.
func (j *judging) runHelper(ctx context.Context, pr *program, files []BoxFile, args []string) (*StageResult, error) {
	box, err := j.e.takeBox(ctx, false)
	if err != nil {
		return nil, err
	}
	defer j.e.giveBack(box)
	return j.runHelperIn(ctx, box, pr, files, args, RunSpec{})
}

// runHelperIn runs a checker or an interactor in box with spec's streams.
// The error is only ctx's.
func (j *judging) runHelperIn(ctx context.Context, box Box, pr *program, files []BoxFile, args []string, spec RunSpec) (*StageResult, error) {
	all := make([]BoxFile, 0, len(pr.files)+len(files))
	if err := box.WriteFiles(append(append(all, pr.files...), files...)); err != nil {
		j.e.log.Error("write checker files", "err", err)
		return &StageResult{Status: StatusInternalError, Message: "the engine could not write the files into the sandbox"}, nil
	}
	spec.Args = pr.plan.rt.RunArgs(pr.plan.entry, pr.names, args)
	spec.Env, spec.Limits = pr.env, pr.plan.run
	var tm Timings
	return j.e.judge(ctx, box, spec, &tm)
}

// readHelper sets r from a checker's or an interactor's run: its exit
// read by the protocol; a run that did not exit on its own (a limit, a
// signal, the sandbox) is IE, never the submission's fault.
func (j *judging) readHelper(role string, p judge.Protocol, s *StageResult, points float64, r *TestResult) {
	r.Points = 0
	r.CheckerMessage = cutString(s.Stderr, j.jp.preview)
	if s.Status != StatusOK && s.Status != StatusRuntimeError {
		r.Verdict, r.Message = judge.InternalError, fmt.Sprintf("the %s failed: %s", role, describe(s))
		return
	}
	v, pts, msg := judge.ReadExit(p, s.ExitCode, false, s.Stderr, points)
	r.Verdict = v
	r.CheckerMessage = cutString([]byte(msg), j.jp.preview)
	switch v {
	case judge.InternalError:
		r.Message = fmt.Sprintf("the %s reported a judge failure (exit code %d)", role, s.ExitCode)
	default:
		r.Points = pts
	}
}

// describe says why a run did not end on its own.
func describe(s *StageResult) string {
	if s.Message != "" {
		return s.Message
	}
	return string(s.Status)
}
