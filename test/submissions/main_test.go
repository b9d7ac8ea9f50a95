// Package submissions holds the end-to-end tests of asynchronous
// submissions (/api/v1/submissions): they build the real coderacer
// binary, start `coderacer serve` as root with the real sandbox and its
// embedded NATS JetStream store, and talk to it over HTTP only. The
// durability tests kill a server (SIGKILL, and SIGTERM) with submissions
// queued and running, start another on the same data directory and
// require every accepted submission to end once, with its own result.
// Nothing is mocked.
package submissions

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// srv is the shared server: two sandboxes and two submission workers, so
// that two long jobs hold every worker and a third one stays queued.
var srv *testserver.Server

// sharedWait is the shared server's bound on ?wait=true.
const sharedWait = 2 * time.Second

func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "submissions",
		Env: map[string]string{
			"CODERACER_PARALLELISM":        "2",
			"CODERACER_SUBMISSION_WORKERS": "2",
			"CODERACER_SUBMISSION_WAIT":    sharedWait.String(),
		},
	}, func(s *testserver.Server) error { srv = s; return nil }))
}

// View is the v1 answer about a submission.
type View struct {
	Token      string          `json:"token"`
	Kind       string          `json:"kind"`
	Status     string          `json:"status"`
	Result     json.RawMessage `json:"result"`
	Error      string          `json:"error"`
	ErrorCode  int             `json:"errorCode"`
	CreatedAt  *time.Time      `json:"createdAt"`
	StartedAt  *time.Time      `json:"startedAt"`
	FinishedAt *time.Time      `json:"finishedAt"`
}

func (v View) over() bool { return v.Status == "done" || v.Status == "cancelled" }

// execResult decodes a done execute submission's result.
func (v View) execResult(t testing.TB) testserver.Response {
	t.Helper()
	var r testserver.Response
	if err := json.Unmarshal(v.Result, &r); err != nil || string(v.Result) == "null" {
		t.Fatalf("submission %s: result is not an execute answer (%v): %s", v.Token, err, testserver.Shorten(string(v.Result), 1000))
	}
	return r
}

// encode turns a request (a struct, or raw JSON as string or []byte)
// into a body.
func encode(t testing.TB, req any) []byte {
	t.Helper()
	switch v := req.(type) {
	case []byte:
		return v
	case string:
		return []byte(v)
	}
	b, err := json.Marshal(req)
	if err != nil {
		t.Fatalf("encoding the request: %v", err)
	}
	return b
}

// post sends a body to POST /api/v1/submissions (query may be "" or
// "?wait=true") and returns the status and the raw answer.
func post(t testing.TB, s *testserver.Server, query string, req any) (int, []byte) {
	t.Helper()
	status, _, data := testserver.Do(t, s, http.MethodPost, "/api/v1/submissions"+query, encode(t, req))
	return status, data
}

// submit posts req and requires a 202 with a token.
func submit(t testing.TB, s *testserver.Server, req any) string {
	t.Helper()
	token, err := trySubmit(s, encode(t, req))
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// trySubmit posts body and returns its token; anything but a 202 with a
// token is an error. It may run outside the test's goroutine.
func trySubmit(s *testserver.Server, body []byte) (string, error) {
	resp, err := http.Post(s.URL+"/api/v1/submissions", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", fmt.Errorf("POST /api/v1/submissions: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", fmt.Errorf("POST /api/v1/submissions: reading the answer: %w", err)
	}
	var tok struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(data, &tok) != nil || tok.Token == "" {
		return "", fmt.Errorf("POST /api/v1/submissions: want 202 with a token, got %d: %s", resp.StatusCode, testserver.Shorten(string(data), 2000))
	}
	return tok.Token, nil
}

// decodeView decodes a submission answer.
func decodeView(t testing.TB, what string, status int, data []byte) View {
	t.Helper()
	var v View
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s answered %d with a body that is not a submission (%v): %s", what, status, err, testserver.Shorten(string(data), 2000))
	}
	return v
}

