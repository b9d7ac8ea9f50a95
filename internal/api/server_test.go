package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestNotFound(t *testing.T) {
	h := newTestHandler(&fakeExec{})
	for _, target := range []string{"/api", "/api/v1", "/api/v1/execute/", "/api/v1/runtimes/x", "/favicon.ico"} {
		for _, method := range []string{"GET", "POST"} {
			got := checkError(t, do(t, h, method, target, ""), http.StatusNotFound)
			if got != "not found" {
				t.Errorf("%s %s: error %q", method, target, got)
			}
		}
	}
}

// TestPlaygroundMount: the playground's page is at / alone; a POST there
// is a 405 and an unknown file of it a JSON 404 (internal/playground).
func TestPlaygroundMount(t *testing.T) {
	h := newTestHandler(&fakeExec{})
	rec := do(t, h, "GET", "/", "")
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	if got := checkError(t, do(t, h, "POST", "/", ""), http.StatusMethodNotAllowed); got != "method not allowed" {
		t.Errorf("POST /: error %q", got)
	}
	if got := checkError(t, do(t, h, "GET", "/playground/x.js", ""), http.StatusNotFound); got != "not found" {
		t.Errorf("GET /playground/x.js: error %q", got)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := newTestHandler(&fakeExec{})
	tests := []struct{ method, target, allow string }{
		{"GET", "/api/v1/execute", "POST"},
		{"PUT", "/api/v1/execute", "POST"},
		{"DELETE", "/api/v1/runtimes", "GET, HEAD"},
		{"POST", "/api/v1/health", "GET, HEAD"},
	}
	for _, tt := range tests {
		rec := do(t, h, tt.method, tt.target, "")
		if got := checkError(t, rec, http.StatusMethodNotAllowed); got != "method not allowed" {
			t.Errorf("%s %s: error %q", tt.method, tt.target, got)
		}
		if got := rec.Header().Get("Allow"); got != tt.allow {
			t.Errorf("%s %s: Allow %q, want %q", tt.method, tt.target, got, tt.allow)
		}
	}
}

func TestUncleanPathRedirects(t *testing.T) {
	rec := do(t, newTestHandler(&fakeExec{}), "GET", "/api//v1/health", "")
	if rec.Code/100 != 3 || !strings.HasSuffix(rec.Header().Get("Location"), "/api/v1/health") {
		t.Errorf("got %d Location %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestHeadHealth(t *testing.T) {
	rec := do(t, newTestHandler(&fakeExec{}), "HEAD", "/api/v1/health", "")
	if rec.Code != http.StatusOK {
		t.Errorf("HEAD health: %d", rec.Code)
	}
}
