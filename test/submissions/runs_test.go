package submissions

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/coderacer/coderacer/internal/store"
)

// storedRuns opens the store a stopped server left in dataDir (its
// embedded NATS, in this process) and returns how many times each
// token's job was started: the API does not show it, the store keeps it.
func storedRuns(t *testing.T, dataDir string, tokens []string) []int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := store.Open(ctx, store.Config{DataDir: dataDir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("opening the stopped server's store: %v", err)
	}
	defer st.Close()
	runs := make([]int, len(tokens))
	for i, tok := range tokens {
		s, err := st.Get(ctx, tok)
		if err != nil {
			t.Fatalf("store: %s: %v", tok, err)
		}
		runs[i] = s.Runs
	}
	return runs
}

// checkRuns requires every job started once, but those a worker held at
// the kill (at most workers of them): twice. A job done before the kill
// ran once.
func checkRuns(t *testing.T, runs []int, before []View, workers int) {
	t.Helper()
	twice := 0
	for i, n := range runs {
		switch {
		case n == 2 && before[i].Status != "done":
			twice++
		case n != 1:
			t.Errorf("submission %d (%s before the kill) was started %d times", i, before[i].Status, n)
		}
	}
	t.Logf("run counts in the store: %d of %d jobs started twice (a worker held them at the kill), the rest once", twice, len(runs))
	if twice > workers {
		t.Errorf("%d jobs started twice, but only %d workers could hold one at the kill", twice, workers)
	}
}
