package submissions

import (
	"bytes"
	"encoding/json"
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
	at     time.Time
}

// TestShutdownWithWaiter: SIGTERM while a client waits (?wait=true) for a
// running submission. The client is answered at once with the submission
// as it stands (202): no more work is taken, so waiting longer could be in
// vain. The running job gets the shutdown's grace (10 s) to finish, as a
// request does, and is found done by the next server.
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
			got <- waitAnswer{err: err, at: time.Now()}
			return
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		got <- waitAnswer{resp.StatusCode, data, err, time.Now()}
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
	if answered := w.at.Sub(start); answered > 2*time.Second {
		t.Errorf("the waiting client was answered %v after SIGTERM, want at once", answered.Round(time.Millisecond))
	}
	if took > 12*time.Second {
		t.Errorf("the server took %v to exit after SIGTERM, past its 10 s grace", took.Round(time.Millisecond))
	}
	if w.err != nil || w.status != http.StatusAccepted {
		t.Fatalf("the waiting client: want a 202 (the submission as it stands), got %d %q, error %v", w.status, w.body, w.err)
	}
	var v struct{ Token string }
	if err := json.Unmarshal(w.body, &v); err != nil || v.Token == "" {
		t.Fatalf("the 202 %s holds no token", w.body)
	}
	b := startOwn(t, "shutdown-again", dataDir, nil) // stopped at the end
	code, _, data := testserver.Do(t, b, "GET", "/api/v1/submissions/"+v.Token, nil)
	if code != http.StatusOK || !bytes.Contains(data, []byte(`"status":"done"`)) || !bytes.Contains(data, []byte("waited")) {
		t.Errorf("after the restart the job that ran through the shutdown is %d %s, want done with its output", code, testserver.Shorten(string(data), 400))
	}
}
