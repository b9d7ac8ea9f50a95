package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/metrics"
	"github.com/coderacer/coderacer/internal/store"
	"github.com/nats-io/nats.go"
)

// submissions is the durable side of the server: the store, its
// workers, and the callbacks' deliverer.
type submissions struct {
	store     *store.Store
	callbacks *callbacks
	// srv is set once the API exists; the store's workers and OnDone,
	// which call it, start after that.
	srv     *api.Server
	workers sync.WaitGroup
	log     *slog.Logger
	// stopping is closed, and stopWork called, when the server starts
	// shutting down (stop).
	stopping chan struct{}
	stopWork context.CancelFunc
}

// openSubmissions starts (or connects to) NATS, opens the store and the
// callback queue.
func openSubmissions(ctx context.Context, cfg serveConfig, log *slog.Logger) (*submissions, error) {
	s := &submissions{log: log, stopping: make(chan struct{}), stopWork: func() {}}
	st, err := store.Open(ctx, cfg.NATS.node(store.Config{
		URL:        cfg.Submissions.NATSURL,
		DataDir:    cfg.Submissions.DataDir,
		Workers:    cfg.Submissions.workers(cfg.Parallelism),
		ResultTTL:  cfg.Submissions.ResultTTL,
		SyncAlways: cfg.Submissions.SyncAlways,
		MaxQueued:  cfg.Submissions.MaxQueued,
		// A queued body with what the server adds to it (the client).
		MaxPayload: int(max(cfg.MaxBodyBytes, cfg.Judge.MaxBodyBytes) + 1<<20),
		OnDone:     s.done,
		Logger:     log,
	}))
	if err != nil {
		return nil, fmt.Errorf("submission store: %w", err)
	}
	s.store = st
	s.callbacks, err = newCallbacks(ctx, st.JetStream(), cfg.Submissions.Callback, log)
	if err != nil {
		st.Close()
		return nil, err
	}
	where := "embedded NATS in " + cfg.Submissions.DataDir
	if cfg.Submissions.NATSURL != "" {
		where = "NATS at " + cfg.Submissions.NATSURL
	}
	log.Info("submissions", "store", where, "workers", cfg.Submissions.workers(cfg.Parallelism), "ttl", cfg.Submissions.ResultTTL)
	return s, nil
}

func (s *submissions) done(ctx context.Context, st store.State) error {
	return s.srv.SubmissionDone(ctx, st)
}

// wire gives the API the store, the callbacks and the shutdown signal,
// and the metrics the queue's depth.
func (s *submissions) wire(opts *api.Options, reg *metrics.Metrics) {
	opts.Submissions.Store = s.store
	opts.Submissions.Callbacks = s.callbacks
	opts.Submissions.Stopping = s.stopping
	reg.WatchSubmissions(s.store)
}

// start runs the workers and the callbacks' deliverer under jobCtx until
// stop: the workers then take no more jobs, and those running get the
// store's grace (the shutdown's) before jobCtx's end cancels them; one
// cut short runs again on the next start.
func (s *submissions) start(jobCtx context.Context, srv *api.Server) {
	s.srv = srv
	ctx, cancel := context.WithCancel(jobCtx)
	s.stopWork = cancel
	s.workers.Go(func() {
		if err := s.store.Consume(ctx, srv.RunSubmission); err != nil {
			s.log.Error("submission workers", "err", err)
		}
	})
	s.workers.Go(func() {
		if err := s.callbacks.d.Run(ctx); err != nil {
			s.log.Error("callback deliverer", "err", err)
		}
	})
}

// stop ends the waits of clients (they are answered as things stand) and
// the taking of jobs.
func (s *submissions) stop() {
	select {
	case <-s.stopping:
	default:
		close(s.stopping)
	}
	s.stopWork()
}

// close stops, waits for the workers and closes the store.
func (s *submissions) close() {
	s.stop()
	s.workers.Wait()
	if err := s.store.Close(); err != nil {
		s.log.Error("closing the submission store", "err", err)
	}
}

// conn is the store's NATS connection, which the cluster shares.
func (s *submissions) conn() *nats.Conn { return s.store.JetStream().Conn() }
