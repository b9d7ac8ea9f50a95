package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"time"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/cluster"
	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/metrics"
	"github.com/nats-io/nats.go"
)

// node is what a role runs jobs on, behind the admission gate: the local
// engine on its sandboxes (roles all and worker), or the cluster's
// workers through NATS (role api).
type node struct {
	gate    *admission.Gate
	stats   metrics.StatsSource
	cluster api.ClusterView
	// wait waits for the jobs running; close releases what the node holds
	// (sandboxes, subscriptions) once they are over.
	wait  func()
	close func()
}

// startNode starts the executor of cfg's role; conn is the store's NATS
// connection, which an API node sends its jobs through.
func startNode(ctx context.Context, cfg serveConfig, conn *nats.Conn, log *slog.Logger) (*node, error) {
	if cfg.Role == roleAPI {
		return startClusterNode(ctx, cfg, conn, log)
	}
	eng, sb, err := startEngine(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	gate := newGate(eng, cfg)
	return &node{
		gate:    gate,
		stats:   gatedStats{eng.Stats, gate},
		cluster: newLocalCluster(eng),
		wait:    eng.Wait,
		close: func() {
			if err := sb.Close(); err != nil {
				log.Error("sandbox cleanup", "err", err)
			}
		},
	}, nil
}

// startClusterNode is an API node's executor: the cluster's workers.
func startClusterNode(ctx context.Context, cfg serveConfig, conn *nats.Conn, log *slog.Logger) (*node, error) {
	client, err := cluster.NewClient(ctx, conn, cluster.ClientConfig{Logger: log, Run: cfg.Run, Compile: cfg.Compile})
	if err != nil {
		return nil, fmt.Errorf("cluster client: %w", err)
	}
	gate := newGate(client, cfg)
	view := clusterView{client}
	return &node{
		gate:    gate,
		stats:   gatedStats{view.stats, gate},
		cluster: view,
		wait:    func() { waitIdle(gate) },
		close:   client.Close,
	}, nil
}

// waitIdle waits until the gate has no job running or waiting.
func waitIdle(g *admission.Gate) {
	for st := g.Stats(); st.Running+st.Waiting > 0; st = g.Stats() {
		time.Sleep(50 * time.Millisecond)
	}
}

// clusterView shows the cluster's live workers (GET /api/v1/cluster,
// metrics).
type clusterView struct{ client *cluster.Client }

func (v clusterView) Workers(ctx context.Context) ([]api.ClusterWorker, error) {
	var out []api.ClusterWorker
	for _, w := range v.client.Workers() {
		var runtimes []string
		for _, rt := range w.Runtimes {
			runtimes = append(runtimes, rt.Language)
		}
		out = append(out, api.ClusterWorker{ID: w.ID, Host: w.Host, Runtimes: runtimes,
			Slots: w.Slots, Busy: w.Busy, Started: w.Started, Version: w.Version})
	}
	return out, nil
}

// stats is the cluster's load as the engine's: its slots are the
// workers' together.
func (v clusterView) stats() engine.Stats {
	var st engine.Stats
	for _, w := range v.client.Workers() {
		st.Slots += w.Slots
		st.Pool.Size += w.Slots
		st.Pool.Free += max(w.Slots-w.Busy, 0)
	}
	return st
}

// workerID names this process among the cluster's workers: its host
// and pid, in the letters a worker id may hold.
func workerID() string {
	host, _ := os.Hostname()
	clean := []byte(host)
	for i, c := range clean {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			clean[i] = '-'
		}
	}
	return string(clean) + "-" + strconv.Itoa(os.Getpid())
}
