package store

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

func TestWait(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{})
	ctx := context.Background()
	if _, err := s.Wait(ctx, "unknown"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Wait of an unknown id: %v, want ErrNotFound", err)
	}
	if err := s.Submit(ctx, "w", []byte("abc"), []byte("m")); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	st, err := s.Wait(short, "w")
	if !errors.Is(err, context.DeadlineExceeded) || st.Status != StatusQueued || string(st.Meta) != "m" {
		t.Fatalf("Wait with no worker: %+v, %v; want queued and the deadline", st, err)
	}
	release := make(chan struct{})
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		<-release
		return upper(ctx, id, p)
	})
	defer stop()
	got := make(chan State, 1)
	go func() {
		st, err := s.Wait(ctx, "w")
		if err != nil {
			t.Error(err)
		}
		got <- st
	}()
	waitStatus(t, s, "w", StatusRunning)
	time.Sleep(100 * time.Millisecond)
	select {
	case st := <-got:
		t.Fatalf("Wait returned while running: %+v", st)
	default:
	}
	close(release)
	select {
	case st := <-got:
		if st.Status != StatusDone || string(st.Result) != "ABC" {
			t.Fatalf("Wait: %+v", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Wait still waits 5s after the job ended")
	}
	// Over: at once.
	start := time.Now()
	if st, err := s.Wait(ctx, "w"); err != nil || st.Status != StatusDone || time.Since(start) > time.Second {
		t.Fatalf("Wait of a done one: %+v, %v after %v", st, err, time.Since(start))
	}
}

// 200 waiters on 20 submissions all get their result; none leaves a
// subscription or a goroutine behind.
func TestWaitMany(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{})
	ctx := context.Background()
	const jobs, waiters = 20, 200
	for i := range jobs {
		if err := s.Submit(ctx, fmt.Sprintf("m%d", i), []byte(fmt.Sprintf("x%d", i)), nil); err != nil {
			t.Fatal(err)
		}
	}
	subs, goroutines := s.nc.NumSubscriptions(), runtime.NumGoroutine()
	var wg sync.WaitGroup
	errs := make(chan error, waiters)
	for w := range waiters {
		id := fmt.Sprintf("m%d", w%jobs)
		wg.Go(func() {
			st, err := s.Wait(ctx, id)
			if err == nil && (st.Status != StatusDone || string(st.Result) != fmt.Sprintf("X%d", w%jobs)) {
				err = fmt.Errorf("%s: %+v", id, st)
			}
			if err != nil {
				errs <- err
			}
		})
	}
	waitFor(t, 10*time.Second, "the waiters to watch", func() bool { return s.nc.NumSubscriptions() >= subs+waiters })
	start := time.Now()
	stop := consume(s, upper)
	wg.Wait()
	t.Logf("%d waiters served %v after the workers started", waiters, time.Since(start))
	stop()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The workers' pull requests end a little after Consume returns.
	waitFor(t, 5*time.Second, fmt.Sprintf("the subscriptions to be %d again", subs), func() bool { return s.nc.NumSubscriptions() == subs })
	waitFor(t, 5*time.Second, "the goroutines to end", func() bool { return runtime.NumGoroutine() <= goroutines })
}
