package store

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/coderacer/coderacer/internal/jsjob"
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
	go jsjob.KeepInProgress(j.msg, s.cfg.AckWait, done)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: handler of %s panicked: %v", j.id, r)
		}
	}()
	result, err = handler(hctx, j.id, payload)
	return result, false, err
}

// watchCancel calls cancel when a Cancel of id, from any process, asks
// the job to stop: Cancel publishes on id's cancel subject, which every
// store's one subscription routes to the job it runs. The state is read
// again once the job is listed, so a Cancel that came before is not
// missed. The returned stop unlists it and says whether cancel was
// called. A lost message only loses promptness: finish ends the
// submission cancelled anyway.
func (s *Store) watchCancel(ctx context.Context, id string, cancel context.CancelFunc) (stop func() bool) {
	var seen atomic.Bool
	stopJob := func() {
		seen.Store(true)
		cancel()
	}
	s.running.add(id, stopJob)
	if rec, _, err := s.get(ctx, id); err == nil && (rec.CancelRequested || rec.Status == StatusCancelled) {
		stopJob()
	}
	return func() bool {
		s.running.remove(id)
		return seen.Load()
	}
}
