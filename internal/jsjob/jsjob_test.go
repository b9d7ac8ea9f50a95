package jsjob

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// countingMsg counts InProgress; nothing else of it is called.
type countingMsg struct {
	jetstream.Msg
	n atomic.Int32
}

func (m *countingMsg) InProgress() error { m.n.Add(1); return nil }

func TestKeepInProgress(t *testing.T) {
	msg := &countingMsg{}
	done := make(chan struct{})
	returned := make(chan struct{})
	go func() {
		KeepInProgress(msg, 30*time.Millisecond, done)
		close(returned)
	}()
	time.Sleep(105 * time.Millisecond)
	close(done)
	<-returned
	if n := msg.n.Load(); n < 5 || n > 11 {
		t.Fatalf("%d in-progress acks in 105 ms at every 10 ms, want about 10", n)
	}
}

func TestSleep(t *testing.T) {
	start := time.Now()
	Sleep(context.Background(), 20*time.Millisecond)
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("slept %v, want 20 ms", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start = time.Now()
	Sleep(ctx, time.Hour)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("slept %v past its ctx's end", d)
	}
}
