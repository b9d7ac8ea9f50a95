package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// resolveWait bounds reading the blobs of the last state Wait saw when
// its ctx ended.
const resolveWait = 5 * time.Second

// Wait returns id's state once it is over (done or cancelled), at once
// if it already is. It watches the key, it does not poll. When ctx ends
// first it returns ctx's error with the last state it saw.
// ErrNotFound if id is unknown or has expired (a state that expires
// while waited for ends the wait only with ctx).
func (s *Store) Wait(ctx context.Context, id string) (State, error) {
	if err := checkID(id); err != nil {
		return State{}, err
	}
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.kv.Watch(wctx, id)
	if err != nil {
		return State{}, fmt.Errorf("store: watch %s: %w", id, err)
	}
	defer w.Stop()
	rec, err := s.waitOver(ctx, id, w)
	if rec.Token == "" {
		return State{}, err
	}
	rctx := ctx
	if err != nil { // the last state seen goes with the error
		var cancel context.CancelFunc
		rctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), resolveWait)
		defer cancel()
	}
	st, rerr := s.resolve(rctx, rec)
	if rerr != nil {
		return State{}, errors.Join(err, rerr)
	}
	return st, err
}

// waitOver reads the watch until id's state is over. It returns the last
// state seen, with ctx's error if ctx ended first.
func (s *Store) waitOver(ctx context.Context, id string, w jetstream.KeyWatcher) (record, error) {
	var last record
	for {
		select {
		case <-ctx.Done():
			return last, ctx.Err()
		case e, ok := <-w.Updates():
			switch {
			case !ok:
				return last, fmt.Errorf("store: watch of %s ended", id)
			case e == nil && last.Token == "":
				// The initial values hold none. A state written just
				// before the watch began was seen missing once (test/cli,
				// under load): read it, and wait on if it is there.
				rec, _, err := s.get(ctx, id)
				if err != nil {
					return last, err
				}
				if last = rec; rec.Status.Over() {
					return rec, nil
				}
			case e == nil:
			case e.Operation() != jetstream.KeyValuePut:
				return record{}, fmt.Errorf("%w: %s has expired", ErrNotFound, id)
			default:
				rec, err := decodeRecord(id, e.Value())
				if err != nil {
					return last, err
				}
				if last = rec; rec.Status.Over() {
					return rec, nil
				}
			}
		}
	}
}
