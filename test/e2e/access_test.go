package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// accessClient sends the access tests' requests.
var accessClient = &http.Client{Timeout: time.Minute}

// answer is one HTTP exchange of the access tests.
type answer struct {
	code   int
	header http.Header
	body   []byte
	took   time.Duration
}

// send makes a request to s with headers (name, value pairs).
func send(t *testing.T, s *testserver.Server, method, path, body string, headers ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	start := time.Now()
	resp, err := accessClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return answer{code: resp.StatusCode, header: resp.Header, body: b, took: time.Since(start)}
}

func bearer(key string) []string { return []string{"Authorization", "Bearer " + key} }

// jsonField is the string field name of a JSON object body.
func jsonField(t *testing.T, a answer, name string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(a.body, &m); err != nil {
		t.Fatalf("answer %d is not a JSON object: %q", a.code, a.body)
	}
	s, _ := m[name].(string)
	return s
}

// newKey runs `coderacer key new name`: the secret and its file line.
func newKey(t *testing.T, name string) (secret, line string) {
	t.Helper()
	out, err := exec.Command(srv.Bin, "key", "new", name).Output()
	if err != nil {
		t.Fatalf("coderacer key new: %v", err)
	}
	for l := range strings.SplitSeq(string(out), "\n") {
		if v, ok := strings.CutPrefix(l, "key:  "); ok {
			secret = v
		}
		if v, ok := strings.CutPrefix(l, "line: "); ok {
			line = v
		}
	}
	if secret == "" || !strings.HasPrefix(line, name+" sha256:") || strings.Contains(line, secret) {
		t.Fatalf("coderacer key new printed %q", out)
	}
	return secret, line
}

// startOwn starts a server with env and stops it when t ends.
func startOwn(t *testing.T, name string, env map[string]string) *testserver.Server {
	t.Helper()
	s, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: name, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s server log, last 8 KiB:\n%s", name, s.LogTail(8<<10))
		}
		if err := s.Stop(testserver.StopTimeout); err != nil {
			t.Error(err)
		}
	})
	if err := s.WaitHealthy(testserver.HealthTimeout); err != nil {
		t.Fatal(err)
	}
	return s
}

