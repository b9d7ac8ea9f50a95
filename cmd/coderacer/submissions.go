package main

import (
	"context"
	"fmt"
	"log/slog"
	"sync"

	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/store"
)

// submissions is the durable side of the server: the store, and the
// workers that run what it queues.
type submissions struct {
	store *store.Store
	// srv is set once the API exists; the store's workers and OnDone,
	// which call it, start after that.
	srv     *api.Server
	workers sync.WaitGroup
	log     *slog.Logger
}

// openSubmissions starts (or connects to) NATS and opens the store.
func openSubmissions(ctx context.Context, cfg serveConfig, log *slog.Logger) (*submissions, error) {
	s := &submissions{log: log}
	st, err := store.Open(ctx, store.Config{
		URL:        cfg.Submissions.NATSURL,
		DataDir:    cfg.Submissions.DataDir,
		Workers:    cfg.Submissions.workers(cfg.Parallelism),
		ResultTTL:  cfg.Submissions.ResultTTL,
		SyncAlways: cfg.Submissions.SyncAlways,
		MaxPayload: int32(max(cfg.MaxBodyBytes, cfg.Judge.MaxBodyBytes) + 1<<20),
		OnDone:     func(st store.State) { _ = s.done(context.Background(), st) }, // STUB until store2
		Logger:     log,
	})
	if err != nil {
		return nil, fmt.Errorf("submission store: %w", err)
	}
	s.store = st
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

// start runs the workers until ctx ends.
func (s *submissions) start(ctx context.Context, srv *api.Server) {
	s.srv = srv
	s.workers.Go(func() {
		if err := s.store.Consume(ctx, srv.RunSubmission); err != nil {
			s.log.Error("submission workers", "err", err)
		}
	})
}

// close waits for the workers (their ctx must have ended) and closes the
// store.
func (s *submissions) close() {
	s.workers.Wait()
	if err := s.store.Close(); err != nil {
		s.log.Error("closing the submission store", "err", err)
	}
}
