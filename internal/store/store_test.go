package store

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// openStore opens a store on an embedded server in dir, closed at the
// test's end.
func openStore(t testing.TB, dir string, cfg Config) *Store {
	t.Helper()
	cfg.DataDir = dir
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s, err := Open(ctx, cfg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// consume runs s.Consume in the background until the returned stop is
// called; stop waits for the workers.
func consume(s *Store, h Handler) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Consume(ctx, h)
	}()
	return func() { cancel(); <-done }
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func waitStatus(t *testing.T, s *Store, id string, want Status) State {
	t.Helper()
	var st State
	waitFor(t, 10*time.Second, id+" "+string(want), func() bool {
		var err error
		st, err = s.Get(context.Background(), id)
		return err == nil && st.Status == want
	})
	return st
}

func upper(_ context.Context, _ string, p []byte) ([]byte, error) {
	return bytes.ToUpper(p), nil
}

// counter counts calls per id, safe for the workers.
type counter struct {
	mu sync.Mutex
	n  map[string]int
}

func newCounter() *counter { return &counter{n: map[string]int{}} }

func (c *counter) add(id string) {
	c.mu.Lock()
	c.n[id]++
	c.mu.Unlock()
}

func (c *counter) get(id string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id]
}

func (c *counter) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.n)
}

func streamMsgs(t *testing.T, s *Store) uint64 {
	t.Helper()
	st, err := s.js.Stream(context.Background(), StreamName)
	if err != nil {
		t.Fatal(err)
	}
	info, err := st.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

func TestSubmitConsumeGet(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{})
	ctx := context.Background()
	before := time.Now().UTC()
	for i := range 5 {
		if err := s.Submit(ctx, fmt.Sprintf("job-%d", i), []byte(fmt.Sprintf("hello %d", i)), []byte(fmt.Sprintf("meta %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	st, err := s.Get(ctx, "job-0")
	if err != nil || st.Status != StatusQueued || st.Token != "job-0" || st.Created.Before(before) {
		t.Fatalf("before consuming: %+v, %v", st, err)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get of an unknown id: %v, want ErrNotFound", err)
	}
	stop := consume(s, upper)
	defer stop()
	for i := range 5 {
		st := waitStatus(t, s, fmt.Sprintf("job-%d", i), StatusDone)
		if want := fmt.Sprintf("HELLO %d", i); string(st.Result) != want || st.Error != "" {
			t.Errorf("job-%d: result %q error %q, want %q", i, st.Result, st.Error, want)
		}
		if want := fmt.Sprintf("meta %d", i); string(st.Meta) != want {
			t.Errorf("job-%d: meta %q, want %q", i, st.Meta, want)
		}
		if st.Runs != 1 || st.Started.Before(st.Created) || st.Finished.Before(st.Started) {
			t.Errorf("job-%d: runs %d, times %v %v %v", i, st.Runs, st.Created, st.Started, st.Finished)
		}
	}
	waitFor(t, 5*time.Second, "the queue to empty", func() bool { return streamMsgs(t, s) == 0 })
}

func TestSubmitDuplicate(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{})
	ctx := context.Background()
	for _, p := range []string{"first", "second", "third"} {
		if err := s.Submit(ctx, "same", []byte(p), []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if n := streamMsgs(t, s); n != 1 {
		t.Fatalf("%d messages queued for one id, want 1", n)
	}
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		return p, nil
	})
	defer stop()
	st := waitStatus(t, s, "same", StatusDone)
	if string(st.Result) != "first" || string(st.Meta) != "first" {
		t.Fatalf("result %q meta %q, want the first payload and meta", st.Result, st.Meta)
	}
	if err := s.Submit(ctx, "same", []byte("again"), nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := runs.get("same"); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
	if st, _ := s.Get(ctx, "same"); string(st.Result) != "first" {
		t.Fatalf("a resubmission after done changed the result to %q", st.Result)
	}
}

func TestInvalidID(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{MaxPayload: 1024})
	ctx := context.Background()
	for _, id := range []string{"", "a.b", "a b", "a/b", "a*", ">", "é", strings.Repeat("a", 129)} {
		if err := s.Submit(ctx, id, nil, nil); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Submit(%q): %v, want ErrInvalidID", id, err)
		}
		if _, err := s.Get(ctx, id); !errors.Is(err, ErrInvalidID) {
			t.Errorf("Get(%q): %v, want ErrInvalidID", id, err)
		}
	}
	if err := s.Submit(ctx, "big", make([]byte, 1025), nil); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Submit of 1025 bytes with MaxPayload 1024: %v, want ErrTooLarge", err)
	}
	if err := s.Submit(ctx, "big", make([]byte, 600), make([]byte, 600)); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Submit of 600+600 bytes with MaxPayload 1024: %v, want ErrTooLarge", err)
	}
	if err := s.Cancel(ctx, "a.b"); !errors.Is(err, ErrInvalidID) {
		t.Errorf("Cancel(a.b): %v, want ErrInvalidID", err)
	}
	if _, err := s.Wait(ctx, "a.b"); !errors.Is(err, ErrInvalidID) {
		t.Errorf("Wait(a.b): %v, want ErrInvalidID", err)
	}
}

