package engine

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/judge"
)

// The interactor runs with SIGPIPE ignored, the submission without; an
// interactor killed by SIGPIPE all the same is the submission's doing
// when the submission had ended first (its own verdict, else WA), and a
// judge failure (IE) otherwise.
func TestJudgeInteractorSIGPIPE(t *testing.T) {
	pool := newFakePool(2)
	e := newJudgeEngine(t, pool)
	var inter, sub RunResult
	var interFirst bool
	pool.hook = func(ctx context.Context, b *fakeBox, spec RunSpec) (*RunResult, error) {
		switch spec.Args[0] {
		case "/w/interp":
			if !spec.IgnoreSIGPIPE {
				t.Error("the interactor runs with SIGPIPE's default")
			}
			if !interFirst {
				time.Sleep(20 * time.Millisecond)
			}
			r := inter
			return &r, nil
		case "/w/a.out":
			if spec.IgnoreSIGPIPE {
				t.Error("the submission runs with SIGPIPE ignored")
			}
			if interFirst {
				time.Sleep(20 * time.Millisecond)
			}
			r := sub
			return &r, nil
		}
		return judgeHook(ctx, b, spec)
	}
	pipe := RunResult{Signal: syscall.SIGPIPE, Stderr: []byte("wrote to nobody")}
	for _, c := range []struct {
		sub        RunResult
		interFirst bool
		want       judge.Verdict
	}{
		{RunResult{}, false, judge.WrongAnswer},
		{RunResult{ExitCode: 1}, false, judge.RuntimeError},
		{RunResult{Signal: syscall.SIGSEGV}, false, judge.Signaled},
		{RunResult{}, true, judge.InternalError},
	} {
		inter, sub, interFirst = pipe, c.sub, c.interFirst
		res, err := runJudge(t, e, t.Context(), interactiveJob("x", []Test{{Points: 1}}))
		if err != nil || res.Tests[0].Verdict != c.want || res.Tests[0].Points != 0 {
			t.Errorf("submission %+v, interactor first %v: %v %+v, want %s", c.sub, c.interFirst, err, res.Tests, c.want)
			continue
		}
		if c.want == judge.WrongAnswer && (res.Tests[0].Message == "" || res.Tests[0].CheckerMessage != "wrote to nobody") {
			t.Errorf("WA without its reasons: %+v", res.Tests[0])
		}
	}
}