func bashBody(t *testing.T, script string) string {
	t.Helper()
	b, err := json.Marshal(bash(script))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// keyedServer is a server with API keys from the environment and a file.
type keyedServer struct {
	*testserver.Server
	file                       string
	env, limited, capped, lang string // secrets
	hungry, spare              string
	spareLine                  string
}

func startKeyedServer(t *testing.T) *keyedServer {
	k := &keyedServer{env: "env-key-" + testserver.RandomHex(16)}
	var lines []string
	for _, c := range []struct {
		name, settings string
		secret         *string
	}{
		{"limited", "rate=0.5 burst=2", &k.limited},
		{"capped", "jobs=1", &k.capped},
		{"lang", "languages=sh", &k.lang},
		{"hungry", "cpu=0.1 cpu-burst=0.3", &k.hungry},
	} {
		secret, line := newKey(t, c.name)
		*c.secret = secret
		lines = append(lines, line+" "+c.settings)
	}
	k.spare, k.spareLine = newKey(t, "spare")
	k.file = filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(k.file, []byte("# test keys\n"+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k.Server = startOwn(t, "keys", map[string]string{
		"CODERACER_API_KEYS":      "alice:" + k.env,
		"CODERACER_API_KEYS_FILE": k.file,
		"CODERACER_RATE_LIMIT":    "100",
		"CODERACER_PARALLELISM":   "2",
	})
	return k
}

// TestAccessWithKeys runs the checks of a server with API keys, each
// with keys of its own, on one server.
func TestAccessWithKeys(t *testing.T) {
	k := startKeyedServer(t)
	t.Run("keys", func(t *testing.T) { testAPIKeys(t, k) })
	t.Run("rate", func(t *testing.T) { testKeyRateLimit(t, k) })
	t.Run("cap", func(t *testing.T) { testKeyJobCap(t, k) })
	t.Run("quota", func(t *testing.T) { testKeyLanguagesAndCPUQuota(t, k) })
}

// testAPIKeys: with keys on, no key and a bad key are 401 in each
// dialect's error shape, good keys pass by either header, and the probes
// and the scraper need none.
func testAPIKeys(t *testing.T, k *keyedServer) {
	for _, c := range []struct {
		path, field string
		headers     []string
	}{
		{"/api/v1/runtimes", "error", nil},
		{"/api/v1/runtimes", "error", bearer("not-a-key-" + testserver.RandomHex(8))},
		{"/api/v1/runtimes", "error", []string{"Authorization", "Basic " + k.env}},
		{"/api/v2/runtimes", "message", nil},
		{"/api/v2/runtimes", "message", []string{"X-Auth-Token", k.env + "x"}},
		{"/no/such/path", "error", nil},
	} {
		a := send(t, k.Server, "GET", c.path, "", c.headers...)
		if a.code != http.StatusUnauthorized || jsonField(t, a, c.field) == "" || !strings.HasPrefix(a.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("GET %s %q: %d %s %q, want 401 with %q", c.path, c.headers, a.code, a.header.Get("WWW-Authenticate"), a.body, c.field)
		}
	}
	a := send(t, k.Server, "POST", "/api/v1/execute", bashBody(t, "echo never"))
	if a.code != http.StatusUnauthorized {
		t.Errorf("execute without a key: %d %s", a.code, a.body)
	}
	for _, h := range [][]string{bearer(k.env), {"X-Auth-Token", k.env}, bearer(k.capped)} {
		if a := send(t, k.Server, "GET", "/api/v2/runtimes", "", h...); a.code != http.StatusOK {
			t.Errorf("GET /api/v2/runtimes with %s: %d %s", h[0], a.code, a.body)
		}
	}
	a = send(t, k.Server, "POST", "/api/v1/execute", bashBody(t, "echo keyed"), bearer(k.env)...)
	if a.code != http.StatusOK || !strings.Contains(string(a.body), "keyed") {
		t.Errorf("execute with a key: %d %s", a.code, a.body)
	}
	for _, p := range []string{"/api/v1/health", "/api/v1/ready", "/metrics"} {
		if a := send(t, k.Server, "GET", p, ""); a.code != http.StatusOK {
			t.Errorf("GET %s without a key: %d %s", p, a.code, a.body)
		}
	}
}

// testKeyRateLimit: a key over its rate gets 429 with Retry-After and the
// RateLimit-* headers while another key is unaffected.
func testKeyRateLimit(t *testing.T, k *keyedServer) {
	// The list waits for the start-up's version probes: wait for them
	// first (another key), so that the burst below is one.
	if a := send(t, k.Server, "GET", "/api/v1/runtimes", "", bearer(k.env)...); a.code != http.StatusOK {
		t.Fatalf("runtimes: %d %s", a.code, a.body)
	}
	for i := range 2 {
		a := send(t, k.Server, "GET", "/api/v1/runtimes", "", bearer(k.limited)...)
		if a.code != http.StatusOK || a.header.Get("RateLimit-Limit") != "2" || a.header.Get("RateLimit-Remaining") != strconv.Itoa(1-i) {
			t.Fatalf("request %d within the burst: %d, RateLimit-Limit %q, RateLimit-Remaining %q", i, a.code,
				a.header.Get("RateLimit-Limit"), a.header.Get("RateLimit-Remaining"))
		}
	}
	a := send(t, k.Server, "POST", "/api/v2/execute", `{"language":"bash","version":"*","files":[{"content":"echo x"}]}`, bearer(k.limited)...)
	retry, err := strconv.Atoi(a.header.Get("Retry-After"))
	if a.code != http.StatusTooManyRequests || err != nil || retry < 1 || retry > 2 || jsonField(t, a, "message") == "" ||
		a.header.Get("RateLimit-Remaining") != "0" || a.header.Get("RateLimit-Reset") == "" {
		t.Fatalf("over the rate: %d, headers %v, body %s; want 429, Retry-After 1..2", a.code, a.header, a.body)
	}
	for range 5 {
		if a := send(t, k.Server, "GET", "/api/v1/runtimes", "", bearer(k.env)...); a.code != http.StatusOK {
			t.Fatalf("another key, while the first is limited: %d %s", a.code, a.body)
		}
	}
	time.Sleep(time.Duration(retry) * time.Second)
	if a := send(t, k.Server, "GET", "/api/v1/runtimes", "", bearer(k.limited)...); a.code != http.StatusOK {
		t.Errorf("after Retry-After: %d %s", a.code, a.body)
	}
}

// testKeyJobCap: a key with jobs=1 never holds two sandboxes: its jobs
// run one after the other, while another key's run side by side.
func testKeyJobCap(t *testing.T, k *keyedServer) {
	body := bashBody(t, "sleep 1; echo done")
	together := func(key string) time.Duration {
		start := time.Now()
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				if a := send(t, k.Server, "POST", "/api/v1/execute", body, bearer(key)...); a.code != http.StatusOK {
					t.Errorf("job: %d %s", a.code, a.body)
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	if took := together(k.capped); took < 2*time.Second {
		t.Errorf("two 1 s jobs of a key capped at one job took %v: they ran at once", took)
	}
	if took := together(k.env); took > 1900*time.Millisecond {
		t.Errorf("two 1 s jobs of an uncapped key on two sandboxes took %v: they did not run at once", took)
	}
}

// testKeyLanguagesAndCPUQuota: a key limited to some languages gets 403
// for others; a key over its CPU quota gets 429 until it has paid back.
func testKeyLanguagesAndCPUQuota(t *testing.T, k *keyedServer) {
	a := send(t, k.Server, "POST", "/api/v1/execute", `{"language":"python","entrypoint":"a.py","files":[{"name":"a.py","content":"print(1)"}]}`, bearer(k.lang)...)
	if a.code != http.StatusForbidden || !strings.Contains(jsonField(t, a, "error"), "python") {
		t.Errorf("a language the key may not use: %d %s", a.code, a.body)
	}
	if a := send(t, k.Server, "POST", "/api/v1/execute", bashBody(t, "echo allowed"), bearer(k.lang)...); a.code != http.StatusOK {
		t.Errorf("a language the key may use (by alias): %d %s", a.code, a.body)
	}
	// 0.3 s of CPU in the bucket; a 1 s burn is run (the debt is paid
	// later), the next job is refused for about (1-0.3)/0.1 = 7 s.
	burn := `{"language":"python","entrypoint":"a.py","files":[{"name":"a.py","content":"import time\nt = time.process_time()\nwhile time.process_time() - t < 1: pass\nprint('burnt')\n"}]}`
	if a := send(t, k.Server, "POST", "/api/v1/execute", burn, bearer(k.hungry)...); a.code != http.StatusOK {
		t.Fatalf("the first burn: %d %s", a.code, a.body)
	}
	a = send(t, k.Server, "POST", "/api/v1/execute", burn, bearer(k.hungry)...)
	retry, err := strconv.Atoi(a.header.Get("Retry-After"))
	if a.code != http.StatusTooManyRequests || err != nil || retry < 3 || retry > 12 {
		t.Errorf("over the CPU quota: %d Retry-After %q %s, want 429 after 3..12 s", a.code, a.header.Get("Retry-After"), a.body)
	}
	if a := send(t, k.Server, "POST", "/api/v1/execute", bashBody(t, "echo fine"), bearer(k.env)...); a.code != http.StatusOK {
		t.Errorf("another key while one is over its CPU quota: %d %s", a.code, a.body)
	}
}

// TestKeysReload: SIGHUP reloads the keys file without a restart; a broken
// file keeps the keys in use.
func TestKeysReload(t *testing.T) {
	k := startKeyedServer(t)
	if a := send(t, k.Server, "GET", "/api/v1/runtimes", "", bearer(k.spare)...); a.code != http.StatusUnauthorized {
		t.Fatalf("a key not yet in the file: %d", a.code)
	}
	reload := func(content string) {
		t.Helper()
		if err := os.WriteFile(k.file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(k.PID, syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
	}
	reload(k.spareLine + "\n")
	if a := send(t, k.Server, "GET", "/api/v1/runtimes", "", bearer(k.spare)...); a.code != http.StatusOK {
		t.Errorf("the added key after SIGHUP: %d %s", a.code, a.body)
	}
	if a := send(t, k.Server, "GET", "/api/v1/runtimes", "", bearer(k.capped)...); a.code != http.StatusUnauthorized {
		t.Errorf("a removed key after SIGHUP: %d %s", a.code, a.body)
	}
	reload("this is not a keys file\n")
	if a := send(t, k.Server, "GET", "/api/v1/runtimes", "", bearer(k.spare)...); a.code != http.StatusOK {
		t.Errorf("after a broken file was reloaded, the key in use: %d %s", a.code, a.body)
	}
	if k.HasExited() {
		t.Fatal("the server exited on SIGHUP")
	}
	if !bytes.Contains([]byte(k.LogTail(64<<10)), []byte("reloading API keys failed")) {
		t.Error("the failed reload is not logged")
	}
}
