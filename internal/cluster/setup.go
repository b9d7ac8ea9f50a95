package cluster

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// StreamConfig says how long jobs wait and how many may.
type StreamConfig struct {
	MaxAge    time.Duration // a job nobody fetched within it is dropped
	MaxQueued int           // jobs queued or running at most; more are ErrQueueFull
}

func (c StreamConfig) withDefaults() StreamConfig {
	if c.MaxAge <= 0 {
		c.MaxAge = DefaultMaxAge
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = DefaultMaxQueued
	}
	return c
}

// ensureStream creates or updates the jobs stream: a work queue on file
// storage (a job outlives a NATS restart), deduplicated by job id.
func ensureStream(ctx context.Context, js jetstream.JetStream, c StreamConfig) error {
	c = c.withDefaults()
	_, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       StreamName,
		Subjects:   []string{jobsSubject + ".*"},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		MaxAge:     c.MaxAge,
		Duplicates: min(c.MaxAge, 2*time.Minute),
		MaxMsgs:    int64(c.MaxQueued),
		Discard:    jetstream.DiscardNew,
	})
	if err != nil {
		return fmt.Errorf("cluster: stream %s: %w", StreamName, err)
	}
	return nil
}

// ensureConsumer creates or updates the durable consumer of language's
// jobs, shared by every worker that has it.
func ensureConsumer(ctx context.Context, js jetstream.JetStream, language string, ackWait time.Duration, maxDeliver int) (jetstream.Consumer, error) {
	cons, err := js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:       consumerName(language),
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       ackWait,
		MaxDeliver:    maxDeliver,
		FilterSubject: jobSubject(language),
		// A worker asks for one job per free slot: never more waiting.
		MaxRequestBatch: 1,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: consumer of %s: %w", language, err)
	}
	return cons, nil
}

// workersBucket creates or opens the bucket of workers' advertisements.
func workersBucket(ctx context.Context, js jetstream.JetStream) (jetstream.KeyValue, error) {
	kv, err := js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:  WorkersBucket,
		TTL:     WorkerTTL,
		History: 1,
		Storage: jetstream.MemoryStorage,
	})
	if err != nil {
		return nil, fmt.Errorf("cluster: bucket %s: %w", WorkersBucket, err)
	}
	return kv, nil
}
