package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func FuzzJudgeRequest(f *testing.F) {
	for _, seed := range []string{
		judgeBody(`"tests":[{"stdin":"a","expectedOutput":"a"},{"name":"x","expectedOutput":"b","args":[],"files":[{"name":"f","content":"SECRET"}],"limits":{"cpuTimeMs":5},"points":2}]`),
		judgeBody(`"tests":[{}],"checker":{"language":"c","entrypoint":"c","files":[{"name":"c","content":""}],"protocol":"exitcode","limits":{"memoryBytes":1}}`),
		judgeBody(`"tests":[{}],"interactor":{"language":"c","entrypoint":"c","files":[{"name":"c","content":""}],"protocol":"testlib"}`),
		judgeBody(`"tests":[{"expectedOutput":""}],"compare":{"mode":"float","absTolerance":1e308,"relTolerance":-0},"outputPreviewBytes":0`),
		judgeBody(`"tests":[null,{"files":[null]}],"compare":{"mode":null}`),
		judgeBody(`"tests":[{"expectedOutput":"","limits":{"wallTimeMs":9000000000000000}}],"stopOnFirstFailure":true`),
		`{"tests":"x"}garbage`,
		`null`,
		``,
	} {
		f.Add([]byte(seed))
	}
	// Small bounds so the fuzzer reaches the 413 and the bounds' 400s.
	h := New(&fakeJudge{}, Options{MaxFiles: 3, Logger: quietLogger(),
		Judge: JudgeOptions{MaxBodyBytes: 1024, MaxTests: 4, MaxTestBytes: 64, MaxOutputPreviewBytes: 8}})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/v1/judge", bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusServiceUnavailable:
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("invalid JSON answer for %q: %q", body, rec.Body)
		}
		if rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), `"expectedOutput"`) {
			t.Fatalf("expectedOutput echoed: %s", rec.Body)
		}
	})
}
