package store

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// A job whose result was stored but whose ack was lost (the process died
// in between) is redelivered and acked without running; two deliveries
// finishing the same run store one result.
func TestResultStoredOnce(t *testing.T) {
	stored := newCounter()
	cfg := Config{AckWait: 300 * time.Millisecond, OnDone: func(st State) { stored.add(st.Token) }}
	s := openStore(t, t.TempDir(), cfg)
	ctx := context.Background()
	if err := s.Submit(ctx, "once", []byte("x")); err != nil {
		t.Fatal(err)
	}
	msg, err := s.cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	md, err := msg.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	st, rev, run, err := s.claim(ctx, "once", md.Sequence.Stream)
	if err != nil || !run {
		t.Fatalf("claim: run %v, %v", run, err)
	}
	if err := s.finish(ctx, st, rev, []byte("first"), nil); err != nil {
		t.Fatal(err)
	}
	if err := s.finish(ctx, st, rev, []byte("second"), nil); err != nil {
		t.Fatal(err)
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
	if n, m := stored.get("once"), runs.get("once"); n != 1 || m != 0 {
		t.Fatalf("stored %d times, handler ran %d times on redelivery; want 1 and 0", n, m)
	}
}
