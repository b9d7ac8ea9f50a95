package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

func FuzzExecuteRequest(f *testing.F) {
	for _, seed := range []string{
		helloBody,
		`{"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"\u00ff"}],"stdin":"x","args":["a"],"limits":{"wallTimeMs":1000,"memoryBytes":1}}`,
		`{"language":"cobol","entrypoint":"a","files":[{"name":"a","content":""}]}`,
		`{"language":"python3","entrypoint":"a","files":[{"name":"a/../b","content":""}]}`,
		`{"language":"python3","entrypoint":"a","files":[{"name":"a","content":""}],"limits":{"wallTimeMs":9000000000000000}}`,
		`{"language":"python3","entrypoint":"a","files":[null,{"name":1}],"limits":{"cpuTimeMs":-1}}`,
		`[[[[[[[[[[]]]]]]]]]]`,
		`null`,
		``,
		`{"files":"x"}garbage`,
	} {
		f.Add([]byte(seed))
	}
	// Small bounds so the fuzzer reaches the 413 and too-many-files paths.
	h := New(&fakeExec{}, Options{MaxBodyBytes: 512, MaxFiles: 3, Logger: quietLogger()})
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/api/v1/execute", bytes.NewReader(body))
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
		if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
			t.Fatalf("Content-Type %q", ct)
		}
	})
}
