package e2e

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// startClientsServer starts a server without keys that tells clients
// apart by address, believing X-Forwarded-For from loopback (the test
// plays the proxy), with one sandbox.
func startClientsServer(t *testing.T) *testserver.Server {
	return startOwn(t, "clients", map[string]string{
		"CODERACER_PARALLELISM":     "1",
		"CODERACER_QUEUE_SIZE":      "4",
		"CODERACER_RATE_LIMIT":      "2",
		"CODERACER_RATE_BURST":      "8",
		"CODERACER_TRUSTED_PROXIES": "127.0.0.1/32",
		"CODERACER_ALLOWED_ORIGINS": "https://allowed.example",
	})
}

// TestClientsWithoutKeys runs the checks of a server without keys on one
// server, each with client addresses of its own.
func TestClientsWithoutKeys(t *testing.T) {
	s := startClientsServer(t)
	t.Run("fair", func(t *testing.T) { testFairQueueing(t, s) })
	t.Run("rate", func(t *testing.T) { testClientRateLimit(t, s) })
	t.Run("origins", func(t *testing.T) { testOriginsServed(t, s) })
}

func from(addr string) []string { return []string{"X-Forwarded-For", addr} }

// testFairQueueing: one sandbox; client A queues six jobs, then client B
// one. The queue holds four: A's sixth is refused, and B's job takes the
// place of A's newest waiting one instead of being refused; B's job runs
// next rather than after all of A's.
func testFairQueueing(t *testing.T, s *testserver.Server) {
	body := bashBody(t, "sleep 0.5; echo done")
	type done struct {
		client string
		code   int
		at     time.Time
	}
	var mu sync.Mutex
	var finished []done
	var wg sync.WaitGroup
	submit := func(client, addr string) {
		wg.Go(func() {
			a := send(t, s, "POST", "/api/v1/execute", body, from(addr)...)
			mu.Lock()
			finished = append(finished, done{client, a.code, time.Now()})
			mu.Unlock()
		})
	}
	for range 6 {
		submit("A", "198.51.100.1")
	}
	time.Sleep(400 * time.Millisecond)
	submit("B", "198.51.100.2")
	wg.Wait()

	var codes []string
	aAfterB, bDone := 0, false
	slices.SortFunc(finished, func(x, y done) int { return x.at.Compare(y.at) })
	for _, d := range finished {
		codes = append(codes, d.client+":"+http.StatusText(d.code))
		switch {
		case d.client == "B":
			bDone = d.code == http.StatusOK
		case bDone && d.code == http.StatusOK:
			aAfterB++
		}
	}
	refusedA := 0
	for _, d := range finished {
		if d.client == "A" && d.code == http.StatusServiceUnavailable {
			refusedA++
		}
	}
	if !bDone || refusedA != 2 || aAfterB < 2 {
		t.Errorf("answers in order %v: want B's job run (not refused), two of A's refused and at least two of A's after B's", codes)
	}
}

// testClientRateLimit: without keys each client address has its own
// bucket; behind a trusted proxy the address is X-Forwarded-For's last
// hop, so addresses a client forges in front of it change nothing.
func testClientRateLimit(t *testing.T, s *testserver.Server) {
	// The list waits for the start-up's version probes: wait for them
	// first (another client), so that the burst below is a burst, not
	// requests spread over the probes while the bucket refills.
	if a := send(t, s, "GET", "/api/v1/runtimes", "", from("198.51.100.9")...); a.code != http.StatusOK {
		t.Fatalf("runtimes: %d %s", a.code, a.body)
	}
	for i := range 8 {
		if a := send(t, s, "GET", "/api/v1/runtimes", "", from("6.6.6."+strconv.Itoa(i)+", 198.51.100.3")...); a.code != http.StatusOK {
			t.Fatalf("request %d within the burst: %d %s", i, a.code, a.body)
		}
	}
	a := send(t, s, "GET", "/api/v1/runtimes", "", from("198.51.100.3")...)
	if a.code != http.StatusTooManyRequests || a.header.Get("Retry-After") == "" || jsonField(t, a, "error") == "" {
		t.Fatalf("over the rate: %d %v %s", a.code, a.header, a.body)
	}
	if a := send(t, s, "GET", "/api/v1/runtimes", "", from("198.51.100.4")...); a.code != http.StatusOK {
		t.Errorf("another client: %d %s", a.code, a.body)
	}
	if a := send(t, s, "GET", "/api/v1/health", "", from("198.51.100.3")...); a.code != http.StatusOK {
		t.Errorf("health of a limited client: %d %s", a.code, a.body)
	}
}

// testOriginsServed: the real server refuses a page of another origin
// before running anything, and serves an allowed one with CORS headers.
func testOriginsServed(t *testing.T, s *testserver.Server) {
	body := bashBody(t, "echo ran")
	a := send(t, s, "POST", "/api/v1/execute", body, "Origin", "https://evil.example")
	if a.code != http.StatusForbidden || strings.Contains(string(a.body), "ran") || a.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("another origin: %d %v %s", a.code, a.header, a.body)
	}
	a = send(t, s, "OPTIONS", "/api/v1/execute", "", "Origin", "https://allowed.example", "Access-Control-Request-Method", "POST")
	if a.code != http.StatusNoContent || a.header.Get("Access-Control-Allow-Origin") != "https://allowed.example" {
		t.Errorf("preflight of an allowed origin: %d %v", a.code, a.header)
	}
	a = send(t, s, "POST", "/api/v1/execute", body, "Origin", "https://allowed.example")
	if a.code != http.StatusOK || !strings.Contains(string(a.body), "ran") || a.header.Get("Access-Control-Allow-Origin") != "https://allowed.example" {
		t.Errorf("an allowed origin: %d %v %s", a.code, a.header, a.body)
	}
}
