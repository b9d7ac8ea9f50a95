package e2e

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/coderacer/coderacer/test/testserver"
)

// startedRuntimes starts a server on data, takes its runtime lists once
// it is healthy, stops it, and returns the lists, the languages its log
// says were available and those of them taken from the version cache.
func startedRuntimes(t *testing.T, name, data string) (lists map[string]string, available, cached []string) {
	t.Helper()
	s, took, err := testserver.StartTimed(binPath, tmpRoot, testserver.Options{Name: name,
		Env: map[string]string{"CODERACER_DATA_DIR": data}}, testserver.HealthTimeout)
	if err != nil {
		t.Fatal(err)
	}
	lists, err = testserver.RuntimeLists(s)
	if stopErr := s.Stop(testserver.StopTimeout); stopErr != nil {
		t.Error(stopErr)
	}
	if err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(s.LogPath)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`msg="runtime available" language=(\S+) version=\S+ cached=(true|false)`)
	for _, m := range line.FindAllStringSubmatch(string(log), -1) {
		available = append(available, m[1])
		if m[2] == "true" {
			cached = append(cached, m[1])
		}
	}
	slices.Sort(available)
	slices.Sort(cached)
	t.Logf("%s start: healthy in %v, %d runtimes, %d from the version cache", name, took.Round(time.Millisecond), len(available), len(cached))
	return lists, available, cached
}

// TestStartupVersionCache: a server started on the data directory of one
// that probed every runtime takes every version from the version cache
// (runtime-versions.json) and answers the runtime lists of every dialect
// exactly as the first did.
func TestStartupVersionCache(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	coldLists, coldAvail, coldCached := startedRuntimes(t, "cold", data)
	if len(coldAvail) == 0 || len(coldCached) != 0 {
		t.Fatalf("cold start: %d runtimes available, %d from a cache that was empty", len(coldAvail), len(coldCached))
	}
	if _, err := os.Stat(filepath.Join(data, "runtime-versions.json")); err != nil {
		t.Fatalf("the cold start left no version cache: %v", err)
	}
	warmLists, warmAvail, warmCached := startedRuntimes(t, "warm", data)
	if !slices.Equal(warmAvail, coldAvail) || !slices.Equal(warmCached, coldAvail) {
		t.Errorf("warm start: available %q, cached %q; want every one of the cold start's %q from the cache", warmAvail, warmCached, coldAvail)
	}
	for _, path := range slices.Sorted(maps.Keys(coldLists)) {
		if warmLists[path] != coldLists[path] {
			t.Errorf("GET %s differs after a warm start:\ncold: %s\nwarm: %s", path,
				testserver.Shorten(coldLists[path], 3000), testserver.Shorten(warmLists[path], 3000))
		}
	}
}
