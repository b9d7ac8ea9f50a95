package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/coderacer/coderacer/internal/jsjob"
)

// Handler runs one job and returns its result. An error is retried on
// the job's next delivery, up to Config.MaxDeliver runs; the last one
// ends the job with the error. ctx is cancelled when the submission is
// (Cancel) or Consume's ctx ends.
type Handler func(ctx context.Context, id string, payload []byte) ([]byte, error)

const (
	// fetchWait bounds one pull request, so that workers notice ctx's end.
	fetchWait = 5 * time.Second
	// retryDelay is how long a failed job waits for its next delivery.
	retryDelay = time.Second
	// finishWait bounds storing a result and acking its job.
	finishWait = 10 * time.Second
	// maxRetryDelay bounds the delay before a job whose OnDone failed is
	// delivered again.
	maxRetryDelay = time.Minute
)

// Consume runs Config.Workers workers until ctx ends. Each fetches a job,
// marks it running, keeps it from redelivery with in-progress acks while
// handler runs, stores its result once, calls Config.OnDone and acks it.
func (s *Store) Consume(ctx context.Context, handler Handler) error {
	// The jobs running when ctx ends get Config.StopGrace to finish.
	jobs, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelJobs()
	stop := context.AfterFunc(ctx, func() {
		t := time.AfterFunc(s.cfg.StopGrace, cancelJobs)
		context.AfterFunc(jobs, func() { t.Stop() })
	})
	defer stop()
	cancels, err := s.listenCancels()
	if err != nil {
		return err
	}
	defer cancels.Unsubscribe()
	var wg sync.WaitGroup
	for range s.cfg.Workers {
		wg.Go(func() { s.work(ctx, jobs, handler) })
	}
	wg.Wait()
	return nil
}

// work fetches jobs until ctx ends and runs each under jobs.
func (s *Store) work(ctx, jobs context.Context, handler Handler) {
	for ctx.Err() == nil && !s.nc.IsClosed() {
		fctx, cancel := context.WithTimeout(ctx, fetchWait)
		msg, err := s.cons.Next(jetstream.FetchContext(fctx))
		cancel()
		if err == nil {
			s.handle(jobs, msg, handler)
			continue
		}
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, nats.ErrTimeout) {
			jsjob.Sleep(ctx, 100*time.Millisecond) // NATS unavailable: do not spin
		}
	}
}

// job is one delivery of a submission's job.
type job struct {
	msg       jetstream.Msg
	id        string
	seq       uint64 // stream sequence: the same in every delivery of the job
	delivered uint64 // deliveries so far, this one included
	queued    time.Time
}

// action is what a worker does with a job it fetched.
type action int

const (
	actRun     action = iota // run the handler
	actAck                   // nothing to do: another copy of the job has it
	actMissing               // no state: expired, or not yet seen by this reader
	actReport                // over with this job: OnDone, then ack
	actCancel                // cancel requested while its worker was gone: end it cancelled
	actGiveUp                // its worker died on its last run: end it with an error
)

// handle takes one job through claim, run, finish, report and ack. A job
// left unacked (ctx ended, NATS gone) is redelivered after AckWait.
func (s *Store) handle(ctx context.Context, msg jetstream.Msg, handler Handler) {
	j := job{msg: msg, id: msg.Headers().Get(jetstream.MsgIDHeader)}
	if checkID(j.id) != nil {
		_ = msg.Term() // not ours: no id, nothing to record
		return
	}
	md, err := msg.Metadata()
	if err != nil {
		s.cfg.Logger.Warn("submission: no metadata; left for redelivery", "id", j.id, "err", err)
		return
	}
	j.seq, j.delivered, j.queued = md.Sequence.Stream, md.NumDelivered, md.Timestamp
	rec, rev, act, err := s.claim(ctx, j.id, j.seq)
	if err != nil {
		s.cfg.Logger.Warn("submission: cannot mark it running; left for redelivery", "id", j.id, "err", err)
		return
	}
	switch act {
	case actAck:
		s.ack(ctx, j)
	case actMissing:
		s.missing(ctx, j)
	case actReport:
		s.report(ctx, j, rec)
	case actCancel:
		s.end(ctx, j, rec, rev, outcome{cancelled: true})
	case actGiveUp:
		s.end(ctx, j, rec, rev, outcome{err: fmt.Errorf("store: gave up after %d runs, its worker gone", rec.Runs)})
	case actRun:
		s.execute(ctx, j, handler, rec, rev)
	}
}

// claim says what to do with a job of id and, to run it, marks it
// running: not when it has expired from the bucket, nor when another
// copy of the job has it (a resubmission queued after the dedup window);
// a redelivery of the job that was running (its worker died) runs again.
func (s *Store) claim(ctx context.Context, id string, seq uint64) (record, uint64, action, error) {
	for {
		rec, rev, err := s.get(ctx, id)
		if errors.Is(err, ErrNotFound) {
			return record{}, 0, actMissing, nil
		}
		if err != nil {
			return record{}, 0, actAck, err
		}
		if act := s.decide(rec, seq); act != actRun {
			return rec, rev, act, nil
		}
		rec.Status = StatusRunning
		rec.Seq = seq
		rec.Runs++
		rec.Started = time.Now().UTC()
		rev, err = s.update(ctx, rec, rev)
		if !errors.Is(err, errConflict) {
			return rec, rev, actRun, err
		}
	}
}

// missingGrace is how long a job whose state cannot be found is
// delivered again before it is taken as expired. Submit writes the state
// before it queues the job, so a state missing at first is one the
// reader has not seen yet: a replicated bucket's direct gets are answered
// by any replica, and a follower may not have applied the latest write
// (test/cluster lost a job that way once a server was killed). Reading
// from the leader only would be exact but unavailable while a new one
// is elected; the state's revision guards every write anyway.
const missingGrace = time.Minute

// missing deals with a job without a state: delivered again a little
// later while it is young, acked (dropped) once it is not.
func (s *Store) missing(ctx context.Context, j job) {
	if time.Since(j.queued) < missingGrace {
		s.cfg.Logger.Debug("submission: no state yet; delivered again", "id", j.id, "deliveries", j.delivered)
		_ = j.msg.NakWithDelay(retryDelay)
		return
	}
	s.cfg.Logger.Warn("submission: no state (expired?); job dropped", "id", j.id, "queued", j.queued)
	s.ack(ctx, j)
}

// decide says what to do with the job of sequence seq given its state.
func (s *Store) decide(rec record, seq uint64) action {
	running := rec.Status == StatusRunning
	switch {
	case rec.Status.Over() && (rec.Seq == seq || rec.Seq == 0):
		return actReport // its end is stored, perhaps not reported; Seq 0: cancelled while queued
	case rec.Status.Over(), running && rec.Seq != seq:
		return actAck
	case running && rec.CancelRequested:
		return actCancel
	case running && rec.Runs >= s.cfg.MaxDeliver:
		return actGiveUp
	}
	return actRun
}
