package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/internal/engine"
)

// TestExecuteNetworkField: "network" reaches the job as a boolean (absent
// and null are false); anything else is a 400 naming it, and the engine's
// refusal on a server without network is a 400 with its message.
func TestExecuteNetworkField(t *testing.T) {
	const files = `"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":""}]`
	for body, want := range map[string]bool{
		`{` + files + `}`:                   false,
		`{` + files + `,"network":null}`:    false,
		`{` + files + `,"network":false}`:   false,
		`{` + files + `,"network":true}`:    true,
		`{"network":true,` + files + `}`:    true,
		`{` + files + `,"Network":true}`:    true, // encoding/json's case folding, as for every field
		`{` + files + `,"network ":true}`:   false,
		`{` + files + `,"networks":[true]}`: false,
	} {
		exec := &fakeExec{}
		rec := do(t, newTestHandler(exec), "POST", "/api/v1/execute", body)
		checkJSON(t, rec, http.StatusOK)
		if got := exec.lastJob(t).Network; got != want {
			t.Errorf("%s: job.Network %v, want %v", body, got, want)
		}
	}
	for _, v := range []string{`"true"`, `1`, `{}`, `[true]`} {
		rec := do(t, newTestHandler(&fakeExec{}), "POST", "/api/v1/execute", `{`+files+`,"network":`+v+`}`)
		checkJSON(t, rec, http.StatusBadRequest)
		if !strings.Contains(rec.Body.String(), `"network must be a boolean, not `) {
			t.Errorf("network %s: %s", v, rec.Body)
		}
	}
	exec := &fakeExec{fn: func(context.Context, engine.Job) (*engine.Result, error) {
		return nil, engine.ErrNetworkDisabled
	}}
	rec := do(t, newTestHandler(exec), "POST", "/api/v1/execute", `{`+files+`,"network":true}`)
	checkJSON(t, rec, http.StatusBadRequest)
	var e errorResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error != engine.ErrNetworkDisabled.Error() {
		t.Errorf("network refused: %s", rec.Body)
	}
}
