package api

// The worker's side of a Judge0 submission: its runs through the
// executor (the admission gate applies: the worker put the client on
// ctx), and the callback body of a finished one.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/judge0"
	"github.com/coderacer/coderacer/internal/store"
)

// runJudge0Submission runs a queued record number_of_runs times, up to
// the first run that is not Accepted, and keeps Judge0's result.
func (s *server) runJudge0Submission(ctx context.Context, request json.RawMessage) (submissionResult, error) {
	var rec judge0.Record
	if err := json.Unmarshal(request, &rec); err != nil {
		return submissionResult{Code: http.StatusInternalServerError, Error: "unreadable Judge0 submission: " + err.Error()}, nil
	}
	var files []judge0.File
	if rec.AdditionalFiles != nil {
		var err error
		if files, err = judge0.Unzip(rec.AdditionalFiles, s.opts.Judge0.Zip); err != nil {
			return submissionResult{Code: http.StatusBadRequest, Error: "additional_files " + err.Error()}, nil
		}
	}
	job := rec.Job(files)
	var runs []*engine.Result
	for i := 0; i < max(rec.NumberOfRuns, 1); i++ {
		res, err := whenNotBusy(ctx, func() (*engine.Result, error) { return s.execute(ctx, dialectJudge0, job) })
		if err != nil {
			return s.failedSubmission(ctx, err, func() (int, string) { return s.executeError(ctx, err, nil) })
		}
		runs = append(runs, res)
		if !judge0.RunOutcome(res, &rec).Accepted() {
			break
		}
		if i+1 < rec.NumberOfRuns {
			runs[i] = measures(res) // only the last run's output is shown
		}
	}
	b, err := json.Marshal(judge0.Summarize(runs, &rec))
	if err != nil {
		return submissionResult{}, fmt.Errorf("encode Judge0 result: %w", err)
	}
	return submissionResult{Response: b}, nil
}

// measures is a run without its output: what averaging needs.
func measures(res *engine.Result) *engine.Result {
	out := &engine.Result{Language: res.Language, Version: res.Version, Status: res.Status}
	if res.Run != nil {
		out.Run = &engine.StageResult{Status: res.Run.Status, CPUTime: res.Run.CPUTime,
			WallTime: res.Run.WallTime, Memory: res.Run.Memory}
	}
	return out
}

// judge0CallbackBody is what Judge0 PUTs to a callback_url: the default
// fields, base64.
func judge0CallbackBody(st store.State, meta submissionMeta) ([]byte, error) {
	v, ok := judge0View(st, meta)
	if !ok {
		return nil, fmt.Errorf("submission %s is not a Judge0 submission", st.Token)
	}
	out, err := judge0.Render(v, judge0.DefaultFields(), true)
	if err != nil {
		return nil, err
	}
	return json.Marshal(out)
}
