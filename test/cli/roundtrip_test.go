package cli

// The client's types against the server's real answers: each answer
// decodes with no field unknown to the client, and encodes back to the
// same JSON value.

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/coderacer/coderacer/client"
	"github.com/coderacer/coderacer/test/testserver"
)

// roundTrip decodes body strictly into v and requires it to encode back
// to the same JSON value; it returns v.
func roundTrip[T any](t *testing.T, what string, body []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, testserver.Shorten(string(body), 2000))
	}
	again, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var want, got any
	if err := json.Unmarshal(body, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(again, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Errorf("%s does not round-trip:\nserver %s\nclient %s", what, testserver.Shorten(string(body), 3000), testserver.Shorten(string(again), 3000))
	}
	return v
}

// answer sends one request and requires the status.
func answer(t *testing.T, method, path string, body any, status int) []byte {
	t.Helper()
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			t.Fatal(err)
		}
	}
	code, _, got := testserver.Do(t, srv, method, path, data)
	if code != status {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, code, status, testserver.Shorten(string(got), 2000))
	}
	return got
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func cRequest(src string) *client.ExecuteRequest {
	return &client.ExecuteRequest{Language: "c", Entrypoint: "main.c", Files: []client.File{{Name: "main.c", Content: src}}}
}

func TestTypesRoundTrip(t *testing.T) {
	executes := map[string]*client.ExecuteRequest{
		"OK":         pyRequest("print('ok')"),
		"RE":         pyRequest("import sys; sys.exit(2)"),
		"TLE":        {Language: "python3", Entrypoint: "main.py", Files: []client.File{{Name: "main.py", Content: "while True: pass"}}, Limits: &client.Limits{WallTimeMs: 300, CPUTimeMs: 200}},
		"CE":         cRequest("int main(void) { return z; }"),
		"compiled":   cRequest("int main(void) { return 0; }"),
		"compiled 2": cRequest("int main(void) { return 0; }"), // from the compile cache
	}
	for _, name := range []string{"OK", "RE", "TLE", "CE", "compiled", "compiled 2"} {
		res := roundTrip[client.ExecuteResponse](t, "execute "+name, answer(t, http.MethodPost, "/api/v1/execute", executes[name], 200))
		if want := map[string]string{"compiled": "OK", "compiled 2": "OK"}[name]; res.Status != cmpOr(want, name) {
			t.Errorf("execute %s: status %s", name, res.Status)
		}
		if name == "compiled 2" && (res.Compile == nil || !res.Compile.Cached) {
			t.Errorf("the second compile was not cached: %+v", res.Compile)
		}
	}
	judge := &client.JudgeRequest{Language: "c", Entrypoint: "main.c",
		Files: []client.File{{Name: "main.c", Content: "#include <stdio.h>\nint main(void){int a;scanf(\"%d\",&a);printf(\"%d\\n\",a*2);return a==3;}"}},
		Tests: []client.JudgeTest{{Stdin: "1", ExpectedOutput: "2"}, {Stdin: "2", ExpectedOutput: "5"}, {Stdin: "3", ExpectedOutput: "6"}}}
	jr := roundTrip[client.JudgeResponse](t, "judge", answer(t, http.MethodPost, "/api/v1/judge", judge, 200))
	if jr.Status != "WA" || len(jr.Tests) != 3 || jr.Tests[2].Verdict != "RE" {
		t.Errorf("judge %+v", jr)
	}

	sub := roundTrip[client.Submission](t, "submission", answer(t, http.MethodPost, "/api/v1/submissions?wait=true", client.SubmissionRequest{Execute: executes["OK"]}, 200))
	roundTrip[client.ExecuteResponse](t, "submission's result", sub.Result)
	roundTrip[client.Submission](t, "GET submission", answer(t, http.MethodGet, "/api/v1/submissions/"+sub.Token, nil, 200))
	jsub := roundTrip[client.Submission](t, "judge submission", answer(t, http.MethodPost, "/api/v1/submissions?wait=true", client.SubmissionRequest{Judge: judge}, 200))
	roundTrip[client.JudgeResponse](t, "judge submission's result", jsub.Result)
	batch := answer(t, http.MethodPost, "/api/v1/submissions/batch", map[string]any{"submissions": []client.SubmissionRequest{{Execute: executes["OK"]}, {Execute: &client.ExecuteRequest{Language: "python3"}}}}, 202)
	items := roundTrip[struct {
		Submissions []client.BatchItem `json:"submissions"`
	}](t, "batch", batch)
	if len(items.Submissions) != 2 || items.Submissions[1].ErrorCode != 400 {
		t.Errorf("batch %+v", items)
	}
	roundTrip[struct {
		Submissions []client.Submission `json:"submissions"`
	}](t, "batch read", answer(t, http.MethodGet, "/api/v1/submissions/batch?tokens="+sub.Token+",nope", nil, 200))

	roundTrip[[]client.Runtime](t, "runtimes", answer(t, http.MethodGet, "/api/v1/runtimes", nil, 200))
	roundTrip[client.Cluster](t, "cluster", answer(t, http.MethodGet, "/api/v1/cluster", nil, 200))
	roundTrip[client.Health](t, "health", answer(t, http.MethodGet, "/api/v1/health", nil, 200))
	roundTrip[client.Ready](t, "ready", answer(t, http.MethodGet, "/api/v1/ready", nil, 200))
}
