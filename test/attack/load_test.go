package attack

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// loadAnswer is one request's outcome in the storm.
type loadAnswer struct {
	burner     bool
	token      string
	status     int
	retryAfter string
	resp       testserver.Response
	raw        string
	err        error
}

// TestLoadStorm: 48 requests at once against the two sandboxes and the
// queue of 64: half CPU burners (1 s CPU limit), half hello worlds, each
// echoing a token of its own. No 5xx but 503 with Retry-After; every
// hello world that ran got its own output and OK; every burner that ran
// is TLE; afterwards the server answers at once.
func TestLoadStorm(t *testing.T) {
	const n = 48
	answers := make([]loadAnswer, n)
	hc := &http.Client{Timeout: 2 * time.Minute}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		a := &answers[i]
		a.burner = i%2 == 0
		a.token = fmt.Sprintf("load-%02d-%s", i, testserver.RandomHex(8))
		var req testserver.Request
		if a.burner {
			req = withLimits(python("# "+a.token+"\nwhile True:\n    pass\n"), testserver.Limits{CPUTimeMs: 1000})
		} else {
			req = withStdin(python(fmt.Sprintf("import sys\nprint(%q, sys.stdin.read(), sys.argv[1])\n", a.token)), a.token)
			req.Args = []string{a.token}
		}
		body, err := json.Marshal(req)
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			<-start
			resp, err := hc.Post(srv.URL+"/api/v1/execute", "application/json", bytes.NewReader(body))
			if err != nil {
				a.err = err
				return
			}
			defer resp.Body.Close()
			data, err := io.ReadAll(resp.Body)
			if err != nil {
				a.err = err
				return
			}
			a.status, a.retryAfter, a.raw = resp.StatusCode, resp.Header.Get("Retry-After"), string(data)
			if err := json.Unmarshal(data, &a.resp); err != nil {
				a.err = fmt.Errorf("body is not JSON (%v): %s", err, testserver.Shorten(a.raw, 300))
			}
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	took := time.Since(began)

	counts := map[string]int{}
	for i, a := range answers {
		kind := map[bool]string{true: "burner", false: "hello"}[a.burner]
		if a.err != nil {
			t.Errorf("request %d (%s): %v", i, kind, a.err)
			continue
		}
		counts[fmt.Sprintf("%s %d %s", kind, a.status, a.resp.Status)]++
		switch {
		case a.status == http.StatusServiceUnavailable:
			if a.retryAfter == "" {
				t.Errorf("request %d (%s): 503 without Retry-After: %s", i, kind, a.raw)
			}
		case a.status != http.StatusOK:
			t.Errorf("request %d (%s): HTTP %d, want 200 or 503: %s", i, kind, a.status, testserver.Shorten(a.raw, 500))
		case a.burner:
			if a.resp.Status != "TLE" {
				t.Errorf("burner %d: status %s, want TLE: %s", i, a.resp.Status, testserver.Shorten(a.raw, 500))
			}
			if a.resp.Stdout != "" {
				t.Errorf("burner %d printed nothing, yet its answer has stdout %q", i, a.resp.Stdout)
			}
		default:
			want := fmt.Sprintf("%s %s %s\n", a.token, a.token, a.token)
			if a.resp.Status != "OK" || a.resp.Stdout != want {
				t.Errorf("hello %d: want OK and its own stdout %q, got status %s stdout %q stderr %q",
					i, want, a.resp.Status, a.resp.Stdout, testserver.Shorten(a.resp.Stderr, 300))
			}
			for j, b := range answers {
				if j != i && strings.Contains(a.resp.Stdout+a.resp.Stderr, b.token) {
					t.Errorf("hello %d's answer holds request %d's token: results are mixed up: %q", i, j, a.resp.Stdout)
				}
			}
		}
	}
	t.Logf("48 requests in %v: %v", took.Round(time.Millisecond), counts)
	// A 503 is allowed, but a server refusing everything proves nothing:
	// the queue (64) holds all 48, so every one of them must have run.
	if counts["hello 200 OK"] != 24 || counts["burner 200 TLE"] != 24 {
		t.Errorf("want all 24 hellos OK and all 24 burners TLE, got %v", counts)
	}
	requireHealthy(t)
}

// loadFDs counts the server's open file descriptors.
func loadFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", srv.PID))
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// TestLoadSlowClients: 200 connections that never finish their headers
// and 200 that announce a body and send one byte of it hold no sandbox
// and no queue slot: while they hang, a hello world is answered at once;
// once they go, so do the server's descriptors.
func TestLoadSlowClients(t *testing.T) {
	before := loadFDs(t)
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for i := range 400 {
		c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", srv.Port), 5*time.Second)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		conns = append(conns, c)
		msg := "POST /api/v1/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
		if i%2 == 1 {
			msg = "POST /api/v1/execute HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"
		}
		if _, err := io.WriteString(c, msg); err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
	}
	time.Sleep(200 * time.Millisecond)
	requireHealthy(t)
	status, _, body := testserver.Do(t, srv, http.MethodGet, "/api/v1/health", nil)
	if status != http.StatusOK {
		t.Errorf("health with 400 slow clients hanging: %d %s", status, body)
	}
	during := loadFDs(t)
	if during < before+380 {
		// The premise of the check below: the server did hold them.
		t.Errorf("the server holds %d descriptors with 400 slow clients, %d before: the clients did not connect", during, before)
	}
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	deadline := time.Now().Add(5 * time.Second)
	after := loadFDs(t)
	for after > before+10 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		after = loadFDs(t)
	}
	t.Logf("server descriptors: %d before, %d with the slow clients, %d after", before, during, after)
	if after > before+10 {
		t.Errorf("the server holds %d descriptors 5 s after the slow clients left, %d before them", after, before)
	}
	requireHealthy(t)
}
