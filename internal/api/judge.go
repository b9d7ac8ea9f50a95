package api

// POST /api/v1/judge: a submission compiled once and run on many tests,
// each judged by a comparison, a checker or beside an interactor (README
// "Judge"). The executor judges (engine.Judger); this file reads the
// request's body, runs it and answers, as handleExecute does.

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/engine"
)

// The defaults of JudgeOptions (README "Configuration").
const (
	// DefaultJudgeMaxBodyBytes is the largest judge request body: tests
	// and a testlib header (200 KiB) make it larger than an execute's.
	DefaultJudgeMaxBodyBytes = 32 << 20
	// DefaultJudgeMaxTests bounds the tests of a request.
	DefaultJudgeMaxTests = 1000
	// DefaultJudgeMaxTestBytes bounds stdin, expectedOutput and files of
	// every test together: all of it is held until the job has run.
	DefaultJudgeMaxTestBytes = 16 << 20
	// DefaultJudgeMaxOutputPreviewBytes bounds outputPreviewBytes: at
	// the most tests, both streams of every test fit in half the default
	// response memory.
	DefaultJudgeMaxOutputPreviewBytes = 64 << 10
	// DefaultJudgeOutputPreviewBytes is a request's outputPreviewBytes
	// when it names none.
	DefaultJudgeOutputPreviewBytes = 4 << 10
)

// JudgeOptions bound the judge requests. Zero fields pick the defaults.
type JudgeOptions struct {
	MaxBodyBytes          int64 // 0 means DefaultJudgeMaxBodyBytes
	MaxTests              int   // 0 means DefaultJudgeMaxTests
	MaxTestBytes          int64 // 0 means DefaultJudgeMaxTestBytes
	MaxOutputPreviewBytes int64 // 0 means DefaultJudgeMaxOutputPreviewBytes
}

// DefaultJudgeOptions are the bounds of README "Judge".
func DefaultJudgeOptions() JudgeOptions {
	return JudgeOptions{
		MaxBodyBytes:          DefaultJudgeMaxBodyBytes,
		MaxTests:              DefaultJudgeMaxTests,
		MaxTestBytes:          DefaultJudgeMaxTestBytes,
		MaxOutputPreviewBytes: DefaultJudgeMaxOutputPreviewBytes,
	}
}

func (o JudgeOptions) withDefaults() JudgeOptions {
	d := DefaultJudgeOptions()
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = d.MaxBodyBytes
	}
	if o.MaxTests <= 0 {
		o.MaxTests = d.MaxTests
	}
	if o.MaxTestBytes <= 0 {
		o.MaxTestBytes = d.MaxTestBytes
	}
	if o.MaxOutputPreviewBytes <= 0 {
		o.MaxOutputPreviewBytes = d.MaxOutputPreviewBytes
	}
	return o
}

// errNoJudge is the 501 of a server whose executor cannot judge.
const errNoJudge = "this server's executor cannot judge submissions (it does not implement engine.Judger)"

func (s *server) handleJudge(w http.ResponseWriter, r *http.Request) {
	judger, ok := s.exec.(engine.Judger)
	if !ok {
		writeError(w, http.StatusNotImplemented, errNoJudge)
		return
	}
	body, release, code, msg := s.readBodyUpTo(w, r, s.opts.Judge.MaxBodyBytes)
	if code != 0 {
		writeFailure(w, code, msg, writeError)
		return
	}
	p, err := s.parseJudge(body)
	if err != nil { // a *requestError
		release()
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	res, err := s.judge(r.Context(), judger, dialectV1Judge, p.job)
	release()
	if err != nil {
		code, msg := s.judgeError(r.Context(), err, p)
		if code != 0 {
			setRetryAfter(w, err)
			writeFailure(w, code, msg, writeError)
		}
		return
	}
	done, ok := s.holdJudgeResult(res)
	if !ok {
		writeFailure(w, http.StatusServiceUnavailable, s.responsesBusy(), writeError)
		return
	}
	defer done()
	s.streamJSON(w, judgeResultBytes(res), func(o *jsonOut) { writeJudgeResponse(o, res) })
}

// judge runs a judge job and counts it in the metrics, as execute does.
func (s *server) judge(ctx context.Context, j engine.Judger, dialect string, job engine.JudgeJob) (*engine.JudgeResult, error) {
	res, err := j.Judge(ctx, job)
	if res == nil && err == nil {
		err = errNoResult
	}
	if res != nil || errors.Is(err, errNoResult) {
		s.opts.Metrics.Judged(dialect, res)
	}
	return res, err
}

// judgeError is executeError for a judge request: a limit beyond the
// server's maximum is named where the request set it.
func (s *server) judgeError(ctx context.Context, err error, p judgeParsed) (int, string) {
	var limErr *engine.LimitError
	switch {
	case errors.As(err, &limErr):
		return http.StatusBadRequest, judgeLimitMessage(err, limErr, p)
	case errors.Is(err, engine.ErrInteractiveUnavailable):
		// What this server cannot do, not what the request did wrong.
		return http.StatusNotImplemented, err.Error()
	case errors.Is(err, admission.ErrCannotJudge):
		return http.StatusNotImplemented, errNoJudge
	}
	return s.executeError(ctx, err, p.clamped)
}

// judgeLimitMessage says a LimitError with the request's field: the
// engine names the part (a test, the checker, the interactor) whose run
// limit it is; without one it is the request's own limits.
func judgeLimitMessage(err error, e *engine.LimitError, p judgeParsed) string {
	if e.Stage != engine.StageCompile && e.Value >= 0 {
		path := "limits"
		if part, ok := errors.AsType[*engine.PartError](err); ok {
			path = part.Part + ".limits"
		}
		for _, src := range p.sources {
			if src.path != path {
				continue
			}
			if name, v := src.sent.field(e.Limit); v != nil && fromMs(e.Limit, *v) == e.Value {
				return fmt.Sprintf("%s.%s %d exceeds the server maximum %d", src.path, name, *v, toMs(e.Limit, e.Max))
			}
		}
	}
	return v1LimitMessage(e, p.clamped)
}

// holdJudgeResult is holdResult for a judge result.
func (s *server) holdJudgeResult(res *engine.JudgeResult) (func(), bool) {
	return s.holdBytes(judgeResultBytes(res))
}

// judgeResultBytes is the memory a judge result's output holds.
func judgeResultBytes(res *engine.JudgeResult) int64 {
	n := stageBytes(res.Compile)
	for i := range res.Tests {
		t := &res.Tests[i]
		n += int64(cap(t.Stdout) + cap(t.Stderr) + len(t.CheckerMessage) + len(t.Message))
	}
	return n
}

// The dialects judged submissions are counted by (metrics).
const (
	dialectV1Judge          = "v1-judge"
	dialectV1JudgeWebSocket = "v1-judge-websocket"
)
