package testserver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

const okExecute = `{"language":"python3","version":"3.11.2","stdout":"hi\n","stderr":"",` +
	`"executionTime":"12.5ms","preparationTime":"800µs","exitCode":0,"signal":"","status":"OK",` +
	`"cpuTime":"10ms","wallTime":"12.5ms","memory":3145728,"stdoutTruncated":false,"stderrTruncated":false,` +
	`"timings":{"queue":"0s","preparation":"800µs","compile":"0s","run":"12.5ms","setup":"1ms","collection":"1ms"}}`

// okV2 is a Piston answer with every nullable field null, which
// kin-openapi's 3.0 validator (used for 3.1 schemas with $refs and no
// 2020-only keyword) rejects unless "null" is among the types.
const okV2 = `{"language":"python","version":"3.11.2","run":{"stdout":"1\n","stderr":"","output":"1\n",` +
	`"code":0,"signal":null,"message":null,"status":null,"cpu_time":11,"wall_time":11,"memory":14163968}}`

func jsonHeader(id bool) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	if id {
		h.Set("X-Request-Id", "abc-123")
	}
	return h
}

// TestValidatorCatchesDrift: answers the document allows pass; each kind
// of drift fails with a message naming the request, status and violation.
func TestValidatorCatchesDrift(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	busy := http.Header{"Content-Type": {"application/json"}, "Retry-After": {"1"}}
	for _, c := range []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		wantErr            string // "" for valid
	}{
		{"execute 200", "POST", "/api/v1/execute", 200, jsonHeader(true), okExecute, ""},
		{"execute 400", "POST", "/api/v1/execute", 400, jsonHeader(true), `{"error":"language is required"}`, ""},
		{"missing field", "POST", "/api/v1/execute", 200, jsonHeader(true), strings.Replace(okExecute, `"stderr":"",`, "", 1), "stderr"},
		{"extra field", "POST", "/api/v1/execute", 200, jsonHeader(true), strings.Replace(okExecute, `"stderr":""`, `"stderr":"","new":1`, 1), "new"},
		{"bad status", "POST", "/api/v1/execute", 200, jsonHeader(true), strings.Replace(okExecute, `"OK"`, `"WAT"`, 1), "status"},
		{"bad duration", "POST", "/api/v1/execute", 200, jsonHeader(true), strings.Replace(okExecute, `"10ms"`, `"10"`, 1), "cpuTime"},
		{"no request id", "POST", "/api/v1/execute", 200, jsonHeader(false), okExecute, "X-Request-Id"},
		{"undocumented status", "POST", "/api/v1/execute", 418, jsonHeader(true), `{"error":"teapot"}`, "418"},
		{"v1 shape on v2", "POST", "/api/v2/execute", 400, jsonHeader(true), `{"error":"bad"}`, "message"},
		{"v2 200", "POST", "/api/v2/execute", 200, jsonHeader(true), okV2, ""},
		{"v2 bad status", "POST", "/api/v2/execute", 200, jsonHeader(true), strings.Replace(okV2, `"status":null`, `"status":"OK"`, 1), "status"},
		{"v2 400", "POST", "/api/v2/execute", 400, jsonHeader(true), `{"message":"bad"}`, ""},
		{"503 without Retry-After", "POST", "/api/v1/execute", 503, jsonHeader(true), `{"error":"busy"}`, "Retry-After"},
		{"connection limit", "GET", "/api/v1/runtimes", 503, busy, `{"error":"busy","message":"busy"}`, ""},
		{"unknown path", "GET", "/nope", 404, jsonHeader(true), `{"error":"not found"}`, ""},
		// A literal path wins over a template (map order must not matter).
		{"batch read", "GET", "/api/v1/submissions/batch", 200, jsonHeader(true), `{"submissions":[{"token":"x","status":"unknown","result":null}]}`, ""},
		{"unknown v2 path", "GET", "/api/v2/nope", 404, jsonHeader(true), `{"error":"not found"}`, "message"},
		{"unknown path 200", "GET", "/nope", 200, jsonHeader(true), `{}`, "200"},
		{"405 without Allow", "GET", "/api/v1/execute", 405, jsonHeader(true), `{"error":"method not allowed"}`, "Allow"},
		{"HEAD", "HEAD", "/api/v1/runtimes", 200, jsonHeader(true), "", ""},
		{"HEAD undocumented status", "HEAD", "/api/v1/runtimes", 418, jsonHeader(true), "", "418"},
		{"docs asset", "GET", "/docs/docs.js", 200, http.Header{"Content-Type": {"text/javascript; charset=utf-8"}, "X-Request-Id": {"x"}}, "1;", ""},
	} {
		req := httptest.NewRequest(c.method, c.path, nil)
		err := v.Check(req, c.status, c.header, []byte(c.body))
		switch {
		case c.wantErr == "" && err != nil:
			t.Errorf("%s: want valid, got %v", c.name, err)
		case c.wantErr != "" && err == nil:
			t.Errorf("%s: want a violation about %s, got none", c.name, c.wantErr)
		case c.wantErr != "" && !(strings.Contains(err.Error(), c.wantErr) &&
			strings.Contains(err.Error(), c.method+" "+c.path) && strings.Contains(err.Error(), "answered")):
			t.Errorf("%s: the violation does not name %q, the request and the status: %v", c.name, c.wantErr, err)
		}
	}
	found, checked := v.Violations()
	total := 0
	for _, n := range checked {
		total += n
	}
	if total != 22 || checked[200] != 12 || len(found) != 13 {
		t.Errorf("Violations: %d checked (%v), %d found; want 22 (12 of 200) and 13", total, checked, len(found))
	}
}

// TestValidatingTransport: a body that does not validate makes its
// reader's last read fail with the violation.
func TestValidatingTransport(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "id")
		if r.URL.Path == "/api/v1/health" {
			io.WriteString(w, `{"status":"ok"}`)
			return
		}
		io.WriteString(w, `[{"language":"c"}]`) // a runtime without its fields
	}))
	defer ts.Close()
	c := &http.Client{Transport: &ValidatingTransport{Next: http.DefaultTransport, Validator: v,
		Watch: func(*http.Request) bool { return true }}}
	for path, wantErr := range map[string]bool{"/api/v1/health": false, "/api/v1/runtimes": true} {
		resp, err := c.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		if (err != nil) != wantErr {
			t.Errorf("GET %s: read error %v, want an error: %v", path, err, wantErr)
		}
	}
}

// TestValidatingTransportDecoder: a body read by a JSON decoder, which
// may stop before EOF, is still validated whole when it is closed.
func TestValidatingTransportDecoder(t *testing.T) {
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "id")
		io.WriteString(w, `{"status":"fine"}`) // not a status health answers
	}))
	defer ts.Close()
	c := &http.Client{Transport: &ValidatingTransport{Next: http.DefaultTransport, Validator: v,
		Watch: func(*http.Request) bool { return true }}}
	resp, err := c.Get(ts.URL + "/api/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	var h struct{ Status string }
	if err := json.NewDecoder(resp.Body).Decode(&h); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if found, _ := v.Violations(); len(found) != 1 || !strings.Contains(found[0], "status") {
		t.Fatalf("want one violation about status, got %q", found)
	}
}
