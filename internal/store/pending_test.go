package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

func TestPending(t *testing.T) {
	s := openStore(t, t.TempDir(), Config{Workers: 2})
	ctx := context.Background()
	for i := range 5 {
		if err := s.Submit(ctx, fmt.Sprintf("p%d", i), nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	// The consumer's counts follow the stream a moment later.
	waitFor(t, 5*time.Second, "5 queued before consuming", func() bool {
		q, r, err := s.Pending(ctx)
		return q == 5 && r == 0 && err == nil
	})
	release := make(chan struct{})
	stop := consume(s, func(ctx context.Context, id string, p []byte) ([]byte, error) {
		<-release
		return p, nil
	})
	defer stop()
	waitFor(t, 5*time.Second, "3 queued, 2 running", func() bool {
		q, r, err := s.Pending(ctx)
		return q == 3 && r == 2 && err == nil
	})
	close(release)
	waitFor(t, 5*time.Second, "none queued nor running", func() bool {
		q, r, err := s.Pending(ctx)
		return q == 0 && r == 0 && err == nil
	})
	if s.JetStream() != s.js {
		t.Fatal("JetStream is not the store's")
	}
}

// A data directory written by the previous version (a consumer bounding
// deliveries, a stream bounding message size) opens: both are updated.
func TestOpenUpdatesOldConfig(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir, Config{})
	ctx := context.Background()
	_, err := s.js.UpdateStream(ctx, jetstream.StreamConfig{
		Name: StreamName, Subjects: []string{Subject}, Retention: jetstream.WorkQueuePolicy,
		Storage: jetstream.FileStorage, Duplicates: DefaultDedupWindow, MaxMsgSize: 8 << 20,
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.js.UpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable: ConsumerName, AckPolicy: jetstream.AckExplicitPolicy, AckWait: DefaultAckWait,
		MaxDeliver: 5, FilterSubject: Subject,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openStore(t, dir, Config{})
	info, err := s.cons.Info(ctx)
	if err != nil || info.Config.MaxDeliver != -1 {
		t.Fatalf("consumer after Open: %+v, %v; want MaxDeliver -1", info, err)
	}
}
