package store

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// reports records OnDone's calls, safe for the workers.
type reports struct {
	mu    sync.Mutex
	calls []State
}

func (r *reports) onDone(_ context.Context, st State) error {
	r.mu.Lock()
	r.calls = append(r.calls, st)
	r.mu.Unlock()
	return nil
}

func (r *reports) of(id string) []State {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []State
	for _, st := range r.calls {
		if st.Token == id {
			out = append(out, st)
		}
	}
	return out
}

// A worker that died after storing a job's result and before acking it
// (simulated: the real claim and finish, then neither report nor ack)
// leaves the job to its redelivery, which calls OnDone with the stored
// result and acks without running the handler. A second finish of the
// same run stores nothing.
func TestCrashBetweenStoreAndAck(t *testing.T) {
	var rep reports
	s := openStore(t, t.TempDir(), Config{AckWait: 300 * time.Millisecond, OnDone: rep.onDone})
	ctx := context.Background()
	if err := s.Submit(ctx, "once", []byte("x"), []byte("m")); err != nil {
		t.Fatal(err)
	}
	_, rec, rev := claimFirst(t, s, "once")
	if _, err := s.finish(ctx, rec, rev, outcome{result: []byte("first")}); err != nil {
		t.Fatal(err)
	}
	final, err := s.finish(ctx, rec, rev, outcome{result: []byte("second")})
	if err != nil || string(final.Result) != "first" {
		t.Fatalf("second finish: %+v, %v; want the first result", final, err)
	}
	// No ack: the job comes back after AckWait.
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		return []byte("third"), nil
	})
	defer stop()
	waitFor(t, 5*time.Second, "the redelivery to be acked", func() bool { return streamMsgs(t, s) == 0 })
	got, err := s.Get(ctx, "once")
	if err != nil || string(got.Result) != "first" || got.Runs != 1 {
		t.Fatalf("state %+v, %v; want the first result after 1 run", got, err)
	}
	calls := rep.of("once")
	if len(calls) != 1 || string(calls[0].Result) != "first" || string(calls[0].Meta) != "m" || runs.get("once") != 0 {
		t.Fatalf("OnDone calls %+v, handler ran %d times on redelivery; want 1 call with the first result, no run", calls, runs.get("once"))
	}
}

// OnDone failing leaves the job unacked: it is redelivered, OnDone is
// called again with the same state, the handler does not run again.
func TestOnDoneRetried(t *testing.T) {
	var rep reports
	var mu sync.Mutex
	failed := false
	cfg := Config{OnDone: func(ctx context.Context, st State) error {
		rep.onDone(ctx, st)
		mu.Lock()
		defer mu.Unlock()
		if !failed {
			failed = true
			return errors.New("callback queue down")
		}
		return nil
	}}
	s := openStore(t, t.TempDir(), cfg)
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		return p, nil
	})
	defer stop()
	start := time.Now()
	if err := s.Submit(context.Background(), "flaky", []byte("r"), nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "OnDone's second call", func() bool { return len(rep.of("flaky")) == 2 })
	waitFor(t, 5*time.Second, "the job to be acked", func() bool { return streamMsgs(t, s) == 0 })
	t.Logf("reported again %v after the submission", time.Since(start))
	calls := rep.of("flaky")
	a, b := calls[0], calls[1]
	if string(a.Result) != "r" || string(b.Result) != "r" || !a.Finished.Equal(b.Finished) || a.Status != StatusDone {
		t.Fatalf("OnDone calls %+v and %+v; want the same stored state twice", a, b)
	}
	if n := runs.get("flaky"); n != 1 || b.Runs != 1 {
		t.Fatalf("handler ran %d times (state says %d), want 1", n, b.Runs)
	}
	time.Sleep(1500 * time.Millisecond) // room for a wrong third report
	if n := len(rep.of("flaky")); n != 2 {
		t.Fatalf("OnDone called %d times, want 2", n)
	}
}

// A job whose worker died on its last run allowed is not run again: its
// redelivery ends it with an error, reported.
func TestGiveUpAfterLastRun(t *testing.T) {
	var rep reports
	s := openStore(t, t.TempDir(), Config{MaxDeliver: 1, AckWait: 300 * time.Millisecond, OnDone: rep.onDone})
	if err := s.Submit(context.Background(), "crashy", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	claimFirst(t, s, "crashy") // its one run started, its worker gone
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		return p, nil
	})
	defer stop()
	st := waitStatus(t, s, "crashy", StatusDone)
	waitFor(t, 5*time.Second, "the job to be acked", func() bool { return streamMsgs(t, s) == 0 })
	if !strings.Contains(st.Error, "gave up after 1 runs") || st.Result != nil || runs.get("crashy") != 0 || len(rep.of("crashy")) != 1 {
		t.Fatalf("state %+v, ran %d more times, %d reports", st, runs.get("crashy"), len(rep.of("crashy")))
	}
}
