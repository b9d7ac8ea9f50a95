package submissions

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestLifecycleAndCancel walks submissions through every state on the
// shared server (two workers): two long jobs take both workers, so a
// third stays queued. The queued one is cancelled and never runs; the
// running one, a 30 s sleep, is cancelled and its sandbox freed within
// moments; a done one cannot be cancelled (409).
func TestLifecycleAndCancel(t *testing.T) {
	long := submit(t, srv, sleeper(25*time.Second, "never"))
	blocker := submit(t, srv, sleeper(3*time.Second, "blocker"))
	for _, tok := range []string{long, blocker} {
		v := waitStatus(t, srv, tok, 10*time.Second, "running")
		if v.StartedAt == nil || v.FinishedAt != nil || string(v.Result) != "null" {
			t.Errorf("a running submission: want startedAt set, finishedAt unset, result null; got %+v", v)
		}
	}
	queued := submit(t, srv, testserver.Python("print('should never run')"))
	v := get(t, srv, queued)
	if v.Status != "queued" || v.StartedAt != nil || string(v.Result) != "null" || v.CreatedAt == nil {
		t.Fatalf("with both workers busy, a new submission: want queued, createdAt set, no startedAt, result null; got %+v", v)
	}

	cancelQueued(t, queued)
	cancelled := cancelRunning(t, long)

	// The blocker ends normally; it and the cancelled one stay as they are.
	done := waitStatus(t, srv, blocker, 10*time.Second, "done")
	if r := done.execResult(t); r.Stdout != "blocker\n" {
		t.Errorf("blocker: want stdout %q, got %s", "blocker\n", r.String())
	}
	if cancelled { // else the long job holds its sandbox 25 s: known already
		bothSandboxesFree(t)
	}
	status, _, data := testserver.Do(t, srv, http.MethodDelete, "/api/v1/submissions/"+blocker, nil)
	if status != http.StatusConflict {
		t.Errorf("DELETE of a done submission: want 409, got %d: %s", status, data)
	}
	errorBody(t, "DELETE done", status, data)
	if again := get(t, srv, blocker); again.Status != "done" || string(again.Result) != string(done.Result) {
		t.Errorf("a refused DELETE changed the done submission: %+v", again)
	}
	time.Sleep(500 * time.Millisecond) // a worker is free: were it to run the cancelled one, it would now
	if v := get(t, srv, queued); v.Status != "cancelled" || v.StartedAt != nil || string(v.Result) != "null" {
		t.Errorf("the cancelled queued submission ran after all: %+v", v)
	}
}

// cancelQueued cancels a queued submission: 200 cancelled, and it stays so.
func cancelQueued(t *testing.T, token string) {
	t.Helper()
	status, _, data := testserver.Do(t, srv, http.MethodDelete, "/api/v1/submissions/"+token, nil)
	if status != http.StatusOK {
		t.Fatalf("DELETE of a queued submission: want 200, got %d: %s", status, data)
	}
	if v := decodeView(t, "DELETE", status, data); v.Status != "cancelled" || v.FinishedAt == nil {
		t.Fatalf("DELETE of a queued submission: want it cancelled with finishedAt, got %s", data)
	}
	status, _, data = testserver.Do(t, srv, http.MethodDelete, "/api/v1/submissions/"+token, nil)
	if status != http.StatusConflict {
		t.Errorf("a second DELETE: want 409, got %d: %s", status, data)
	}
}

// cancelRunning cancels a running submission: it must be cancelled
// within 2 s. It says whether the server took the DELETE.
func cancelRunning(t *testing.T, token string) bool {
	t.Helper()
	start := time.Now()
	status, _, data := testserver.Do(t, srv, http.MethodDelete, "/api/v1/submissions/"+token, nil)
	if status != http.StatusOK {
		t.Errorf("DELETE of a running submission: want 200, got %d: %s", status, data)
		return false
	}
	v := decodeView(t, "DELETE", status, data)
	if v.Status != "cancelled" && v.Status != "running" {
		t.Fatalf("DELETE of a running submission: want cancelled (or running for a moment), got %s", data)
	}
	v = waitStatus(t, srv, token, 2*time.Second, "cancelled")
	t.Logf("the running submission was cancelled %v after DELETE", time.Since(start).Round(time.Millisecond))
	if string(v.Result) != "null" {
		t.Errorf("a cancelled submission has a result: %+v", v)
	}
	return true
}

// bothSandboxesFree requires two 1.5 s jobs sent at once to end
// together (one per sandbox), not one after the other: no cancelled job
// holds a sandbox any more.
func bothSandboxesFree(t *testing.T) {
	t.Helper()
	var wg sync.WaitGroup
	took := make([]time.Duration, 2)
	errs := make([]error, 2)
	body := encode(t, sleeper(1500*time.Millisecond, "free"))
	for i := range took {
		wg.Go(func() {
			begin := time.Now()
			errs[i] = execute(body)
			took[i] = time.Since(begin)
		})
	}
	wg.Wait()
	for i, d := range took {
		if errs[i] != nil {
			t.Error(errs[i])
		} else if d > 2700*time.Millisecond {
			t.Errorf("two 1.5 s jobs at once: one took %v, so they ran one after the other (the cancelled job's sandbox still busy?)", d)
		}
	}
}

// execute posts body to /api/v1/execute and requires a 200. It may run
// outside the test's goroutine.
func execute(body []byte) error {
	resp, err := http.Post(srv.URL+"/api/v1/execute", "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST /api/v1/execute: want 200, got %d: %s", resp.StatusCode, testserver.Shorten(string(data), 1000))
	}
	return nil
}
