package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestQueueFull starts a second server with one sandbox and a queue of one,
// sends six 2-second jobs at once and expects some of them refused with 503
// and Retry-After while the accepted ones run to completion.
func TestQueueFull(t *testing.T) {
	s, err := testserver.Start(binPath, tmpRoot, testserver.Options{Name: "queue", Env: map[string]string{
		"CODERACER_PARALLELISM": "1",
		"CODERACER_QUEUE_SIZE":  "1",
	}})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			s.Kill()
		}
		if t.Failed() {
			t.Logf("queue server log (%s), last 16 KiB:\n%s", s.LogPath, s.LogTail(16<<10))
		}
	}()
	if err := s.WaitHealthy(testserver.HealthTimeout); err != nil {
		t.Fatal(err)
	}

	req := bash("sleep 2\necho slept\n")
	req.Limits = &Limits{WallTimeMs: 6000}
	body, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status     int
		retryAfter string
		body       []byte
		err        error
		took       time.Duration
	}
	const n = 6
	answers := make([]answer, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	hc := &http.Client{Timeout: time.Minute}
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			resp, err := hc.Post(s.URL+"/api/v1/execute", "application/json", bytes.NewReader(body))
			if err != nil {
				answers[i] = answer{err: err}
				return
			}
			data, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			answers[i] = answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: data, err: err, took: time.Since(t0)}
		}()
	}
	close(start)
	wg.Wait()

	ok, full := 0, 0
	for i, a := range answers {
		if a.err != nil {
			t.Errorf("request %d: %v", i, a.err)
			continue
		}
		switch a.status {
		case http.StatusOK:
			ok++
			var r Response
			if err := json.Unmarshal(a.body, &r); err != nil {
				t.Errorf("request %d: 200 with a bad body: %s", i, a.body)
				continue
			}
			if r.Status != "OK" || r.Stdout != "slept\n" {
				t.Errorf("request %d: accepted job did not run to completion: status=%s stdout=%q stderr=%q message=%q",
					i, r.Status, r.Stdout, r.Stderr, r.Message)
			}
		case http.StatusServiceUnavailable:
			full++
			if a.retryAfter == "" {
				t.Errorf("request %d: 503 without Retry-After", i)
			} else if _, err := strconv.Atoi(a.retryAfter); err != nil {
				if _, err := http.ParseTime(a.retryAfter); err != nil {
					t.Errorf("request %d: Retry-After %q is neither seconds nor an HTTP date", i, a.retryAfter)
				}
			}
			var e struct {
				Error string `json:"error"`
			}
			if err := json.Unmarshal(a.body, &e); err != nil || e.Error == "" {
				t.Errorf("request %d: 503 body is not a JSON error: %s", i, a.body)
			}
			if a.took > 2*time.Second {
				t.Errorf("request %d: the 503 took %v; a full queue should refuse at once", i, a.took)
			}
		default:
			t.Errorf("request %d: unexpected HTTP %d: %s", i, a.status, shorten(string(a.body), 500))
		}
	}
	if full == 0 {
		t.Errorf("six 2-second jobs on one sandbox with a queue of one: want at least one 503, got %d OK and %d 503", ok, full)
	}
	if ok == 0 {
		t.Errorf("no job was accepted")
	}
	if ok > 3 {
		t.Errorf("%d jobs accepted with one sandbox and a queue of one (want at most 2, 3 if one finished in between)", ok)
	}

	// Once the queue has drained, the server takes work again.
	r := testserver.MustExecute(t, s, bash("echo again\n"))
	if r.Status != "OK" || r.Stdout != "again\n" {
		t.Errorf("after the burst: %s", r)
	}

	stopped = true
	if err := s.Stop(testserver.StopTimeout); err != nil {
		t.Error(err)
	}
}
