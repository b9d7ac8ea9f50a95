package cluster

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// sleeper prints marker after sleeping d, in python3.
func sleeper(d time.Duration, marker string) testserver.Request {
	req := testserver.Python(fmt.Sprintf("import time\ntime.sleep(%g)\nprint(%q)\n", d.Seconds(), marker))
	req.Limits = &testserver.Limits{WallTimeMs: int64(d/time.Millisecond) + 5000}
	return req
}

// executeAll runs reqs at once through s; each answer must be OK with
// its own marker.
func executeAll(t *testing.T, s *testserver.Server, markers []string, d time.Duration) {
	t.Helper()
	var wg sync.WaitGroup
	for _, m := range markers {
		wg.Go(func() {
			code, res := testserver.Execute(t, s, sleeper(d, m))
			if code != http.StatusOK || res.Status != "OK" || res.Stdout != m+"\n" {
				t.Errorf("execute of %s through %s: %d %v", m, s.Name, code, res)
			}
		})
	}
	wg.Wait()
}

func markers(prefix string, n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("%s-%d-%s", prefix, i, testserver.RandomHex(4)))
	}
	return out
}

// TestClusterRuns: an API node lists the workers' runtimes and runs
// jobs on both workers.
func TestClusterRuns(t *testing.T) {
	rts := testserver.Runtimes(t, a1)
	if !slices.ContainsFunc(rts, func(r testserver.RuntimeInfo) bool { return r.Language == "python3" }) {
		t.Fatalf("a1's runtimes %v lack the workers' python3", rts)
	}
	busyBoth := make(chan bool, 1)
	go func() { busyBoth <- sawBothBusy(a1, 8*time.Second) }()
	executeAll(t, a1, markers("spread", 4*slotsPerWorker), 2*time.Second)
	if !<-busyBoth {
		t.Errorf("the jobs did not spread over both workers")
	}
}

// sawBothBusy polls the cluster view until both workers are busy at once.
func sawBothBusy(s *testserver.Server, d time.Duration) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		c, err := readCluster(s)
		if err != nil || len(c.Workers) != 2 {
			continue
		}
		if c.Workers[0].Busy > 0 && c.Workers[1].Busy > 0 {
			return true
		}
	}
	return false
}

// submit posts req as a submission through s and returns its token.
func submit(t *testing.T, s *testserver.Server, req testserver.Request) string {
	t.Helper()
	b, _ := json.Marshal(req)
	code, _, body := testserver.Do(t, s, "POST", "/api/v1/submissions", b)
	var v struct{ Token string }
	if json.Unmarshal(body, &v); code != http.StatusAccepted || v.Token == "" {
		t.Fatalf("POST /api/v1/submissions to %s: %d %s", s.Name, code, body)
	}
	return v.Token
}

// waitDone polls s until every token is done, then checks each output.
func waitDone(t *testing.T, s *testserver.Server, want map[string]string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for token, marker := range want {
		for {
			code, _, body := testserver.Do(t, s, "GET", "/api/v1/submissions/"+token, nil)
			var v struct {
				Status string
				Result *testserver.Response
			}
			json.Unmarshal(body, &v)
			if code == http.StatusOK && v.Status == "done" {
				if v.Result == nil || v.Result.Stdout != marker+"\n" {
					t.Errorf("submission %s: %s, want stdout %q", token, body, marker)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("submission %s still %d %s after %v", token, code, testserver.Shorten(string(body), 300), d)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}

// TestAPINodeKilled: submissions an API node accepted finish after it is
// killed: another API node's workers take them.
func TestAPINodeKilled(t *testing.T) {
	victim, err := startNode("a3", "api", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, m := range markers("api-killed", 8) {
		want[submit(t, victim, sleeper(500*time.Millisecond, m))] = m
	}
	victim.Kill()
	waitDone(t, a1, want, 90*time.Second)
}

// TestWorkerKilled: kill -9 a worker while it runs jobs: the synchronous
// requests waiting on it still get their answers and the submissions end
// once, all on the other worker.
func TestWorkerKilled(t *testing.T) {
	victim, err := startNode("w3", "worker", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer victim.Kill()
	if err := waitWorkers(a1, 3, time.Minute); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, m := range markers("worker-killed-sub", 6) {
		want[submit(t, a2, sleeper(3*time.Second, m))] = m
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		executeAll(t, a1, markers("worker-killed-sync", 6), 3*time.Second)
	}()
	waitBusy(t, a1, 3, 20*time.Second)
	killWorker(t, victim)
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("synchronous requests still waiting 2 minutes after a worker was killed")
	}
	waitDone(t, a1, want, 2*time.Minute)
	if err := waitWorkers(a1, 2, 30*time.Second); err != nil {
		t.Error(err)
	}
}

// waitBusy waits until every one of n workers runs a job.
func waitBusy(t *testing.T, s *testserver.Server, n int, d time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		c, err := readCluster(s)
		if err != nil || len(c.Workers) != n {
			continue
		}
		busy := 0
		for _, w := range c.Workers {
			if w.Busy > 0 {
				busy++
			}
		}
		if busy == n {
			return
		}
	}
	t.Fatalf("the %d workers were not all busy within %v", n, d)
}

// TestWorkerDrained: SIGTERM a worker while it runs jobs: they finish
// and are answered, and it takes no new ones.
func TestWorkerDrained(t *testing.T) {
	victim, err := startNode("w4", "worker", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := waitWorkers(a1, 3, time.Minute); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		executeAll(t, a1, markers("drained", 6), 2*time.Second)
	}()
	waitBusy(t, a1, 3, 20*time.Second)
	if err := victim.Stop(testserver.StopTimeout); err != nil {
		t.Errorf("the drained worker: %v", err)
	}
	<-done
	if log := victim.LogTail(1 << 20); strings.Contains(log, "level=ERROR") {
		t.Errorf("the drained worker logged errors:\n%s", testserver.Shorten(log, 4000))
	}
}
