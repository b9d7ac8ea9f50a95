package engine

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coderacer/coderacer/internal/langs"
)

// Config configures the local engine.
type Config struct {
	// Pool hands out the boxes jobs run in (NewSandboxPool).
	Pool    Pool
	Catalog *langs.Catalog
	Run     LimitPolicy
	Compile LimitPolicy
	// QueueSize is the number of jobs that may wait behind those that
	// run (as many as the Pool has boxes).
	QueueSize int
	MaxFiles  int
	// Cache keeps compiled artifacts; nil disables it.
	Cache *CompileCache
	// VersionCache is the file that keeps the runtimes' versions between
	// starts (versionCache); "" probes every runtime at every start.
	VersionCache string
	Logger       *slog.Logger
}

// Local runs jobs in the boxes of its Pool: in the server, this machine's
// sandbox.
type Local struct {
	cfg       Config
	log       *slog.Logger
	slots     int                       // jobs that run at once: the Pool's size
	available map[*langs.Runtime]string // runtime → detected version
	runtimes  []RuntimeInfo             // what available says, for listing
	inflight  atomic.Int64
	releases  sync.WaitGroup
	// pairMu lets one judge at a time take the two boxes of an
	// interactive test (takePair).
	pairMu sync.Mutex
}

// Stats is what the engine says of its load and cache, for metrics.
type Stats struct {
	Slots     int   // jobs that run at once
	InFlight  int64 // jobs running or waiting for a sandbox
	Pool      PoolStats
	CacheHits uint64
	// CacheMisses are compiles the cache could have served but did not.
	CacheMisses uint64
	CacheBytes  int64
}

// Stats reads the engine's counters; cheap, for every scrape.
func (e *Local) Stats() Stats {
	st := Stats{Slots: e.slots, InFlight: e.inflight.Load(), Pool: e.cfg.Pool.Stats()}
	if e.cfg.Cache != nil {
		st.CacheHits, st.CacheMisses, st.CacheBytes = e.cfg.Cache.Stats()
	}
	return st
}

// baseEnv is the environment of every program; runtimes add their own.
// Nothing of the server's environment is passed on.
var baseEnv = []string{
	"PATH=/usr/bin:/bin",
	"HOME=/tmp",
	"TMPDIR=/tmp",
	"LANG=C.UTF-8",
	"LC_ALL=C.UTF-8",
}

// runtimeEnv is the environment of rt's programs, a fresh slice.
func runtimeEnv(rt *langs.Runtime) []string {
	return append(append([]string{}, baseEnv...), rt.Env...)
}

// NewLocal detects which runtimes work (their toolchain answers its
// version command inside the sandbox) and returns a ready engine.
func NewLocal(ctx context.Context, cfg Config) (*Local, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	e := &Local{cfg: cfg, log: cfg.Logger, slots: cfg.Pool.Stats().Size, available: make(map[*langs.Runtime]string)}
	versions := loadVersionCache(cfg.VersionCache, e.log)
	var probes []probe
	for _, rt := range cfg.Catalog.All() {
		key := versions.keyOf(rt, cfg.Compile.Default)
		if v, ok := versions.lookup(rt.Language, key); ok {
			e.available[rt] = v
			e.log.Info("runtime available", "language", rt.Language, "version", v, "cached", true)
			continue
		}
		probes = append(probes, probe{rt, key})
	}
	e.probeAll(ctx, probes, versions)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	versions.save()
	for _, rt := range cfg.Catalog.All() {
		if v, ok := e.available[rt]; ok {
			e.runtimes = append(e.runtimes, RuntimeInfo{Language: rt.Language, Version: v, Aliases: rt.Aliases, Compiled: rt.Compiled(), Entrypoint: rt.Entrypoint, CompilerOptions: rt.CompilerOptions})
		}
	}
	return e, nil
}

// probe is a runtime to probe, and its version cache key.
type probe struct {
	rt  *langs.Runtime
	key string
}

// probeAll runs the probes on as many workers as the pool has boxes, the
// longest of the last start first: a JVM's half second started last
// would run alone at the end while the other boxes idle.
func (e *Local) probeAll(ctx context.Context, probes []probe, versions *versionCache) {
	slices.SortStableFunc(probes, func(a, b probe) int {
		return cmp.Compare(versions.took(b.rt.Language), versions.took(a.rt.Language))
	})
	next := make(chan probe)
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range max(1, min(e.slots, len(probes))) {
		wg.Go(func() {
			for p := range next {
				start := time.Now()
				version, err := e.detect(ctx, p.rt)
				if err != nil {
					e.log.Info("runtime unavailable", "language", p.rt.Language, "reason", err)
					continue
				}
				took := time.Since(start)
				versions.store(p.rt.Language, p.key, version, took)
				mu.Lock()
				e.available[p.rt] = version
				mu.Unlock()
				e.log.Info("runtime available", "language", p.rt.Language, "version", version, "cached", false, "probe", took.Round(time.Millisecond))
			}
		})
	}
	for _, p := range probes {
		next <- p
	}
	close(next)
	wg.Wait()
}

func (e *Local) detect(ctx context.Context, rt *langs.Runtime) (string, error) {
	for _, cmd := range [][]string{rt.Version.Command, rt.Run, rt.Compile} {
		if len(cmd) == 0 || strings.HasPrefix(cmd[0], WorkDir+"/") {
			continue
		}
		if _, err := os.Stat(cmd[0]); err != nil {
			return "", fmt.Errorf("toolchain not installed: %w", err)
		}
	}
	box, err := e.cfg.Pool.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer box.Release()
	res, err := box.Run(ctx, RunSpec{
		Args:   rt.Version.Command,
		Env:    runtimeEnv(rt),
		Limits: e.cfg.Compile.Default,
	})
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 || res.Limit != LimitNone {
		return "", fmt.Errorf("version command failed: exit %d, limit %q: %s", res.ExitCode, res.Limit.Key(), res.Stderr)
	}
	return rt.ParseVersion(string(res.Stdout) + string(res.Stderr))
}

// Ready is always true: NewLocal returns once the runtimes are detected.
func (e *Local) Ready() bool { return true }

// Runtimes lists the runtimes that work, sorted by language. The slice is
// shared: callers must not change it.
func (e *Local) Runtimes() []RuntimeInfo { return e.runtimes }

// Wait blocks until every box handed out has been wiped and returned.
func (e *Local) Wait() { e.releases.Wait() }
