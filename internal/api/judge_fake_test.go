package api

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge"
)

// fakeJudge is an executor that judges. Unless fn is set it accepts every
// test whose expected output is its stdin, in reverse test order (so
// events come out of order), calling OnTest for each.
type fakeJudge struct {
	fakeExec
	jmu   sync.Mutex
	jjobs []engine.JudgeJob
	jfn   func(context.Context, engine.JudgeJob) (*engine.JudgeResult, error)
}

func (f *fakeJudge) Judge(ctx context.Context, job engine.JudgeJob) (*engine.JudgeResult, error) {
	f.jmu.Lock()
	f.jjobs = append(f.jjobs, job)
	fn := f.jfn
	f.jmu.Unlock()
	if fn != nil {
		return fn(ctx, job)
	}
	return echoJudge(job), nil
}

// echoJudge judges as the fake does: the program prints its stdin.
func echoJudge(job engine.JudgeJob) *engine.JudgeResult {
	res := &engine.JudgeResult{Language: job.Job.Language, Version: "1.0", Status: judge.Accepted,
		Tests: make([]engine.TestResult, len(job.Tests)), Total: len(job.Tests)}
	for i := len(job.Tests) - 1; i >= 0; i-- {
		t := job.Tests[i]
		r := engine.TestResult{Index: i, Name: t.Name, Verdict: judge.Accepted, Stdout: t.Stdin, Points: t.Points}
		if string(t.Stdin) != string(t.ExpectedOutput) {
			r.Verdict, r.Points, r.ExitCode = judge.WrongAnswer, 0, 0
		}
		res.MaxScore += t.Points
		res.Score += r.Points
		if r.Verdict == judge.Accepted {
			res.Passed++
		}
		res.Tests[i] = r
		if job.OnTest != nil {
			job.OnTest(r)
		}
	}
	for _, r := range res.Tests {
		if r.Verdict != judge.Accepted {
			res.Status = r.Verdict
			break
		}
	}
	return res
}

func (f *fakeJudge) lastJudge(t *testing.T) engine.JudgeJob {
	t.Helper()
	f.jmu.Lock()
	defer f.jmu.Unlock()
	if len(f.jjobs) == 0 {
		t.Fatal("Judge was not called")
	}
	return f.jjobs[len(f.jjobs)-1]
}

const judgeSub = `"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"print(input())"}]`

// judgeBody is a request of the submission with the given other members.
func judgeBody(rest string) string {
	if rest == "" {
		return "{" + judgeSub + "}"
	}
	return "{" + judgeSub + "," + rest + "}"
}

func postJudge(t *testing.T, h http.Handler, body string) (code int, text string) {
	t.Helper()
	rec := do(t, h, "POST", "/api/v1/judge", body)
	return rec.Code, strings.TrimSpace(rec.Body.String())
}
