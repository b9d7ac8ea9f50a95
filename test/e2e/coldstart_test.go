package e2e

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// TestColdStartAnswersBeforeProbes: from an empty data directory, the
// server answers health 200 before its version probes have ended (they
// run after it listens); a client that found it healthy runs a job at
// once, which waits for its own runtime's probe only, and reads the
// runtime lists, which wait for every probe: they are those of a warm
// start, byte for byte. One sandbox (parallelism 1), so that the probes
// run one at a time and take long enough to be seen running.
func TestColdStartAnswersBeforeProbes(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	env := map[string]string{"CODERACER_DATA_DIR": data, "CODERACER_PARALLELISM": "1"}
	s, took, err := testserver.StartTimed(binPath, tmpRoot, testserver.Options{Name: "cold1", Env: env}, testserver.HealthTimeout)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	defer func() {
		if !stopped {
			s.Stop(testserver.StopTimeout)
		}
	}()
	type listed struct {
		lists map[string]string
		err   error
		at    time.Duration
	}
	begin := time.Now()
	got := make(chan listed, 1)
	go func() {
		lists, err := testserver.RuntimeLists(s)
		got <- listed{lists, err, time.Since(begin)}
	}()
	r := testserver.MustExecute(t, s, testserver.Python(`print("hi")`))
	jobAt := time.Since(begin)
	if r.Status != "OK" || r.Stdout != "hi\n" || r.Version == "" {
		t.Errorf("python3 hello right after health: status %q, stdout %q, version %q", r.Status, r.Stdout, r.Version)
	}
	cold := <-got
	if cold.err != nil {
		t.Fatal(cold.err)
	}
	stopped = true
	if err := s.Stop(testserver.StopTimeout); err != nil {
		t.Error(err)
	}
	t.Logf("cold start: health in %v; then a python3 hello in %v, the runtime lists in %v",
		took.Round(time.Millisecond), jobAt.Round(time.Millisecond), cold.at.Round(time.Millisecond))
	checkColdLog(t, s.LogPath)

	// The python3 job's version is the one the lists give.
	var rts []RuntimeInfo
	if err := json.Unmarshal([]byte(cold.lists["/api/v1/runtimes"]), &rts); err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(rts, func(rt RuntimeInfo) bool { return rt.Language == "python3" }); i < 0 || rts[i].Version != r.Version {
		t.Errorf("the job ran python3 %q; GET /api/v1/runtimes: %+v", r.Version, rts)
	}

	warm, _, cached := startedRuntimes(t, "warm1", data)
	if len(cached) != len(rts) {
		t.Errorf("warm start: %d runtimes from the version cache, want the %d the cold start listed", len(cached), len(rts))
	}
	for _, path := range slices.Sorted(maps.Keys(cold.lists)) {
		if warm[path] != cold.lists[path] {
			t.Errorf("GET %s right after a cold start differs from a warm start's:\ncold: %s\nwarm: %s", path,
				testserver.Shorten(cold.lists[path], 3000), testserver.Shorten(warm[path], 3000))
		}
	}
}

// checkColdLog requires, in a cold start's log, the first health 200 and
// the first execute answered before the end of the version probes, and
// every runtime probed.
func checkColdLog(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	log := string(data)
	detected := regexp.MustCompile(`msg="runtimes detected" available=(\d+) of=(\d+) probed=(\d+)`).FindStringSubmatchIndex(log)
	if detected == nil {
		t.Fatalf("no \"runtimes detected\" line in the log %s", path)
	}
	m := func(i int) string { return log[detected[2*i]:detected[2*i+1]] }
	if m(3) != m(2) || m(1) == "0" {
		t.Errorf("cold start: %s runtimes available of %s, %s probed; want every one probed", m(1), m(2), m(3))
	}
	for _, req := range []string{"path=/api/v1/health status=200", "path=/api/v1/execute status=200"} {
		at := strings.Index(log, req)
		switch {
		case at < 0:
			t.Errorf("no %q in the log %s", req, path)
		case at > detected[0]:
			t.Errorf("the first %q came after the probes ended: the server did not answer while they ran (log %s)", req, path)
		}
	}
}
