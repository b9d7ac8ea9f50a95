package api

// The work behind an asynchronous submission: what is queued (a job of a
// kind, for a client), and the worker's run of it, whose result the store
// keeps. A submission is checked when it is submitted and parsed again
// when it runs: the queue holds the client's request as it came.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/engine"
)

// The kinds of submission: a v1 execute or judge body, and Judge0's.
const (
	kindExecute = "execute"
	kindJudge   = "judge"
	kindJudge0  = "judge0"
)

// submissionJob is what the queue carries for one submission.
type submissionJob struct {
	Kind string `json:"kind"`
	// Client is whom it runs for: the admission gate's caps, quota and
	// languages apply to it as to a request that waits.
	Client  admission.Client `json:"client"`
	Request json.RawMessage  `json:"request"`
}

// submissionResult is the result the store keeps: the answer the
// synchronous route would have given, or why the job could not run (a
// client error found only when it ran, e.g. a language its key lost).
type submissionResult struct {
	Response json.RawMessage `json:"response,omitempty"`
	Code     int             `json:"code,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// busyRetry is how long a worker waits before it offers a job again to
// an engine whose queue is full or a client over its quota: a queued
// submission waits its turn instead of failing.
const busyRetry = 200 * time.Millisecond

// runSubmission is the store's handler: it runs one queued submission
// and returns the result to keep. An error leaves the job to be
// delivered again (the server is going down, or the engine failed).
func (s *server) runSubmission(ctx context.Context, id string, payload []byte) ([]byte, error) {
	var job submissionJob
	if err := json.Unmarshal(payload, &job); err != nil {
		// Not ours, or corrupted: no delivery will do better.
		return encodeResult(submissionResult{Code: http.StatusInternalServerError, Error: "unreadable submission: " + err.Error()})
	}
	ctx = admission.WithClient(ctx, job.Client)
	var res submissionResult
	var err error
	switch job.Kind {
	case kindExecute:
		res, err = s.runExecuteSubmission(ctx, job.Request)
	case kindJudge:
		res, err = s.runJudgeSubmission(ctx, job.Request)
	default:
		run, ok := s.runners[job.Kind]
		if !ok {
			return encodeResult(submissionResult{Code: http.StatusInternalServerError, Error: fmt.Sprintf("unknown submission kind %q", job.Kind)})
		}
		res, err = run(ctx, job.Request)
	}
	if err != nil {
		return nil, fmt.Errorf("submission %s: %w", id, err)
	}
	return encodeResult(res)
}

// submissionRunner runs a submission of a kind registered by a dialect
// (Judge0's), as runExecuteSubmission does for v1.
type submissionRunner func(ctx context.Context, request json.RawMessage) (submissionResult, error)

func encodeResult(r submissionResult) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode submission result: %w", err)
	}
	return b, nil
}

func (s *server) runExecuteSubmission(ctx context.Context, request json.RawMessage) (submissionResult, error) {
	job, clamped, err := s.parseJob(request)
	if err != nil {
		return submissionResult{Code: http.StatusBadRequest, Error: err.Error()}, nil
	}
	res, err := whenNotBusy(ctx, func() (*engine.Result, error) { return s.execute(ctx, dialectV1Async, job) })
	if err != nil {
		return s.failedSubmission(ctx, err, func() (int, string) { return s.executeError(ctx, err, clamped) })
	}
	dropOutput(res)
	var buf bytes.Buffer
	o := newJSONOut(&buf, resultBytes(res))
	writeExecuteResponse(o, res)
	if err := o.flush(); err != nil {
		return submissionResult{}, fmt.Errorf("encode execute result: %w", err)
	}
	return submissionResult{Response: buf.Bytes()}, nil
}

func (s *server) runJudgeSubmission(ctx context.Context, request json.RawMessage) (submissionResult, error) {
	judger, ok := s.exec.(engine.Judger)
	if !ok {
		return submissionResult{Code: http.StatusNotImplemented, Error: errNoJudge}, nil
	}
	p, err := s.parseJudge(request)
	if err != nil {
		return submissionResult{Code: http.StatusBadRequest, Error: err.Error()}, nil
	}
	res, err := whenNotBusy(ctx, func() (*engine.JudgeResult, error) { return s.judge(ctx, judger, dialectV1JudgeAsync, p.job) })
	if err != nil {
		return s.failedSubmission(ctx, err, func() (int, string) { return s.judgeError(ctx, err, p) })
	}
	var buf bytes.Buffer
	o := newJSONOut(&buf, judgeResultBytes(res))
	writeJudgeResponse(o, res)
	if err := o.flush(); err != nil {
		return submissionResult{}, fmt.Errorf("encode judge result: %w", err)
	}
	return submissionResult{Response: buf.Bytes()}, nil
}

// failedSubmission turns a job's error into the result to keep, or into
// an error when the job must run again (ctx ended: the server is going
// down; an internal failure may pass).
func (s *server) failedSubmission(ctx context.Context, err error, classify func() (int, string)) (submissionResult, error) {
	if ctx.Err() != nil {
		return submissionResult{}, err
	}
	code, msg := classify()
	if code == 0 || code >= http.StatusInternalServerError {
		return submissionResult{}, err
	}
	return submissionResult{Code: code, Error: msg}, nil
}

// whenNotBusy runs run, again after a pause each time the engine's queue
// is full, the engine cannot run it now (a cluster without a worker) or
// the client is over its CPU quota, until ctx ends.
func whenNotBusy[T any](ctx context.Context, run func() (T, error)) (T, error) {
	for {
		res, err := run()
		var quota *admission.QuotaError
		busy := errors.Is(err, engine.ErrQueueFull) || errors.Is(err, engine.ErrUnavailable)
		if !busy && !errors.As(err, &quota) {
			return res, err
		}
		wait := busyRetry
		if quota != nil && quota.RetryAfter > wait {
			wait = quota.RetryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, err
		case <-t.C:
		}
	}
}
