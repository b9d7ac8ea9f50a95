package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestQueueFull: past MaxQueued jobs queued or running, Submit is
// ErrQueueFull and leaves no state behind; a finished job makes room.
func TestQueueFull(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{MaxQueued: 3})
	ctx := context.Background()
	for i := range 3 {
		if err := s.Submit(ctx, fmt.Sprint("job-", i), []byte("x"), nil); err != nil {
			t.Fatalf("Submit %d: %v", i, err)
		}
	}
	err := s.Submit(ctx, "job-3", []byte("x"), nil)
	if !errors.Is(err, ErrQueueFull) {
		t.Fatalf("the 4th Submit: %v, want ErrQueueFull", err)
	}
	if _, err := s.Get(ctx, "job-3"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("the refused job's state: %v, want none", err)
	}
	stop := consume(s, func(ctx context.Context, id string, payload []byte) ([]byte, error) { return payload, nil })
	defer stop()
	if _, err := s.Wait(ctx, "job-0"); err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if err = s.Submit(ctx, "job-3", []byte("x"), nil); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("Submit once the queue drained: %v", err)
	}
}