// A job longer than AckWait is not redelivered: the worker sends
// in-progress acks while it runs.
func TestLongJobNotRedelivered(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{AckWait: 300 * time.Millisecond, Workers: 2})
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		time.Sleep(1500 * time.Millisecond)
		return p, nil
	})
	defer stop()
	if err := s.Submit(context.Background(), "long", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, s, "long", StatusDone)
	if n := runs.get("long"); n != 1 || st.Runs != 1 {
		t.Fatalf("handler ran %d times (state says %d), want 1", n, st.Runs)
	}
	info, err := s.cons.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.NumRedelivered != 0 || info.NumAckPending != 0 {
		t.Fatalf("consumer: %d redelivered, %d ack pending, want 0 and 0", info.NumRedelivered, info.NumAckPending)
	}
}

func TestCancel(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{})
	ctx := context.Background()
	for _, id := range []string{"keep", "drop"} {
		if err := s.Submit(ctx, id, []byte(id), nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Cancel(ctx, "drop"); err != nil {
		t.Fatal(err)
	}
	if err := s.Cancel(ctx, "unknown"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Cancel of an unknown id: %v, want ErrNotFound", err)
	}
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		return p, nil
	})
	defer stop()
	waitStatus(t, s, "keep", StatusDone)
	waitFor(t, 5*time.Second, "the queue to empty", func() bool { return streamMsgs(t, s) == 0 })
	if st, _ := s.Get(ctx, "drop"); st.Status != StatusCancelled || st.Runs != 0 || st.Error != "cancelled" {
		t.Fatalf("cancelled job: %+v", st)
	}
	if n := runs.get("drop"); n != 0 {
		t.Fatalf("the handler ran a cancelled job %d times", n)
	}
	for _, id := range []string{"keep", "drop"} {
		if err := s.Cancel(ctx, id); !errors.Is(err, ErrFinished) {
			t.Errorf("Cancel of %s: %v, want ErrFinished", id, err)
		}
	}
}

// A handler that keeps failing ends its job on the last delivery, with
// the error recorded and no result.
func TestHandlerError(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{MaxDeliver: 2})
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		if id == "panics" {
			panic("boom")
		}
		return nil, errors.New("engine down")
	})
	defer stop()
	for _, id := range []string{"fails", "panics"} {
		if err := s.Submit(context.Background(), id, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	for id, want := range map[string]string{"fails": "engine down", "panics": "panicked: boom"} {
		st := waitStatus(t, s, id, StatusDone)
		if !strings.Contains(st.Error, want) || st.Result != nil || st.Runs != 2 || runs.get(id) != 2 {
			t.Errorf("%s: %+v after %d runs, want error %q after 2", id, st, runs.get(id), want)
		}
	}
}

func TestResultTTL(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{ResultTTL: time.Second})
	stop := consume(s, upper)
	defer stop()
	if err := s.Submit(context.Background(), "short", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, "short", StatusDone)
	start := time.Now()
	waitFor(t, 10*time.Second, "the state to expire", func() bool {
		_, err := s.Get(context.Background(), "short")
		return errors.Is(err, ErrNotFound)
	})
	t.Logf("state expired %v after done", time.Since(start))
}

// An id submitted again while queued, after its dedup window, is queued
// twice; it still runs once: the copy fetched while the other runs is
// acked without running.
func TestResubmitAfterDedupWindow(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{DedupWindow: 100 * time.Millisecond, Workers: 2})
	ctx := context.Background()
	if err := s.Submit(ctx, "twice", []byte("x"), nil); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "a second copy past the dedup window", func() bool {
		if err := s.Submit(ctx, "twice", []byte("x"), nil); err != nil {
			t.Fatal(err)
		}
		return streamMsgs(t, s) == 2
	})
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		time.Sleep(500 * time.Millisecond) // the other worker fetches the copy meanwhile
		return p, nil
	})
	defer stop()
	waitStatus(t, s, "twice", StatusDone)
	waitFor(t, 5*time.Second, "the queue to empty", func() bool { return streamMsgs(t, s) == 0 })
	if n := runs.get("twice"); n != 1 {
		t.Fatalf("handler ran %d times, want 1", n)
	}
}

// After its state expired an id is a new submission: it runs again.
func TestResubmitAfterTTL(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{ResultTTL: time.Second})
	runs := newCounter()
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		runs.add(id)
		return p, nil
	})
	defer stop()
	ctx := context.Background()
	if err := s.Submit(ctx, "again", []byte("1"), nil); err != nil {
		t.Fatal(err)
	}
	waitStatus(t, s, "again", StatusDone)
	waitFor(t, 10*time.Second, "the state to expire", func() bool {
		_, err := s.Get(ctx, "again")
		return errors.Is(err, ErrNotFound)
	})
	if err := s.Submit(ctx, "again", []byte("2"), nil); err != nil {
		t.Fatal(err)
	}
	if st := waitStatus(t, s, "again", StatusDone); string(st.Result) != "2" || runs.get("again") != 2 {
		t.Fatalf("resubmission after expiry: %+v, %d runs", st, runs.get("again"))
	}
}

// TestDataDirLocked: a second Open of a data directory in use is refused,
// naming it; once the first is closed, it opens.
func TestDataDirLocked(t *testing.T) {
	dir := t.TempDir()
	first := openStore(t, dir, Config{})
	_, err := Open(context.Background(), Config{DataDir: dir})
	if !errors.Is(err, ErrDataDirInUse) || !strings.Contains(err.Error(), dir) {
		t.Fatalf("a second Open: %v, want ErrDataDirInUse naming %s", err, dir)
	}
	first.Close()
	openStore(t, dir, Config{})
}
