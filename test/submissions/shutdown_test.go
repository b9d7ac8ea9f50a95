package submissions

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// waitAnswer is what a ?wait=true client got.
type waitAnswer struct {
	status int
	body   []byte
	err    error
}

// TestShutdownWithWaiter: SIGTERM while a client waits (?wait=true) for a
// running submission. The server stops that job at once (the next server
// runs it again), so the client must not be left waiting for it: it gets
// an answer (the submission as it stands, 202, or a 503) and the server
// exits promptly.
func TestShutdownWithWaiter(t *testing.T) {
	t.Parallel()
	dataDir, err := os.MkdirTemp(srv.Root, "shutdown-data-")
	if err != nil {
		t.Fatal(err)
	}
	a := startOwn(t, "shutdown", dataDir, map[string]string{"CODERACER_PARALLELISM": "1", "CODERACER_SUBMISSION_WORKERS": "1"})
	got := make(chan waitAnswer, 1)
	body := encode(t, sleeper(8*time.Second, "waited"))
	go func() {
		resp, err := http.Post(a.URL+"/api/v1/submissions?wait=true", "application/json", bytes.NewReader(body))
		if err != nil {
			got <- waitAnswer{err: err}
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		got <- waitAnswer{resp.StatusCode, data, err}
	}()
	time.Sleep(time.Second) // the job is running, the client waiting
	start := time.Now()
	stopErr := a.Stop(testserver.StopTimeout)
	took := time.Since(start)
	w := <-got
	t.Logf("the server exited %v after SIGTERM; the waiting client got %d %s (err %v)", took.Round(time.Millisecond), w.status, testserver.Shorten(string(w.body), 300), w.err)
	if stopErr != nil {
		t.Error(stopErr)
	}
	if took > 5*time.Second {
		t.Errorf("the server took %v to exit after SIGTERM with a ?wait=true client whose job it had stopped", took.Round(time.Millisecond))
	}
	if w.err != nil || (w.status != http.StatusAccepted && w.status != http.StatusServiceUnavailable) {
		t.Errorf("the waiting client: want a 202 (the submission as it stands) or a 503, got %d %q, error %v", w.status, w.body, w.err)
	}
}
