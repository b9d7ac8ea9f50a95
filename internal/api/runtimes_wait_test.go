package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/engine"
)

// detectingExec is an executor still detecting its runtimes, as the local
// engine after a cold start: Runtimes waits until settled is closed.
type detectingExec struct {
	fakeExec
	settled chan struct{}
}

func (d *detectingExec) Runtimes() []engine.RuntimeInfo {
	<-d.settled
	return d.fakeExec.Runtimes()
}

// listingRoutes are the routes that list the runtimes, in each dialect,
// with a piece of their answer once the runtimes are known.
var listingRoutes = map[string]string{
	"/api/v1/runtimes":      `"version":"3.11.2"`,
	"/api/v2/runtimes":      `"version":"3.11.2"`,
	"/judge0/languages":     `Python (3.11.2)`,
	"/judge0/languages/all": `Python (3.11.2)`,
	"/judge0/languages/71":  `Python (3.11.2)`,
	"/judge0/config_info":   `allowed_languages_for_compile_options`,
}

// TestListingsWaitForDetection: health and readiness answer while the
// runtimes are detected; the lists wait until they are known, then name
// every runtime with its version.
func TestListingsWaitForDetection(t *testing.T) {
	exec := &detectingExec{settled: make(chan struct{})}
	h := newTestHandler(exec)
	for _, path := range []string{"/api/v1/health", "/api/v1/ready"} {
		checkJSON(t, do(t, h, "GET", path, ""), http.StatusOK)
	}
	type answer struct {
		path string
		rec  *httptest.ResponseRecorder
	}
	answers := make(chan answer, len(listingRoutes))
	for path := range listingRoutes {
		go func() { answers <- answer{path, do(t, h, "GET", path, "")} }()
	}
	select {
	case a := <-answers:
		t.Fatalf("GET %s answered %d before the runtimes were known: %s", a.path, a.rec.Code, a.rec.Body)
	case <-time.After(50 * time.Millisecond):
	}
	close(exec.settled)
	for range listingRoutes {
		a := <-answers
		body := checkJSON(t, a.rec, http.StatusOK)
		if !strings.Contains(body, listingRoutes[a.path]) {
			t.Errorf("GET %s: %s, want %s in it", a.path, body, listingRoutes[a.path])
		}
	}
}

// TestListingEndsWithRequest: a client that leaves while the runtimes
// are detected ends the wait; the answer is a 503 in the route's dialect.
func TestListingEndsWithRequest(t *testing.T) {
	exec := &detectingExec{settled: make(chan struct{})}
	defer close(exec.settled)
	h := newTestHandler(exec)
	for path, want := range map[string]string{"/api/v1/runtimes": `{"error":`, "/api/v2/runtimes": `{"message":`, "/judge0/languages": `{"error":`} {
		ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
		req := httptest.NewRequestWithContext(ctx, "GET", path, nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		cancel()
		if body := checkJSON(t, rec, http.StatusServiceUnavailable); !strings.HasPrefix(body, want) || rec.Header().Get("Retry-After") == "" {
			t.Errorf("GET %s after the client left: %s (Retry-After %q)", path, body, rec.Header().Get("Retry-After"))
		}
	}
}
