package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/coderacer/coderacer/internal/admission"
	"github.com/coderacer/coderacer/internal/api"
	"github.com/coderacer/coderacer/internal/apikeys"
	"github.com/coderacer/coderacer/internal/engine"
	"github.com/coderacer/coderacer/internal/ratelimit"
)

// newGate puts the admission gate in front of the engine: per-client job
// caps, fair turns between clients and CPU quotas.
func newGate(next engine.Executor, cfg serveConfig) *admission.Gate {
	return admission.New(next, admission.Options{
		Slots:            cfg.Parallelism,
		QueueSize:        cfg.QueueSize,
		MaxJobsPerClient: cfg.Access.MaxJobs,
		CPU:              admission.CPUQuota{Rate: cfg.Access.CPURate, Burst: cfg.Access.CPUBurst},
	})
}

// gatedStats is the engine's load with the jobs waiting at the gate
// counted in, for the metrics' queue depth.
type gatedStats struct {
	stats func() engine.Stats
	gate  *admission.Gate
}

func (g gatedStats) Stats() engine.Stats {
	st := g.stats()
	st.InFlight += int64(g.gate.Stats().Waiting)
	return st
}

// setAccess turns on API keys (reloaded on SIGHUP until ctx ends) and the
// request rate limit as configured.
func setAccess(ctx context.Context, opts *api.Options, a accessSettings, log *slog.Logger) error {
	opts.OpenPaths = a.OpenPaths
	opts.TrustedProxies = a.TrustedProxies
	if a.RateLimit > 0 {
		opts.RateLimiter = ratelimit.New(0, nil)
		opts.RateLimit = ratelimit.Limit{Rate: a.RateLimit, Burst: a.RateBurst}
	}
	if !a.keysOn() {
		return nil
	}
	store, err := apikeys.NewStore(a.loadKeys)
	if err != nil {
		return err
	}
	opts.Keys = store
	log.Info("API keys required", "keys", store.Current().Len(), "open", a.OpenPaths)
	go reloadKeysOnHangup(ctx, store, log)
	return nil
}

// reloadKeysOnHangup reloads the keys at each SIGHUP. Requests in flight
// keep the key they were admitted with; a broken file keeps the old keys.
func reloadKeysOnHangup(ctx context.Context, store *apikeys.Store, log *slog.Logger) {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	for {
		select {
		case <-ctx.Done():
			return
		case <-hup:
			if err := store.Reload(); err != nil {
				log.Error("reloading API keys failed; the keys in use stay", "err", err)
				continue
			}
			log.Info("API keys reloaded", "keys", store.Current().Len())
		}
	}
}

// keyCommand is `coderacer key new <name>`.
func keyCommand(args []string, w io.Writer) error {
	if len(args) != 2 || args[0] != "new" {
		return fmt.Errorf("usage: coderacer key new <name>")
	}
	secret, line, err := apikeys.Generate(args[1])
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "key:  %s\nline: %s\n\n# Give the key to its user; add the line to CODERACER_API_KEYS_FILE\n# (settings may follow it: jobs=N rate=R burst=N cpu=R cpu-burst=S\n# languages=a,b) and send the server SIGHUP.\n", secret, line)
	return err
}
