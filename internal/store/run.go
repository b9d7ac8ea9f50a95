package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// execute runs a claimed job and ends it, or leaves it for its next
// delivery: after a failed run that is not its last, or when ctx ended.
func (s *Store) execute(ctx context.Context, j job, handler Handler, rec record, rev uint64) {
	payload, err := s.fetch(ctx, j.msg.Data(), j.msg.Headers().Get(blobHeader))
	if errors.Is(err, ErrNotFound) {
		s.end(ctx, j, rec, rev, outcome{err: fmt.Errorf("store: payload: %w", err)})
		return
	}
	if err != nil {
		s.cfg.Logger.Warn("submission: cannot read its payload; left for redelivery", "id", j.id, "err", err)
		_ = j.msg.NakWithDelay(retryDelay)
		return
	}
	result, cancelled, herr := s.run(ctx, j, handler, payload)
	if herr != nil && !cancelled && ctx.Err() != nil {
		// Shutting down: the job runs again, at once on another worker
		// or on this server's next start.
		_ = j.msg.Nak()
		return
	}
	// A result in hand is kept even if ctx ended meanwhile.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishWait)
	defer cancel()
	if herr != nil && !cancelled && rec.Runs < s.cfg.MaxDeliver {
		_ = j.msg.NakWithDelay(retryDelay)
		return
	}
	s.end(ctx, j, rec, rev, outcome{result: result, err: herr, cancelled: cancelled})
}

// run calls handler with a ctx cancelled when the submission is, while
// telling NATS, every third of AckWait, that the job is still in
// progress. cancelled says whether the submission was cancelled.
func (s *Store) run(ctx context.Context, j job, handler Handler, payload []byte) (result []byte, cancelled bool, err error) {
	hctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := s.watchCancel(hctx, j.id, cancel)
	defer func() { cancelled = stop() }()
	done := make(chan struct{})
	defer close(done)
	go s.keepInProgress(j.msg, done)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: handler of %s panicked: %v", j.id, r)
		}
	}()
	result, err = handler(hctx, j.id, payload)
	return result, false, err
}

// keepInProgress keeps msg from redelivery until done is closed.
func (s *Store) keepInProgress(msg jetstream.Msg, done <-chan struct{}) {
	t := time.NewTicker(max(s.cfg.AckWait/3, time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
			_ = msg.InProgress()
		}
	}
}

// watchCancel watches id's state, from any process, and calls cancel
// when CancelRequested appears in it. The watch starts beside the
// handler, not before it: it delivers the state as it is first, so no
// Cancel is missed, and a short job does not wait for it. The returned
// stop ends the watch (soon after: Consume waits for it) and says
// whether it called cancel. A watch that fails only loses promptness:
// finish ends the submission cancelled anyway.
func (s *Store) watchCancel(ctx context.Context, id string, cancel context.CancelFunc) (stop func() bool) {
	done := make(chan struct{})
	var seen atomic.Bool
	s.watches.Go(func() {
		w, err := s.kv.Watch(ctx, id)
		if err != nil {
			if ctx.Err() == nil {
				s.cfg.Logger.Warn("submission: cannot watch for its cancellation", "id", id, "err", err)
			}
			return
		}
		defer w.Stop()
		if awaitCancel(w, done) {
			seen.Store(true)
			cancel()
		}
	})
	return func() bool {
		close(done)
		return seen.Load()
	}
}

// awaitCancel reads a watch until a state asks to cancel (true) or done
// is closed.
func awaitCancel(w jetstream.KeyWatcher, done <-chan struct{}) bool {
	for {
		select {
		case <-done:
			return false
		case e, ok := <-w.Updates():
			if !ok {
				return false
			}
			if e != nil && cancelRequested(e) {
				return true
			}
		}
	}
}

// cancelRequested says whether a state watched asks its worker to stop.
func cancelRequested(e jetstream.KeyValueEntry) bool {
	var v struct {
		Status          Status `json:"status"`
		CancelRequested bool   `json:"cancel_requested"`
	}
	if e.Operation() != jetstream.KeyValuePut || json.Unmarshal(e.Value(), &v) != nil {
		return false
	}
	return v.CancelRequested || v.Status == StatusCancelled
}
