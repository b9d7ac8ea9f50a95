package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coderacer/coderacer/internal/engine"
)

// fakeExec stands in for the engine. Unless fn is set it behaves like the
// real one at the edges the API cares about: unknown languages and limits
// above the default policy's maxima are errors.
type fakeExec struct {
	mu       sync.Mutex
	jobs     []engine.Job
	fn       func(context.Context, engine.Job) (*engine.Result, error)
	runtimes []engine.RuntimeInfo
	notReady bool
}

var defaultRuntimes = []engine.RuntimeInfo{
	{Language: "python3", Version: "3.11.2", Aliases: []string{"python", "py"}},
	{Language: "go", Version: "1.26.8", Aliases: []string{"golang"}, Compiled: true},
	{Language: "bash", Version: "5.2.15"}, // nil aliases must still be []
}

func (f *fakeExec) Execute(ctx context.Context, job engine.Job) (*engine.Result, error) {
	f.mu.Lock()
	f.jobs = append(f.jobs, job)
	fn := f.fn
	f.mu.Unlock()
	if fn != nil {
		return fn(ctx, job)
	}
	if !slices.ContainsFunc(f.Runtimes(), func(r engine.RuntimeInfo) bool { return r.Language == job.Language }) {
		return nil, &engine.RuntimeNotFoundError{Language: job.Language}
	}
	if _, err := engine.DefaultRunPolicy().Resolve(engine.StageRun, job.RunLimits, engine.Limits{}); err != nil {
		return nil, err
	}
	if _, err := engine.DefaultCompilePolicy().Resolve(engine.StageCompile, job.CompileLimits, engine.Limits{}); err != nil {
		return nil, err
	}
	var out []byte
	for _, file := range job.Files {
		if file.Name == job.Entrypoint {
			out = file.Content
		}
	}
	return &engine.Result{
		Language: job.Language,
		Version:  "3.11.2",
		Status:   engine.StatusOK,
		Run:      &engine.StageResult{Stdout: out, Stderr: job.Stdin, Status: engine.StatusOK},
	}, nil
}

func (f *fakeExec) Runtimes() []engine.RuntimeInfo {
	if f.runtimes != nil {
		return f.runtimes
	}
	return defaultRuntimes
}

func (f *fakeExec) Ready() bool { return !f.notReady }

func (f *fakeExec) lastJob(t *testing.T) engine.Job {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.jobs) == 0 {
		t.Fatal("Execute was not called")
	}
	return f.jobs[len(f.jobs)-1]
}

func quietLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func newTestHandler(exec engine.Executor) http.Handler {
	return New(exec, Options{Logger: quietLogger()})
}

func do(t *testing.T, h http.Handler, method, target, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, target, rd)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// checkJSON asserts the answer is JSON with the right Content-Type and
// returns the body.
func checkJSON(t *testing.T, rec *httptest.ResponseRecorder, wantCode int) string {
	t.Helper()
	if rec.Code != wantCode {
		t.Fatalf("status %d, want %d; body %s", rec.Code, wantCode, rec.Body)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("body is not valid JSON: %q", rec.Body)
	}
	return rec.Body.String()
}

// checkError asserts an error answer and returns its message.
func checkError(t *testing.T, rec *httptest.ResponseRecorder, wantCode int) string {
	t.Helper()
	checkJSON(t, rec, wantCode)
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.DisallowUnknownFields()
	var e struct {
		Error *string `json:"error"`
	}
	if err := dec.Decode(&e); err != nil || e.Error == nil {
		t.Fatalf("body %q is not {\"error\": string} (%v)", rec.Body, err)
	}
	return *e.Error
}
