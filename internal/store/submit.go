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

// Submit records id as queued, with meta, and queues its payload. It is
// idempotent: submitting an id again does not queue it twice, and the
// first payload and meta are kept. The state is written before the job
// is published, so a worker always finds it; a Submit that failed
// between the two is completed by its retry (the publish is deduplicated
// by id). ErrTooLarge if payload and meta together exceed
// Config.MaxPayload.
func (s *Store) Submit(ctx context.Context, id string, payload, meta []byte) error {
	if err := checkID(id); err != nil {
		return err
	}
	if n := len(payload) + len(meta); n > s.cfg.MaxPayload {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, n, s.cfg.MaxPayload)
	}
	var created bool
	err := s.retryTransient(ctx, func() (err error) {
		created, err = s.create(ctx, id, meta)
		return err
	})
	if err != nil || !created {
		return err
	}
	// Queuing again is safe: the stream dedups by id.
	err = s.retryTransient(ctx, func() error { return s.publish(ctx, id, payload) })
	if errors.Is(err, ErrQueueFull) {
		s.forget(ctx, id) // refused: no state may say it is queued
	}
	return err
}

// jsStreamStoreFailed is JetStream's error code for a message its stream
// refused to store, e.g. past MaxMsgs with DiscardNew.
const jsStreamStoreFailed = 10077

// forget deletes the state of a job that was never queued.
func (s *Store) forget(ctx context.Context, id string) {
	rec, rev, err := s.get(ctx, id)
	if err != nil || rec.Status != StatusQueued {
		return
	}
	if err := s.kv.Delete(ctx, id, jetstream.LastRevision(rev)); err == nil {
		s.drop(ctx, rec.MetaBlob)
	}
}

// create writes id's first state and says whether the job is to be
// queued: yes if it is new or still queued (a Submit that failed before
// publishing), no if it is running or over.
func (s *Store) create(ctx context.Context, id string, meta []byte) (bool, error) {
	rec := record{State: State{Token: id, Status: StatusQueued, Created: time.Now().UTC()}}
	var err error
	if rec.Meta, rec.MetaBlob, err = s.stash(ctx, id, "meta", meta); err != nil {
		return false, err
	}
	b, err := encodeRecord(rec)
	if err != nil {
		return false, err
	}
	_, err = s.kv.Create(ctx, id, b)
	if err == nil {
		return true, nil
	}
	s.drop(ctx, rec.MetaBlob) // the state that would name it is not ours
	if !errors.Is(err, jetstream.ErrKeyExists) {
		return false, fmt.Errorf("store: record %s: %w", id, err)
	}
	cur, _, err := s.get(ctx, id)
	return err == nil && cur.Status == StatusQueued, err
}

// publish queues id's job, its payload inline or as a blob's name.
func (s *Store) publish(ctx context.Context, id string, payload []byte) error {
	msg := nats.NewMsg(Subject)
	data, blob, err := s.stash(ctx, id, "payload", payload)
	if err != nil {
		return err
	}
	msg.Data = data
	if blob != "" {
		msg.Header.Set(blobHeader, blob)
	}
	ack, err := s.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamName))
	if err != nil {
		s.drop(ctx, blob)
		var apiErr *jetstream.APIError
		if errors.As(err, &apiErr) && apiErr.ErrorCode == jsStreamStoreFailed {
			return fmt.Errorf("%w: %s not queued: %v", ErrQueueFull, id, err)
		}
		return fmt.Errorf("store: queue %s: %w", id, err)
	}
	if ack.Duplicate {
		s.drop(ctx, blob) // the job queued first names its own
	}
	return nil
}

// Get returns id's state, ErrNotFound if it was never submitted or has
// expired.
func (s *Store) Get(ctx context.Context, id string) (State, error) {
	if err := checkID(id); err != nil {
		return State{}, err
	}
	rec, _, err := s.get(ctx, id)
	if err != nil {
		return State{}, err
	}
	return s.resolve(ctx, rec)
}

// get returns a record and its revision, for a write that expects it.
// A read that finds no responder (a replicated bucket electing its
// leader after losing a server) is tried again, as Submit's writes are.
func (s *Store) get(ctx context.Context, id string) (record, uint64, error) {
	var e jetstream.KeyValueEntry
	err := s.retryTransient(ctx, func() (err error) {
		e, err = s.kv.Get(ctx, id)
		return err
	})
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return record{}, 0, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return record{}, 0, fmt.Errorf("store: read %s: %w", id, err)
	}
	rec, err := decodeRecord(id, e.Value())
	return rec, e.Revision(), err
}

// update writes rec if its state is still at revision rev; errConflict
// if another writer came first.
func (s *Store) update(ctx context.Context, rec record, rev uint64) (uint64, error) {
	b, err := encodeRecord(rec)
	if err != nil {
		return 0, err
	}
	rev, err = s.kv.Update(ctx, rec.Token, b, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("%w: %s", errConflict, rec.Token)
	}
	if err != nil {
		return 0, fmt.Errorf("store: write %s: %w", rec.Token, err)
	}
	return rev, nil
}

// submitRetryFor bounds how long Submit rides out a JetStream that does
// not answer: a cluster electing a leader after losing a server takes a
// few seconds.
const submitRetryFor = 15 * time.Second

// retryTransient calls f until it succeeds, fails for good, or
// submitRetryFor (or ctx) is over.
func (s *Store) retryTransient(ctx context.Context, f func() error) error {
	deadline := time.Now().Add(submitRetryFor)
	pause := 50 * time.Millisecond
	for {
		err := f()
		if err == nil || !transient(err) || ctx.Err() != nil || time.Now().After(deadline) {
			return err
		}
		s.cfg.Logger.Debug("store: JetStream did not answer; trying again", "err", err)
		jsjob.Sleep(ctx, pause)
		pause = min(2*pause, time.Second)
	}
}

// transient says whether a JetStream request may succeed if made again:
// no answer (a stream or its leader being moved), or a cluster not ready.
func transient(err error) bool {
	return errors.Is(err, jetstream.ErrNoStreamResponse) || errors.Is(err, nats.ErrNoResponders) || notReady(err)
}
