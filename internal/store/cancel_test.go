package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A running job is cancelled from another Store on the same NATS (as
// another process would): its handler's ctx ends within a second, the
// submission ends cancelled and reported, its job acked and not run again.
func TestCancelRunning(t *testing.T) {
	var rep reports
	srv := startNATS(t)
	s := openStore(t, "", Config{URL: srv.ClientURL(), OnDone: rep.onDone, AckWait: 500 * time.Millisecond})
	api := openStore(t, "", Config{URL: srv.ClientURL()}) // another connection: another process
	started := make(chan struct{}, 1)
	ended := make(chan time.Time, 1)
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		started <- struct{}{}
		<-ctx.Done()
		ended <- time.Now()
		return []byte("too late"), nil // a result returned anyway is not kept
	})
	defer stop()
	ctx := context.Background()
	if err := s.Submit(ctx, "stuck", []byte("x"), []byte("m")); err != nil {
		t.Fatal(err)
	}
	<-started
	waitStatus(t, s, "stuck", StatusRunning)
	asked := time.Now()
	if err := api.Cancel(ctx, "stuck"); err != nil {
		t.Fatal(err)
	}
	// Again: nil while the worker stops it, ErrFinished once it has.
	if err := api.Cancel(ctx, "stuck"); err != nil && !errors.Is(err, ErrFinished) {
		t.Fatalf("second Cancel: %v, want nil or ErrFinished", err)
	}
	select {
	case at := <-ended:
		t.Logf("handler's ctx ended %v after Cancel", at.Sub(asked))
	case <-time.After(time.Second):
		t.Fatal("the handler still runs 1s after Cancel")
	}
	st, err := api.Wait(ctx, "stuck")
	if err != nil || st.Status != StatusCancelled || st.Error != "cancelled" || st.Result != nil || string(st.Meta) != "m" {
		t.Fatalf("after Cancel: %+v, %v", st, err)
	}
	waitFor(t, 5*time.Second, "the job to be acked", func() bool { return streamMsgs(t, s) == 0 })
	time.Sleep(2 * 500 * time.Millisecond) // room for a wrong redelivery
	if calls := rep.of("stuck"); len(calls) != 1 || calls[0].Status != StatusCancelled {
		t.Fatalf("OnDone calls %+v, want one, cancelled", calls)
	}
	if n := runs.get("stuck"); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
	if err := api.Cancel(ctx, "stuck"); !errors.Is(err, ErrFinished) {
		t.Fatalf("Cancel of a cancelled one: %v, want ErrFinished", err)
	}
}

// Cancel of a queued job is reported when a worker fetches it.
func TestCancelQueuedReported(t *testing.T) {
	var rep reports
	s := openStore(t, t.TempDir(), Config{OnDone: rep.onDone})
	ctx := context.Background()
	if err := s.Submit(ctx, "early", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.Cancel(ctx, "early"); err != nil {
		t.Fatal(err)
	}
	stop := consume(s, upper)
	defer stop()
	waitFor(t, 5*time.Second, "the job to be acked", func() bool { return streamMsgs(t, s) == 0 })
	if calls := rep.of("early"); len(calls) != 1 || calls[0].Status != StatusCancelled || calls[0].Runs != 0 {
		t.Fatalf("OnDone calls %+v, want one, cancelled, not run", calls)
	}
}

// A job whose worker died after Cancel asked it to stop is not run again:
// its redelivery ends it cancelled.
func TestCancelRequestedWorkerGone(t *testing.T) {
	var rep reports
	s := openStore(t, t.TempDir(), Config{OnDone: rep.onDone, AckWait: 300 * time.Millisecond})
	ctx := context.Background()
	if err := s.Submit(ctx, "orphan", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	claimFirst(t, s, "orphan") // running, its worker gone
	if err := s.Cancel(ctx, "orphan"); err != nil {
		t.Fatal(err)
	}
	if st, _ := s.Get(ctx, "orphan"); st.Status != StatusRunning || !st.CancelRequested {
		t.Fatalf("after Cancel of a running one: %+v, want running with CancelRequested", st)
	}
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		return p, nil
	})
	defer stop()
	st := waitStatus(t, s, "orphan", StatusCancelled)
	waitFor(t, 5*time.Second, "the job to be acked", func() bool { return streamMsgs(t, s) == 0 })
	if n := runs.get("orphan"); n != 0 || st.Runs != 1 || len(rep.of("orphan")) != 1 {
		t.Fatalf("state %+v, ran %d more times, %d reports; want 1 run, none more, 1 report", st, n, len(rep.of("orphan")))
	}
}
