package submissions

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestDataDirInUse: a second server started on a data directory another
// one uses must refuse to start, saying so. Two embedded NATS servers on
// the same files each keep their own view and overwrite each other's:
// with both running, each answers 404 for the other's submissions, and
// after both stopped a third server found only the submissions of the
// one stopped first (the other's, all accepted and done, were lost).
func TestDataDirInUse(t *testing.T) {
	t.Parallel()
	dataDir, err := os.MkdirTemp(srv.Root, "inuse-data-")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CODERACER_PARALLELISM": "1"}
	a := startOwn(t, "inuse", dataDir, env)
	b, err := testserver.Start(srv.Bin, srv.Root, testserver.Options{Name: "inuse-second", Env: map[string]string{"CODERACER_DATA_DIR": dataDir, "CODERACER_PARALLELISM": "1"}})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if !b.HasExited() {
			if err := b.Stop(testserver.StopTimeout); err != nil {
				t.Error(err)
			}
		}
	}()
	if err := b.WaitHealthy(30 * time.Second); err == nil {
		t.Errorf("a second server started and became healthy on the data directory %s, which server pid %d uses", dataDir, a.PID)
		return
	}
	if !b.HasExited() || b.ExitErr() == nil {
		t.Fatalf("the second server neither became healthy nor exited with an error: %v", b.ExitErr())
	}
	if log := b.LogTail(4 << 10); !strings.Contains(log, dataDir) {
		t.Errorf("the second server's error does not name the data directory %s:\n%s", dataDir, log)
	}
}
