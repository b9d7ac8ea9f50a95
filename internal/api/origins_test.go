package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOrigins(t *testing.T) {
	body := `{"language":"python3","entrypoint":"a.py","files":[{"name":"a.py","content":""}]}`
	send := func(h http.Handler, method, origin string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://engine.internal:8000/api/v1/execute", strings.NewReader(body))
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	closed := New(&fakeExec{}, Options{Logger: quietLogger()})
	open := New(&fakeExec{}, Options{Logger: quietLogger(), AllowedOrigins: []string{"https://judge.example.org"}})

	if rec := send(closed, "POST", "", nil); rec.Code != http.StatusOK {
		t.Errorf("no Origin (curl, SDKs): %d", rec.Code)
	}
	if rec := send(closed, "POST", "http://engine.internal:8000", nil); rec.Code != http.StatusOK {
		t.Errorf("the server's own origin: %d", rec.Code)
	}
	exec := &fakeExec{}
	h := New(exec, Options{Logger: quietLogger()})
	rec := send(h, "POST", "https://evil.example", nil)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "CODERACER_ALLOWED_ORIGINS") {
		t.Errorf("another origin: %d %s, want 403 naming the setting", rec.Code, rec.Body)
	}
	if len(exec.jobs) != 0 {
		t.Errorf("a refused origin's job ran")
	}
	if rec := send(open, "POST", "https://evil.example", nil); rec.Code != http.StatusForbidden {
		t.Errorf("an origin not in the list: %d", rec.Code)
	}
	rec = send(open, "POST", "https://judge.example.org", nil)
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "https://judge.example.org" {
		t.Errorf("an allowed origin: %d, Allow-Origin %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
	rec = send(open, "OPTIONS", "https://judge.example.org", map[string]string{"Access-Control-Request-Method": "POST"})
	if rec.Code != http.StatusNoContent || !strings.Contains(rec.Header().Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d %v", rec.Code, rec.Header())
	}
	star := New(&fakeExec{}, Options{Logger: quietLogger(), AllowedOrigins: []string{"*"}})
	if rec := send(star, "POST", "https://anyone.example", nil); rec.Code != http.StatusOK {
		t.Errorf("*: %d", rec.Code)
	}
}
