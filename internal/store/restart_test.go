package store

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// 200 submissions; the server goes down while handlers run; a new store
// on the same data directory finishes the rest. Every submission ends
// done once: a job that was running may run again, its result is
// stored (and reported) once.
func TestRestartDurability(t *testing.T) {
	const total, firstPart = 200, 60
	dir := t.TempDir()
	done := newCounter() // OnDone calls: results stored, per id
	runs := newCounter()
	cfg := Config{Workers: 4, AckWait: 500 * time.Millisecond, StopGrace: -1, OnDone: func(_ context.Context, st State) error { done.add(st.Token); return nil }}
	s1 := openStore(t, dir, cfg)
	ctx := context.Background()
	for i := range total {
		if err := s1.Submit(ctx, fmt.Sprintf("r%03d", i), []byte(fmt.Sprint(i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	var finished atomic.Int64
	var blocked sync.WaitGroup
	blocked.Add(cfg.Workers)
	stop := consume(s1, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		if finished.Add(1) > firstPart {
			blocked.Done()
			<-ctx.Done() // mid-handler when the server goes down
			return nil, ctx.Err()
		}
		return p, nil
	})
	blocked.Wait()
	s1.srv.Shutdown() // abrupt: nothing of the running jobs is acked or stored
	s1.srv.WaitForShutdown()
	stop()
	s1.Close()
	inFlight := map[string]bool{}
	for id := range runs.n {
		if done.get(id) == 0 {
			inFlight[id] = true
		}
	}
	if done.len() < firstPart-cfg.Workers || len(inFlight) != cfg.Workers {
		t.Fatalf("before the restart: %d stored, %d in flight; want about %d and %d", done.len(), len(inFlight), firstPart, cfg.Workers)
	}

	s2 := openStore(t, dir, cfg)
	stop2 := consume(s2, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		return p, nil
	})
	defer stop2()
	waitFor(t, 20*time.Second, "every submission to be stored", func() bool { return done.len() == total })
	time.Sleep(2 * cfg.AckWait) // room for a wrong redelivery to show
	for i := range total {
		id := fmt.Sprintf("r%03d", i)
		st, err := s2.Get(ctx, id)
		if err != nil || st.Status != StatusDone || string(st.Result) != fmt.Sprint(i) {
			t.Errorf("%s: %+v, %v", id, st, err)
		}
		if n := done.get(id); n != 1 {
			t.Errorf("%s: result stored %d times, want 1", id, n)
		}
		want := 1
		if inFlight[id] {
			want = 2
		}
		if n := runs.get(id); n != want || st.Runs != want {
			t.Errorf("%s: ran %d times (state says %d), want %d", id, n, st.Runs, want)
		}
	}
	if n := streamMsgs(t, s2); n != 0 {
		t.Errorf("%d jobs left in the queue", n)
	}
}

// TestStopGrace: a job running when Consume's ctx ends finishes within
// the grace and is stored; no new job is fetched after the end.
func TestStopGrace(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{Workers: 1, StopGrace: 5 * time.Second})
	ctx := context.Background()
	for _, id := range []string{"first", "second"} {
		if err := s.Submit(ctx, id, []byte(id), nil); err != nil {
			t.Fatal(err)
		}
	}
	started := make(chan struct{}, 2)
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Consume(cctx, func(ctx context.Context, id string, p []byte) ([]byte, error) {
			started <- struct{}{}
			select {
			case <-time.After(300 * time.Millisecond):
				return p, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		})
	}()
	<-started
	cancel()
	<-done
	st, err := s.Get(ctx, "first")
	if err != nil || st.Status != StatusDone || string(st.Result) != "first" {
		t.Fatalf("the job running at the stop: %+v, %v; want it done", st, err)
	}
	if st, _ := s.Get(ctx, "second"); st.Status != StatusQueued || len(started) != 0 {
		t.Fatalf("a job was fetched after the stop: %+v", st)
	}
}
