package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/internal/engine"
)

func TestRequestIDs(t *testing.T) {
	var seen string
	exec := &fakeExec{fn: func(ctx context.Context, job engine.Job) (*engine.Result, error) {
		seen = engine.RequestID(ctx)
		return &engine.Result{Language: job.Language, Status: engine.StatusOK}, nil
	}}
	h := newTestHandler(exec)
	body := `{"language":"python3","entrypoint":"a.py","files":[{"name":"a.py","content":""}]}`
	for _, tc := range []struct {
		name, sent string
		keep       bool
	}{
		{"a client's uuid is kept", "3f2c7b9e-1d4a-4c1e-9a57-0c2f1e8b6d10", true},
		{"a trace id is kept", "00f067aa0ba902b7:span.1_x", true},
		{"none: one is made", "", false},
		{"a log line forged: replaced", "abc\" status=200 x=\"", false},
		{"a space: replaced", "a b", false},
		{"too long: replaced", strings.Repeat("a", maxRequestIDLen+1), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/execute", strings.NewReader(body))
			if tc.sent != "" {
				req.Header.Set(RequestIDHeader, tc.sent)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			got := rec.Header().Get(RequestIDHeader)
			switch {
			case tc.keep && got != tc.sent:
				t.Errorf("answer's id %q, want the client's %q", got, tc.sent)
			case !tc.keep && !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(got):
				t.Errorf("answer's id %q, want 16 hex digits made by the server", got)
			}
			if seen != got {
				t.Errorf("the engine saw id %q, the answer says %q", seen, got)
			}
		})
	}
	// Every answer has one, errors and unknown routes too.
	for _, target := range []string{"/nowhere", "/api/v1/health"} {
		if rec := do(t, h, "GET", target, ""); rec.Header().Get(RequestIDHeader) == "" {
			t.Errorf("GET %s: no %s", target, RequestIDHeader)
		}
	}
}

func TestReady(t *testing.T) {
	draining := false
	exec := &fakeExec{}
	h := New(exec, Options{Logger: quietLogger(), Draining: func() bool { return draining }})
	if got := checkJSON(t, do(t, h, "GET", "/api/v1/ready", ""), http.StatusOK); got != `{"status":"ready"}`+"\n" {
		t.Errorf("ready: %q", got)
	}
	exec.notReady = true
	if got := checkJSON(t, do(t, h, "GET", "/api/v1/ready", ""), http.StatusServiceUnavailable); got != `{"status":"starting"}`+"\n" {
		t.Errorf("starting: %q", got)
	}
	exec.notReady, draining = false, true
	if got := checkJSON(t, do(t, h, "GET", "/api/v1/ready", ""), http.StatusServiceUnavailable); got != `{"status":"draining"}`+"\n" {
		t.Errorf("draining: %q", got)
	}
	// Liveness stays up while draining: the process is fine.
	checkJSON(t, do(t, h, "GET", "/api/v1/health", ""), http.StatusOK)
}