// get reads one submission and requires a 200.
func get(t testing.TB, s *testserver.Server, token string) View {
	t.Helper()
	status, _, data := testserver.Do(t, s, http.MethodGet, "/api/v1/submissions/"+token, nil)
	if status != http.StatusOK {
		t.Fatalf("GET /api/v1/submissions/%s: want 200, got %d: %s", token, status, testserver.Shorten(string(data), 2000))
	}
	return decodeView(t, "GET /api/v1/submissions/"+token, status, data)
}

// getBatch reads the submissions of tokens (at most the batch bound) in
// one request and requires a 200 listing them in order.
func getBatch(t testing.TB, s *testserver.Server, tokens []string) []View {
	t.Helper()
	path := "/api/v1/submissions/batch?tokens=" + url.QueryEscape(strings.Join(tokens, ","))
	status, _, data := testserver.Do(t, s, http.MethodGet, path, nil)
	var out struct {
		Submissions []View `json:"submissions"`
	}
	if status != http.StatusOK || json.Unmarshal(data, &out) != nil || len(out.Submissions) != len(tokens) {
		t.Fatalf("GET %s: want 200 with %d submissions, got %d: %s", path, len(tokens), status, testserver.Shorten(string(data), 2000))
	}
	for i, v := range out.Submissions {
		if v.Token != tokens[i] {
			t.Fatalf("GET %s: submission %d is %q, want %q (order)", path, i, v.Token, tokens[i])
		}
	}
	return out.Submissions
}

// getAll reads many submissions, 20 a request.
func getAll(t testing.TB, s *testserver.Server, tokens []string) []View {
	t.Helper()
	var all []View
	for i := 0; i < len(tokens); i += 20 {
		all = append(all, getBatch(t, s, tokens[i:min(i+20, len(tokens))])...)
	}
	return all
}

// waitStatus polls a submission until its status is one of want, at most
// d; it fails the test past d.
func waitStatus(t testing.TB, s *testserver.Server, token string, d time.Duration, want ...string) View {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		v := get(t, s, token)
		for _, w := range want {
			if v.Status == w {
				return v
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("submission %s is still %s after %v, want %v", token, v.Status, d, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// errorBody requires a JSON object with a non-empty "error" and returns
// it.
func errorBody(t testing.TB, what string, status int, data []byte) string {
	t.Helper()
	var e struct {
		Error string `json:"error"`
	}
	if err := json.Unmarshal(data, &e); err != nil || e.Error == "" {
		t.Errorf("%s answered %d without a JSON error: %s", what, status, testserver.Shorten(string(data), 1000))
	}
	return e.Error
}

// python is a python3 request; wall is its wall-time limit (0: default).
func python(src string, wall time.Duration) testserver.Request {
	r := testserver.Python(src)
	if wall > 0 {
		r.Limits = &testserver.Limits{WallTimeMs: wall.Milliseconds()}
	}
	return r
}

// sleeper prints marker after sleeping d.
func sleeper(d time.Duration, marker string) testserver.Request {
	return python(fmt.Sprintf("import time\ntime.sleep(%g)\nprint(%q)\n", d.Seconds(), marker), d+5*time.Second)
}

// startOwn starts a server of this suite's binary on dataDir (Env
// CODERACER_DATA_DIR) and waits for it to be healthy; it is stopped
// (SIGTERM, so that it removes its cgroups) when the test ends if it
// still runs.
func startOwn(t *testing.T, name, dataDir string, env map[string]string) *testserver.Server {
	t.Helper()
	e := map[string]string{"CODERACER_DATA_DIR": dataDir}
	for k, v := range env {
		e[k] = v
	}
	s, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: name, Env: e})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s server log (%s), last 16 KiB:\n%s", name, s.LogPath, s.LogTail(16<<10))
		}
		if !s.HasExited() {
			if err := s.Stop(testserver.StopTimeout); err != nil {
				t.Errorf("at the end of the test: %v", err)
			}
		}
	})
	if err := s.WaitHealthy(testserver.HealthTimeout); err != nil {
		t.Fatal(err)
	}
	// Health comes before the start-up's version probes end, and a job
	// may wait for them: the tests time their jobs from a server whose
	// runtimes are known (the list waits for the probes).
	testserver.Runtimes(t, s)
	return s
}
