package store

import (
	"context"
	"errors"
	"time"
)

// outcome is how a run ended: a result, an error, or cancelled.
type outcome struct {
	result    []byte
	err       error
	cancelled bool
}

// apply writes the outcome into rec; a cancel requested meanwhile wins
// over a result. blob names the result when it is not inline.
func (o outcome) apply(rec record, blob string) record {
	rec.Status = StatusDone
	rec.Finished = time.Now().UTC()
	rec.Result, rec.ResultBlob, rec.Error = nil, "", ""
	switch {
	case o.cancelled || rec.CancelRequested:
		rec.Status = StatusCancelled
		rec.Error = cancelledError
	case o.err != nil:
		rec.Error = truncate(o.err.Error())
	default:
		rec.Result, rec.ResultBlob = o.result, blob
	}
	return rec
}

// end stores a job's outcome, reports it and acks the job.
func (s *Store) end(ctx context.Context, j job, rec record, rev uint64, o outcome) {
	final, err := s.finish(ctx, rec, rev, o)
	if err != nil {
		s.cfg.Logger.Warn("submission: cannot store its result; left for redelivery", "id", j.id, "err", err)
		return
	}
	s.report(ctx, j, final)
}

// finish stores the job's outcome unless another delivery of it stored
// one first: each result is written once. It returns the final state as
// stored, whoever stored it.
func (s *Store) finish(ctx context.Context, rec record, rev uint64, o outcome) (final record, err error) {
	var blob string
	if o.err == nil && !o.cancelled {
		if o.result, blob, err = s.stash(ctx, rec.Token, "result", o.result); err != nil {
			return record{}, err
		}
	}
	defer func() {
		if blob != "" && final.ResultBlob != blob {
			s.drop(ctx, blob) // not stored: cancelled, stored by another, or failed
		}
	}()
	for {
		next := o.apply(rec, blob)
		_, err := s.update(ctx, next, rev)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, errConflict) {
			return record{}, err
		}
		if rec, rev, err = s.get(ctx, rec.Token); err != nil {
			return record{}, err
		}
		if rec.Status.Over() {
			return rec, nil // stored by another delivery
		}
	}
}

// report calls OnDone with the final state, then acks the job; if OnDone
// fails, the job is redelivered after a delay growing with its
// deliveries, and reported again.
func (s *Store) report(ctx context.Context, j job, rec record) {
	if s.cfg.OnDone != nil {
		st, err := s.resolve(ctx, rec)
		if err == nil {
			err = s.cfg.OnDone(ctx, st)
		}
		if err != nil {
			delay := min(retryDelay*time.Duration(min(j.delivered, 60)), maxRetryDelay)
			s.cfg.Logger.Warn("submission: OnDone failed; reported again later", "id", j.id, "retry", delay, "err", err)
			_ = j.msg.NakWithDelay(delay)
			return
		}
	}
	s.ack(ctx, j)
}

// ack acks the job and deletes its payload's blob, if any.
func (s *Store) ack(ctx context.Context, j job) {
	if err := j.msg.DoubleAck(ctx); err != nil {
		s.cfg.Logger.Info("submission: ack failed; it is redelivered", "id", j.id, "err", err)
		return
	}
	s.drop(ctx, j.msg.Headers().Get(blobHeader))
}
