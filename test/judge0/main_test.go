// Package judge0 holds the end-to-end tests of the Judge0 CE dialect:
// they build the real coderacer binary, start `coderacer serve` as root
// with the real sandbox and the embedded NATS store, and talk to
// /judge0/... as Judge0's official Python SDK does (docs/judge0.md "How
// the SDK talks"): base64 in and out, wait=false, polling with fields=*
// until the status id is above 2. Nothing is mocked.
package judge0

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

var srv *testserver.Server

// adminToken is the server's X-Auth-User token.
const adminToken = "judge0-e2e-admin-token"

// callbackSecret signs the server's callbacks (callback_test.go).
const callbackSecret = "judge0-callback-secret"

func TestMain(m *testing.M) {
	os.Exit(testserver.Main(m, testserver.Options{
		Name: "judge0",
		Env: map[string]string{
			"CODERACER_PARALLELISM":       "2",
			"CODERACER_JUDGE0_AUTH_USERS": adminToken,
			// Callbacks reach the test's receiver on this host, signed.
			"CODERACER_CALLBACK_ALLOW":  "127.0.0.0/8",
			"CODERACER_CALLBACK_SECRET": callbackSecret,
		},
	}, func(s *testserver.Server) error { srv = s; return nil }))
}

// call sends one request to /judge0 + path with the SDK's headers (and
// extra ones) and returns the status and body. Its answer goes through
// http.DefaultClient, whose transport validates it against the OpenAPI
// document.
func call(t testing.TB, method, path string, body any, header ...string) (int, []byte) {
	t.Helper()
	return callServer(t, srv, method, path, body, header...)
}

// callServer is call to another server than the shared one.
func callServer(t testing.TB, s *testserver.Server, method, path string, body any, header ...string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+"/judge0"+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Judge0-App", "judge0-python")
	req.Header.Set("X-Judge0-App-Version", "0.0.8")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, data
}

// callJSON requires status want and decodes the body into out.
func callJSON(t testing.TB, method, path string, body any, want int, out any, header ...string) {
	t.Helper()
	status, data := call(t, method, path, body, header...)
	if status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, testserver.Shorten(string(data), 2000))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, testserver.Shorten(string(data), 2000))
		}
	}
}

// Submission is a POST /submissions body, texts already base64.
type Submission map[string]any

// sub makes a submission of src in language id, base64 as the SDK sends it.
func sub(id int, src string, more ...any) Submission {
	s := Submission{"language_id": id, "source_code": enc(src)}
	for i := 0; i+1 < len(more); i += 2 {
		s[more[i].(string)] = more[i+1]
	}
	return s
}

func enc(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// dec decodes a base64 attribute (Judge0's may hold line breaks); null is "".
func dec(t testing.TB, v any) string {
	t.Helper()
	if v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v is not a string", v)
	}
	b, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(s, "\n", ""))
	if err != nil {
		t.Fatalf("%q is not base64: %v", s, err)
	}
	return string(b)
}

// create posts one submission as the SDK does and returns its token.
func create(t testing.TB, s Submission) string {
	t.Helper()
	var tok struct{ Token string }
	callJSON(t, http.MethodPost, "/submissions?base64_encoded=true&wait=false", s, http.StatusCreated, &tok)
	if tok.Token == "" {
		t.Fatal("POST /submissions answered no token")
	}
	return tok.Token
}

// Result is a submission as fields=* shows it.
type Result map[string]any

func (r Result) statusID() int {
	st, _ := r["status"].(map[string]any)
	id, _ := st["id"].(float64)
	return int(id)
}

// poll reads the submissions with fields=* and base64, every 0.1 s, until
// each status id is above 2.
func poll(t testing.TB, tokens ...string) []Result {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		var got struct{ Submissions []Result }
		callJSON(t, http.MethodGet, "/submissions/batch?base64_encoded=true&fields=*&tokens="+strings.Join(tokens, ","), nil, http.StatusOK, &got)
		done := len(got.Submissions) == len(tokens)
		for _, r := range got.Submissions {
			done = done && r != nil && r.statusID() > 2
		}
		if done {
			return got.Submissions
		}
		if time.Now().After(deadline) {
			t.Fatalf("submissions not done after 90 s: %v", got.Submissions)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// pollOne polls GET /submissions/{token} as the SDK does for one.
func pollOne(t testing.TB, token string) Result {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var r Result
		callJSON(t, http.MethodGet, "/submissions/"+token+"?base64_encoded=true&fields=*", nil, http.StatusOK, &r)
		if r.statusID() > 2 {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("submission %s not done after 60 s: %v", token, r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
