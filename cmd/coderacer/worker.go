package main

import (
	"context"
	"log/slog"
	"net"
	"sync/atomic"
	"time"

	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/cluster"
	"github.com/coderacer/coderacer/internal/metrics"
	"github.com/nats-io/nats.go"
)

// serveWorker runs a worker node: it takes the cluster's jobs for its
// sandboxes until ctx ends, then drains (its running jobs finish, it
// takes no new ones). Its HTTP serves health, readiness and metrics.
func serveWorker(ctx context.Context, cfg serveConfig, n *node, conn *nats.Conn, log *slog.Logger) error {
	w, err := cluster.NewWorker(ctx, conn, cluster.WorkerConfig{
		ID: workerID(), Executor: n.gate, Slots: cfg.Parallelism, Version: version, Logger: log,
	})
	if err != nil {
		return err
	}
	reg := metrics.New(n.stats)
	var draining atomic.Bool
	opts := apiOptions(cfg, log)
	opts.OperationsOnly = true
	opts.Metrics, opts.MetricsRoute = reg, cfg.MetricsAddr == ""
	opts.Draining = draining.Load
	opts.Cluster = n.cluster
	srv := newHTTPServer(cfg, api.New(n.gate, opts), context.Background(), log)
	startSideServers(cfg, reg, log)
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	go srv.Serve(ln)
	log.Info("serving as a worker", "id", w.ID(), "addr", ln.Addr().String(), "slots", cfg.Parallelism, "runtimes", len(n.gate.Runtimes()))
	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	worked := make(chan error, 1)
	go func() { worked <- w.Run(workCtx) }()
	select {
	case err = <-worked:
	case <-ctx.Done():
		draining.Store(true)
		log.Info("draining: finishing the jobs running, taking no new ones")
		stopWork()
		err = <-worked
	}
	// The jobs are answered; their boxes may still be being wiped, and
	// the sandboxes are closed once this returns.
	n.wait()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdownCtx)
	log.Info("stopped")
	return err
}
