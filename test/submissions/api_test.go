package submissions

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestWaitTrue: ?wait=true answers 200 with the submission once it is
// done, its result the answer /api/v1/execute gives.
func TestWaitTrue(t *testing.T) {
	marker := "wait-" + testserver.RandomHex(8)
	status, data := post(t, srv, "?wait=true", testserver.Python("print("+jsonString(marker)+")"))
	if status != http.StatusOK {
		t.Fatalf("POST ?wait=true: want 200, got %d: %s", status, data)
	}
	v := decodeView(t, "POST ?wait=true", status, data)
	if v.Status != "done" || v.Kind != "execute" || v.Token == "" || v.Error != "" {
		t.Fatalf("want a done execute submission with a token and no error, got %s", data)
	}
	r := v.execResult(t)
	if r.Status != "OK" || r.Stdout != marker+"\n" || r.Language != "python3" {
		t.Fatalf("result: want status OK, stdout %q, language python3; got %s", marker+"\n", r.String())
	}
	if v.CreatedAt == nil || v.StartedAt == nil || v.FinishedAt == nil ||
		v.StartedAt.Before(*v.CreatedAt) || v.FinishedAt.Before(*v.StartedAt) {
		t.Errorf("times: want createdAt ≤ startedAt ≤ finishedAt, all set; got %s", data)
	}
	// GET gives the same submission, the same result, again and again.
	for range 2 {
		again := get(t, srv, v.Token)
		if again.Status != "done" || string(again.Result) != string(v.Result) || !again.FinishedAt.Equal(*v.FinishedAt) {
			t.Fatalf("GET after done: the submission changed:\nfirst %s\nthen  %+v", data, again)
		}
	}
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// TestWaitBound: past the server's wait bound (2 s here), ?wait=true
// answers 202 with the submission as it stands; it still finishes.
func TestWaitBound(t *testing.T) {
	marker := "bound-" + testserver.RandomHex(8)
	start := time.Now()
	status, data := post(t, srv, "?wait=true", sleeper(sharedWait+1500*time.Millisecond, marker))
	took := time.Since(start)
	if status != http.StatusAccepted {
		t.Fatalf("POST ?wait=true of a job longer than the bound: want 202, got %d after %v: %s", status, took, data)
	}
	if took < sharedWait-200*time.Millisecond || took > sharedWait+2*time.Second {
		t.Errorf("the 202 came after %v, want about the bound %v", took, sharedWait)
	}
	v := decodeView(t, "POST ?wait=true", status, data)
	if v.Token == "" || (v.Status != "queued" && v.Status != "running") || string(v.Result) != "null" {
		t.Fatalf("want the submission as it stands (queued or running, result null), got %s", data)
	}
	done := waitStatus(t, srv, v.Token, 15*time.Second, "done", "cancelled")
	if r := done.execResult(t); done.Status != "done" || r.Stdout != marker+"\n" {
		t.Fatalf("want done with stdout %q, got %+v: %s", marker+"\n", done, r.String())
	}
}

// TestJudgeKind: a judge body with "kind":"judge" runs as POST
// /api/v1/judge would, its verdicts in the result.
func TestJudgeKind(t *testing.T) {
	body := map[string]any{
		"kind": "judge", "language": "python3", "entrypoint": "main.py",
		"files": []map[string]string{{"name": "main.py", "content": "a, b = map(int, input().split())\nprint(a + b)\n"}},
		"tests": []map[string]string{
			{"name": "one", "stdin": "1 2\n", "expectedOutput": "3\n"},
			{"name": "two", "stdin": "2 2\n", "expectedOutput": "5\n"},
		},
	}
	token := submit(t, srv, body)
	v := waitStatus(t, srv, token, 30*time.Second, "done", "cancelled")
	var r struct {
		Status string `json:"status"`
		Passed int    `json:"passed"`
		Total  int    `json:"total"`
		Tests  []struct {
			Name, Verdict string
		} `json:"tests"`
	}
	if err := json.Unmarshal(v.Result, &r); err != nil || v.Kind != "judge" || v.Status != "done" {
		t.Fatalf("want a done judge submission with a judge result, got %+v (%v): %s", v, err, v.Result)
	}
	if r.Status != "WA" || r.Passed != 1 || r.Total != 2 || len(r.Tests) != 2 ||
		r.Tests[0].Verdict != "AC" || r.Tests[1].Verdict != "WA" {
		t.Fatalf("want WA, 1 of 2 passed (one AC, two WA), got %s", v.Result)
	}
}

// TestFailingProgram: a program that fails is a done submission whose
// result says so (not an error of the submission).
func TestFailingProgram(t *testing.T) {
	status, data := post(t, srv, "?wait=true", testserver.Python("import sys\nprint('x', file=sys.stderr)\nsys.exit(3)\n"))
	v := decodeView(t, "POST ?wait=true", status, data)
	if status != http.StatusOK || v.Status != "done" {
		t.Fatalf("want 200 done, got %d: %s", status, data)
	}
	if r := v.execResult(t); r.ExitCode != 3 || r.Stderr != "x\n" {
		t.Fatalf("want exit code 3 and stderr %q, got %s", "x\n", r.String())
	}
}

// TestUnknownToken: a well-formed token nobody was given is 404 to GET
// and DELETE, with a JSON error.
func TestUnknownToken(t *testing.T) {
	const token = "00000000-0000-4000-8000-000000000000"
	for _, method := range []string{http.MethodGet, http.MethodDelete} {
		status, _, data := testserver.Do(t, srv, method, "/api/v1/submissions/"+token, nil)
		if status != http.StatusNotFound {
			t.Errorf("%s of an unknown token: want 404, got %d: %s", method, status, data)
		}
		errorBody(t, method+" unknown token", status, data)
	}
}

// TestBadBodies: a submission the execute or judge route would refuse is
// refused at the door, 400 with a JSON error saying why.
func TestBadBodies(t *testing.T) {
	good := `"language":"python3","entrypoint":"main.py","files":[{"name":"main.py","content":"print(1)"}]`
	cases := []struct{ name, body, mention string }{
		{"not_json", `print("hi")`, ""},
		{"empty", ``, ""},
		{"array", `[1,2]`, ""},
		{"null", `null`, ""},
		{"truncated", `{"language":"python3",`, ""},
		{"wrong_kind", `{"kind":"compile",` + good + `}`, "kind"},
		{"kind_number", `{"kind":5,` + good + `}`, "kind"},
		{"judge0_kind", `{"kind":"judge0",` + good + `}`, "kind"},
		{"callback_number", `{"callbackUrl":5,` + good + `}`, "callbackUrl"},
		{"judge_without_tests", `{"kind":"judge",` + good + `}`, "tests"},
		{"unknown_language", `{"language":"cobol-9000","entrypoint":"a","files":[{"name":"a","content":"x"}]}`, "cobol-9000"},
		{"no_files", `{"language":"python3","entrypoint":"main.py","files":[]}`, ""},
		{"bad_limit", `{` + good + `,"limits":{"wallTimeMs":-5}}`, "wallTimeMs"},
	}
	for _, c := range cases {
		for _, query := range []string{"", "?wait=true"} {
			t.Run(c.name+query, func(t *testing.T) {
				status, data := post(t, srv, query, c.body)
				if status != http.StatusBadRequest {
					t.Fatalf("want 400, got %d: %s", status, testserver.Shorten(string(data), 1000))
				}
				msg := errorBody(t, "POST "+c.name, status, data)
				if c.mention != "" && !strings.Contains(msg, c.mention) {
					t.Errorf("the error %q does not mention %q", msg, c.mention)
				}
			})
		}
	}
}

// TestBadWait: ?wait takes true or false only.
func TestBadWait(t *testing.T) {
	for _, q := range []string{"?wait=maybe", "?wait=yes", "?wait=%00", "?wait=" + strings.Repeat("t", 5000)} {
		status, data := post(t, srv, q, testserver.Python("print(1)"))
		if status != http.StatusBadRequest {
			t.Errorf("POST %s: want 400, got %d: %s", testserver.Shorten(q, 40), status, testserver.Shorten(string(data), 500))
			continue
		}
		errorBody(t, "POST "+testserver.Shorten(q, 40), status, data)
	}
}

// TestHostileTokens: tokens that are not ours (too long, path tricks,
// NATS subject wildcards and separators) are not found, never a 500, and
// reach nothing else.
func TestHostileTokens(t *testing.T) {
	tokens := []string{
		strings.Repeat("a", 129),
		strings.Repeat("f", 20000),
		"..%2F..%2F..%2Fetc%2Fpasswd",
		"..",
		"%2E%2E",
		"a.b",
		"*",
		">",
		"coderacer.submissions",
		"%00",
		"%20",
		"a%0Db",
		"%E2%80%AE",
		"$JS.API.INFO",
		"KV_coderacer_submissions",
	}
	for _, tok := range tokens {
		for _, method := range []string{http.MethodGet, http.MethodDelete} {
			status, _, data := testserver.Do(t, srv, method, "/api/v1/submissions/"+tok, nil)
			if status != http.StatusNotFound && status != http.StatusBadRequest {
				t.Errorf("%s /api/v1/submissions/%s: want 404 (or 400), got %d: %s", method, testserver.Shorten(tok, 40), status, testserver.Shorten(string(data), 500))
				continue
			}
			errorBody(t, method+" "+testserver.Shorten(tok, 40), status, data)
		}
	}
	// In a batch read they are unknown, each in its place.
	batch := []string{"*", ">", "a.b", "..", "00000000-0000-4000-8000-000000000000"}
	for i, v := range getBatch(t, srv, batch) {
		if v.Status != "unknown" || string(v.Result) != "null" {
			t.Errorf("batch item %d (%q): want status unknown, result null, got %+v", i, batch[i], v)
		}
	}
}
