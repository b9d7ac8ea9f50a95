package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Handler runs one job and returns its result. An error is retried on
// the next delivery; on the last one it ends the job with the error.
type Handler func(ctx context.Context, id string, payload []byte) ([]byte, error)

const (
	// fetchWait bounds one pull request, so that workers notice ctx's end.
	fetchWait = 5 * time.Second
	// retryDelay is how long a failed job waits for its next delivery.
	retryDelay = time.Second
	// finishWait bounds storing a result and acking its job.
	finishWait = 10 * time.Second
)

// Consume runs Config.Workers workers until ctx ends. Each fetches a job,
// marks it running, keeps it from redelivery with in-progress acks while
// handler runs, stores its result once and acks it.
func (s *Store) Consume(ctx context.Context, handler Handler) error {
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() { s.work(ctx, handler) })
	}
	wg.Wait()
	return nil
}

func (s *Store) work(ctx context.Context, handler Handler) {
	for ctx.Err() == nil && !s.nc.IsClosed() {
		fctx, cancel := context.WithTimeout(ctx, fetchWait)
		msg, err := s.cons.Next(jetstream.FetchContext(fctx))
		cancel()
		if err == nil {
			s.handle(ctx, msg, handler)
			continue
		}
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) {
			sleep(ctx, 100*time.Millisecond) // NATS unavailable: do not spin
		}
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// handle takes one job through claim, run, finish and ack. A job left
// unacked (ctx ended, NATS gone) is redelivered after AckWait.
func (s *Store) handle(ctx context.Context, msg jetstream.Msg, handler Handler) {
	id := msg.Headers().Get(jetstream.MsgIDHeader)
	if checkID(id) != nil {
		_ = msg.Term() // not ours: no id, nothing to record
		return
	}
	md, err := msg.Metadata()
	if err != nil {
		s.cfg.Logger.Warn("submission: no metadata; left for redelivery", "id", id, "err", err)
		return
	}
	st, rev, run, err := s.claim(ctx, id, md.Sequence.Stream)
	if err != nil {
		s.cfg.Logger.Warn("submission: cannot mark it running; left for redelivery", "id", id, "err", err)
		return
	}
	if !run {
		_ = msg.DoubleAck(ctx)
		return
	}
	result, herr := s.run(ctx, msg, handler, id)
	if herr != nil && ctx.Err() != nil {
		return // shutting down: the job is redelivered and run again
	}
	// A result in hand is kept even if ctx ended meanwhile.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishWait)
	defer cancel()
	if herr != nil && md.NumDelivered < uint64(s.cfg.MaxDeliver) {
		_ = msg.NakWithDelay(retryDelay)
		return
	}
	if err := s.finish(ctx, st, rev, result, herr); err != nil {
		s.cfg.Logger.Warn("submission: cannot store its result; left for redelivery", "id", id, "err", err)
		return
	}
	_ = msg.DoubleAck(ctx)
}

// claim marks id running and says whether to run it: not when it is
// over, cancelled or has expired from the bucket, nor when another copy
// of the job runs it (a resubmission queued after the dedup window); a
// redelivery of the job that was running (its worker died) runs again.
func (s *Store) claim(ctx context.Context, id string, seq uint64) (State, uint64, bool, error) {
	for {
		st, rev, err := s.get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return State{}, 0, false, nil
		}
		if err != nil {
			return State{}, 0, false, err
		}
		if st.Status == StatusDone || st.Status == StatusCancelled ||
			st.Status == StatusRunning && st.Seq != seq {
			return st, rev, false, nil
		}
		st.Status = StatusRunning
		st.Seq = seq
		st.Runs++
		st.Started = time.Now().UTC()
		rev, err = s.update(ctx, st, rev)
		if !errors.Is(err, errConflict) {
			return st, rev, err == nil, err
		}
	}
}

// run calls handler while telling NATS, every third of AckWait, that the
// job is still in progress.
func (s *Store) run(ctx context.Context, msg jetstream.Msg, handler Handler, id string) (result []byte, err error) {
	done := make(chan struct{})
	defer close(done)
	go func() {
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
	}()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store: handler of %s panicked: %v", id, r)
		}
	}()
	return handler(ctx, id, msg.Data())
}

// finish stores the job's outcome unless another delivery of it stored
// one first: each result is written once.
func (s *Store) finish(ctx context.Context, st State, rev uint64, result []byte, herr error) error {
	st.Status = StatusDone
	st.Result = result
	if herr != nil {
		st.Result, st.Error = nil, herr.Error()
	}
	st.Finished = time.Now().UTC()
	for {
		_, err := s.update(ctx, st, rev)
		if err == nil {
			if s.cfg.OnDone != nil {
				s.cfg.OnDone(st)
			}
			return nil
		}
		if !errors.Is(err, errConflict) {
			return err
		}
		cur, curRev, err := s.get(ctx, st.Token)
		if err != nil {
			return err
		}
		if cur.Status == StatusDone || cur.Status == StatusCancelled {
			return nil // stored by another delivery: ack, report nothing
		}
		rev = curRev
	}
}
