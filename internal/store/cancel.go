package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Cancel cancels a submission. A queued one is cancelled at once: the
// worker that fetches its job acks it without running it. A running one
// gets CancelRequested: the worker running it cancels its handler's ctx
// and ends it cancelled (Error "cancelled", no result), even if the
// handler returned a result meanwhile. Cancelling it again is a no-op.
// Once Cancel returned nil the submission ends cancelled.
// ErrFinished if it is already done or cancelled; ErrNotFound if unknown.
func (s *Store) Cancel(ctx context.Context, id string) error {
	if err := checkID(id); err != nil {
		return err
	}
	for {
		rec, rev, err := s.get(ctx, id)
		if err != nil {
			return err
		}
		switch {
		case rec.Status.Over():
			return fmt.Errorf("%w: %s is %s", ErrFinished, id, rec.Status)
		case rec.Status == StatusRunning && rec.CancelRequested:
			return nil
		case rec.Status == StatusRunning:
			rec.CancelRequested = true
		default:
			rec.Status = StatusCancelled
			rec.Error = cancelledError
			rec.Finished = time.Now().UTC()
		}
		_, err = s.update(ctx, rec, rev)
		if err == nil && rec.CancelRequested {
			s.tellCancel(id)
		}
		if !errors.Is(err, errConflict) {
			return err
		}
	}
}
