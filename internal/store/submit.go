package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Submit records id as queued and queues its payload. It is idempotent:
// submitting an id again does not queue it twice. The state is written
// before the job is published, so a worker always finds it; a Submit
// that failed between the two is completed by its retry (the publish is
// deduplicated by id).
func (s *Store) Submit(ctx context.Context, id string, payload, meta []byte) error {
	if err := checkID(id); err != nil {
		return err
	}
	if len(payload) > int(s.cfg.MaxPayload) {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, len(payload), s.cfg.MaxPayload)
	}
	b, err := encodeState(State{Token: id, Status: StatusQueued, Created: time.Now().UTC(), Meta: meta})
	if err != nil {
		return err
	}
	_, err = s.kv.Create(ctx, id, b)
	if errors.Is(err, jetstream.ErrKeyExists) {
		st, _, err := s.get(ctx, id)
		if err != nil || st.Status != StatusQueued {
			return err // running, done or cancelled: nothing to queue
		}
	} else if err != nil {
		return fmt.Errorf("store: record %s: %w", id, err)
	}
	return s.publish(ctx, id, payload)
}

func (s *Store) publish(ctx context.Context, id string, payload []byte) error {
	msg := nats.NewMsg(Subject)
	msg.Data = payload
	_, err := s.js.PublishMsg(ctx, msg, jetstream.WithMsgID(id), jetstream.WithExpectStream(StreamName))
	if err != nil {
		return fmt.Errorf("store: queue %s: %w", id, err)
	}
	return nil
}

// Get returns id's state, ErrNotFound if it was never submitted or has
// expired.
func (s *Store) Get(ctx context.Context, id string) (State, error) {
	if err := checkID(id); err != nil {
		return State{}, err
	}
	st, _, err := s.get(ctx, id)
	return st, err
}

// get returns a state and its revision, for a write that expects it.
func (s *Store) get(ctx context.Context, id string) (State, uint64, error) {
	e, err := s.kv.Get(ctx, id)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return State{}, 0, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	if err != nil {
		return State{}, 0, fmt.Errorf("store: read %s: %w", id, err)
	}
	st, err := decodeState(id, e.Value())
	return st, e.Revision(), err
}

// update writes st if id's state is still at revision rev; errConflict
// if another writer came first.
func (s *Store) update(ctx context.Context, st State, rev uint64) (uint64, error) {
	b, err := encodeState(st)
	if err != nil {
		return 0, err
	}
	rev, err = s.kv.Update(ctx, st.Token, b, rev)
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return 0, fmt.Errorf("%w: %s", errConflict, st.Token)
	}
	if err != nil {
		return 0, fmt.Errorf("store: write %s: %w", st.Token, err)
	}
	return rev, nil
}

// Cancel marks a queued submission cancelled; the worker that fetches
// it acks it without running it. ErrNotQueued if it is running or over.
func (s *Store) Cancel(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	for {
		st, rev, err := s.get(ctx, id)
		if err != nil {
			return err
		}
		if st.Status != StatusQueued {
			return fmt.Errorf("%w: %s is %s", ErrNotQueued, id, st.Status)
		}
		st.Status = StatusCancelled
		st.Finished = time.Now().UTC()
		_, err = s.update(ctx, st, rev)
		if !errors.Is(err, errConflict) {
			return err
		}
	}
}

// Wait is a STUB (polling) until branch store2 lands.
func (s *Store) Wait(ctx context.Context, id string) (State, error) {
	for {
		st, err := s.Get(ctx, id)
		if err != nil || st.Status == StatusDone || st.Status == StatusCancelled {
			return st, err
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
