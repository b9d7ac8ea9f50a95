package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/coderacer/coderacer/internal/jsjob"
)

const (
	// firstAttempt bounds the first attempt at the stream and buckets:
	// a cluster without a JetStream leader does not answer at all, and a
	// request may be lost while its routes settle (it is then answered
	// at once the next time). Each attempt after it has twice the time,
	// up to lastAttempt.
	firstAttempt = time.Second
	lastAttempt  = 8 * time.Second
	// setupRetry is the pause between attempts.
	setupRetry = 100 * time.Millisecond
	// setupLogEvery spaces the log lines of a long wait.
	setupLogEvery = 5 * time.Second
)

// setupWhenReady sets up the stream and buckets, waiting until ctx ends
// for a JetStream that is not ready yet: the servers of a cluster start
// one by one and elect their leaders, and a stream of 3 replicas cannot
// be placed until 3 servers are up.
func (s *Store) setupWhenReady(ctx context.Context) error {
	logged := time.Now()
	waiting := func(err error) {
		if time.Since(logged) > setupLogEvery {
			s.cfg.Logger.Info("store: waiting for JetStream", "err", err)
			logged = time.Now()
		}
	}
	// An embedded server of a cluster first finds its meta leader:
	// until then a request is lost, and waits for its whole attempt.
	for s.srv != nil && !s.srv.JetStreamIsCurrent() && ctx.Err() == nil {
		waiting(errors.New("no JetStream meta leader yet: are the other servers of the routes up?"))
		jsjob.Sleep(ctx, setupRetry)
	}
	for attempt := firstAttempt; ; attempt = min(2*attempt, lastAttempt) {
		actx, cancel := context.WithTimeout(ctx, attempt)
		err := s.setup(actx)
		cancel()
		if err == nil || ctx.Err() != nil || !notReady(err) {
			return err
		}
		waiting(err)
		jsjob.Sleep(ctx, setupRetry)
	}
}

// notReady says whether err is a JetStream that may soon be ready: no
// leader yet, too few servers, a request unanswered. A NATS without
// JetStream will not be.
func notReady(err error) bool {
	var apiErr *jetstream.APIError
	if errors.Is(err, jetstream.ErrJetStreamNotEnabled) || errors.Is(err, nats.ErrNoResponders) ||
		errors.As(err, &apiErr) && apiErr.ErrorCode == jetstream.JSErrCodeJetStreamNotEnabled {
		return false
	}
	if errors.As(err, &apiErr) {
		switch apiErr.ErrorCode {
		case 10005, // no suitable peers for placement
			10008, // JetStream system temporarily unavailable
			10009, // JetStream cluster can not handle request
			10023, // insufficient resources
			10126: // consumer replicas exceed the stream's: its update to more is under way
			return true
		}
		return apiErr.Code == 503
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout)
}

func (s *Store) setup(ctx context.Context) error {
	_, err := s.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:       StreamName,
		Subjects:   []string{Subject},
		Retention:  jetstream.WorkQueuePolicy,
		Storage:    jetstream.FileStorage,
		Duplicates: s.cfg.DedupWindow,
		// A flood of submissions is refused at the door (ErrQueueFull)
		// rather than filling the disk.
		MaxMsgs:  int64(s.cfg.MaxQueued),
		Discard:  jetstream.DiscardNew,
		Replicas: s.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("store: stream %s: %w", StreamName, err)
	}
	// Deliveries are not bounded: a job is redelivered until it is acked
	// (OnDone may fail for a while); Config.MaxDeliver bounds its runs.
	s.cons, err = s.js.CreateOrUpdateConsumer(ctx, StreamName, jetstream.ConsumerConfig{
		Durable:       ConsumerName,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       s.cfg.AckWait,
		MaxDeliver:    -1,
		FilterSubject: Subject,
		Replicas:      s.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("store: consumer %s: %w", ConsumerName, err)
	}
	s.kv, err = s.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:   BucketName,
		TTL:      s.cfg.ResultTTL,
		Storage:  jetstream.FileStorage,
		History:  1,
		Replicas: s.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("store: bucket %s: %w", BucketName, err)
	}
	s.blobs, err = s.js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
		Bucket:   BlobBucketName,
		TTL:      2*s.cfg.ResultTTL + blobMargin,
		Storage:  jetstream.FileStorage,
		Replicas: s.cfg.Replicas,
	})
	if err != nil {
		return fmt.Errorf("store: bucket %s: %w", BlobBucketName, err)
	}
	return nil
}
