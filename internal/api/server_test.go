package api

import (
	"net/http"
	"strings"
	"testing"
)

func TestNotFound(t *testing.T) {
	h := newTestHandler(&fakeExec{})
	for _, target := range []string{"/", "/api", "/api/v1", "/api/v1/execute/", "/api/v1/runtimes/x", "/favicon.ico"} {
		for _, method := range []string{"GET", "POST"} {
			got := checkError(t, do(t, h, method, target, ""), http.StatusNotFound)
			if got != "not found" {
				t.Errorf("%s %s: error %q", method, target, got)
			}
		}
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
