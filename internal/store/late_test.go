package store

import (
	"context"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A job whose state its worker cannot read yet (a follower behind its
// leader) is delivered again, not dropped: once the state shows, it
// runs. Here the job is queued before its state is written at all.
func TestJobBeforeItsState(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{})
	ctx := context.Background()
	runs := make(chan string, 4)
	stop := consume(s, func(_ context.Context, id string, payload []byte) ([]byte, error) {
		runs <- id
		return payload, nil
	})
	defer stop()

	const id = "late"
	msg := nats.NewMsg(Subject)
	msg.Data = []byte("payload")
	if _, err := s.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "a second delivery of the job", func() bool {
		info, err := s.cons.Info(ctx)
		return err == nil && info.NumRedelivered > 0
	})
	select {
	case got := <-runs:
		t.Fatalf("%s ran without a state", got)
	default:
	}
	if err := s.Submit(ctx, id, []byte("payload"), nil); err != nil { // writes the state; the publish is a duplicate
		t.Fatal(err)
	}
	if st := waitStatus(t, s, id, StatusDone); string(st.Result) != "payload" {
		t.Fatalf("result %q", st.Result)
	}
	if got := <-runs; got != id {
		t.Fatalf("ran %q", got)
	}
}
