package judge0

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestAuthTokens: with API keys on, X-Auth-Token is the key (401
// without it or with a wrong one), and a client sees only its own
// submissions.
func TestAuthTokens(t *testing.T) {
	alice, bob := "alice-key-"+testserver.RandomHex(12), "bob-key-"+testserver.RandomHex(12)
	s, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: "judge0-keys", Env: map[string]string{
		"CODERACER_API_KEYS": "alice:" + alice + ",bob:" + bob, "CODERACER_PARALLELISM": "1",
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log, last 8 KiB:\n%s", s.LogTail(8<<10))
		}
		if err := s.Stop(testserver.StopTimeout); err != nil {
			t.Error(err)
		}
	})
	if err := s.WaitHealthy(testserver.HealthTimeout); err != nil {
		t.Fatal(err)
	}
	expect := func(method, path string, body any, want int, header ...string) []byte {
		t.Helper()
		status, data := callServer(t, s, method, path, body, header...)
		if status != want {
			t.Fatalf("%s %s: status %d, want %d: %s", method, path, status, want, data)
		}
		return data
	}
	expect(http.MethodGet, "/languages", nil, http.StatusUnauthorized)
	expect(http.MethodPost, "/authenticate", nil, http.StatusUnauthorized, "X-Auth-Token", "wrong-key-wrong-key")
	expect(http.MethodPost, "/authenticate", nil, http.StatusOK, "X-Auth-Token", alice)
	expect(http.MethodGet, "/languages", nil, http.StatusOK, "X-Auth-Token", bob)
	var tok struct{ Token string }
	data := expect(http.MethodPost, "/submissions?base64_encoded=true", sub(71, "print('alice')\n"), http.StatusCreated, "X-Auth-Token", alice)
	if err := json.Unmarshal(data, &tok); err != nil || tok.Token == "" {
		t.Fatalf("POST answered %s", data)
	}
	expect(http.MethodGet, "/submissions/"+tok.Token, nil, http.StatusNotFound, "X-Auth-Token", bob)
	deadline := time.Now().Add(30 * time.Second)
	for {
		var r Result
		data := expect(http.MethodGet, "/submissions/"+tok.Token+"?base64_encoded=true&fields=*", nil, http.StatusOK, "X-Auth-Token", alice)
		if err := json.Unmarshal(data, &r); err != nil {
			t.Fatal(err)
		}
		if r.statusID() > 2 {
			if r.statusID() != 3 || dec(t, r["stdout"]) != "alice\n" {
				t.Errorf("alice's submission: %v", r)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not done: %v", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
