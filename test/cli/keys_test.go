package cli

// A server with API keys: the command line's --key and
// CODERACER_API_KEY, the client's WithAPIKey, over HTTP and WebSocket.

import (
	"net/http"
	"strings"
	"testing"

	"github.com/coderacer/coderacer/client"
	"github.com/coderacer/coderacer/test/testserver"
)

const testKey = "cli-test-key-0123456789"

func TestAPIKeys(t *testing.T) {
	keyed, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: "keys",
		Env: map[string]string{"CODERACER_PARALLELISM": "1", "CODERACER_API_KEYS": "tester:" + testKey}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := keyed.Stop(testserver.StopTimeout); err != nil {
			t.Error(err)
		}
	})
	if err := keyed.WaitHealthy(testserver.HealthTimeout); err != nil {
		t.Fatalf("%v\n%s", err, keyed.LogTail(8<<10))
	}
	dir := files(t, map[string]string{"hello.py": "print('keyed', input())", "in.txt": "in\n"})
	env := func(kv ...string) []string {
		var out []string
		for _, e := range cliEnv() {
			if !strings.HasPrefix(e, "CODERACER_URL=") {
				out = append(out, e)
			}
		}
		return append(out, kv...)
	}

	r := runEnv(t, dir, nil, env("CODERACER_URL="+keyed.URL), "run", "hello.py")
	if r.code != 1 || !strings.HasSuffix(r.stderr, "HTTP 401: an API key is required: send it as Authorization: Bearer <key> (or X-Auth-Token: <key>)\n") {
		t.Errorf("without a key: exit %d, stderr %q", r.code, r.stderr)
	}
	// The key from the environment, over the WebSocket (stdin streamed).
	runEnv(t, dir, strings.NewReader("ws\n"), env("CODERACER_URL="+keyed.URL, "CODERACER_API_KEY="+testKey), "run", "hello.py").
		expect(t, 0, "keyed ws\n")
	// The key and the server as flags, over HTTP.
	runEnv(t, dir, nil, env(), "run", "hello.py", "--server", keyed.URL, "--key", testKey, "--stdin", "in.txt").
		expect(t, 0, "keyed in\n")
	r = runEnv(t, dir, nil, env(), "runtimes", "--server", keyed.URL, "--key", "wrong-key-0123456789")
	if r.code != 1 || !strings.Contains(r.stderr, "HTTP 401: invalid API key") {
		t.Errorf("a wrong key: exit %d, stderr %q", r.code, r.stderr)
	}

	ctx := testContext(t)
	anonymous, err := client.New(keyed.URL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anonymous.Connect(ctx, pyRequest("print(1)")); !client.IsStatus(err, http.StatusUnauthorized) {
		t.Errorf("a session without a key: %v, want a *client.Error 401", err)
	}
	if h, err := anonymous.Health(ctx); err != nil || h.Status != "ok" {
		t.Errorf("health needs no key: %+v %v", h, err)
	}
	c, err := client.New(keyed.URL, client.WithAPIKey(testKey))
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Connect(ctx, pyRequest("print(input())"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Stdin(ctx, "with key\n"); err != nil {
		t.Fatal(err)
	}
	if res, err := s.Wait(ctx); err != nil || res.Stdout != "with key\n" {
		t.Errorf("a session with the key: %+v %v", res, err)
	}
}
