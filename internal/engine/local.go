package engine

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"runtime"
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
	cfg   Config
	log   *slog.Logger
	slots int // jobs that run at once: the Pool's size
	// det holds the runtimes' versions, detected in the background.
	det       *detection
	detecting sync.WaitGroup
	// share lends the pool's boxes to the probes (nil without probes);
	// it is then cfg.Pool too, the jobs' side.
	share    *boxShare
	inflight atomic.Int64
	releases sync.WaitGroup
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

// NewLocal starts an engine that can run jobs at once. The runtimes'
// versions come from the version cache when it knows them; the others
// are probed in the background (their version command, run inside the
// sandbox), and a runtime whose probe fails is not available. Until the
// probes have ended, a job waits for its own runtime's probe and
// Runtimes waits for them all (see detection). The probes run under ctx.
func NewLocal(ctx context.Context, cfg Config) (*Local, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	e := &Local{cfg: cfg, log: cfg.Logger, slots: cfg.Pool.Stats().Size, det: newDetection()}
	versions := loadVersionCache(cfg.VersionCache, e.log)
	var probes []probe
	for _, rt := range cfg.Catalog.All() {
		key := versions.keyOf(rt, cfg.Compile.Default)
		if v, ok := versions.lookup(rt.Language, key); ok {
			e.det.known(rt, v)
			e.log.Info("runtime available", "language", rt.Language, "version", v, "cached", true)
			continue
		}
		probes = append(probes, probe{rt, key})
	}
	// The longest of the last start first: a JVM's half second started
	// last would run alone at the end while the other boxes idle.
	slices.SortStableFunc(probes, func(a, b probe) int {
		return cmp.Compare(versions.took(b.rt.Language), versions.took(a.rt.Language))
	})
	for _, p := range probes {
		e.det.enqueue(p.rt, p.key)
	}
	if len(probes) > 0 {
		e.share = newBoxShare(cfg.Pool)
		e.cfg.Pool = e.share
	}
	e.detecting.Go(func() { e.detectAll(ctx, len(probes), versions) })
	return e, nil
}

// probe is a runtime to probe, and its version cache key.
type probe struct {
	rt  *langs.Runtime
	key string
}

// detectAll runs the queued probes, then saves the version cache and
// ends the detection.
func (e *Local) detectAll(ctx context.Context, n int, versions *versionCache) {
	start := time.Now()
	var wg sync.WaitGroup
	// Probes are CPU-bound programs: more workers than cores would not
	// end sooner. (Cores, not GOMAXPROCS: the programs run in the boxes,
	// outside the server's scheduler.)
	for range max(1, min(e.slots, runtime.NumCPU(), n)) {
		wg.Go(func() {
			for p := e.det.next(); p != nil; p = e.det.next() {
				e.probeOne(ctx, p, versions)
			}
		})
	}
	wg.Wait()
	if e.share != nil {
		e.share.stop()
	}
	versions.save()
	e.det.finish(e.cfg.Catalog.All())
	e.log.Info("runtimes detected", "available", len(e.det.runtimes), "of", len(e.cfg.Catalog.All()),
		"probed", n, "took", time.Since(start).Round(time.Millisecond))
}

// probeOne runs p's probe and records what it found.
func (e *Local) probeOne(ctx context.Context, p *pendingProbe, versions *versionCache) {
	if ctx.Err() != nil { // stopping: the rest end at once, unprobed
		e.det.ended(p, "", false)
		return
	}
	version, took, err := e.detect(ctx, p.rt)
	if err != nil {
		e.det.ended(p, "", false)
		e.log.Info("runtime unavailable", "language", p.rt.Language, "reason", err)
		return
	}
	versions.store(p.rt.Language, p.key, version, took)
	e.det.ended(p, version, true)
	e.log.Info("runtime available", "language", p.rt.Language, "version", version, "cached", false, "probe", took.Round(time.Millisecond))
}

// detect runs rt's version command in a box and parses its answer; took
// is the run's time, not the wait for the box.
func (e *Local) detect(ctx context.Context, rt *langs.Runtime) (version string, took time.Duration, err error) {
	for _, cmd := range [][]string{rt.Version.Command, rt.Run, rt.Compile} {
		if len(cmd) == 0 || strings.HasPrefix(cmd[0], WorkDir+"/") {
			continue
		}
		if _, err := os.Stat(cmd[0]); err != nil {
			return "", 0, fmt.Errorf("toolchain not installed: %w", err)
		}
	}
	box, err := e.share.acquireProbe(ctx)
	if err != nil {
		return "", 0, err
	}
	defer e.share.releaseProbe(box)
	start := time.Now()
	res, err := box.Run(ctx, RunSpec{
		Args:   rt.Version.Command,
		Env:    runtimeEnv(rt),
		Limits: e.cfg.Compile.Default,
	})
	took = time.Since(start)
	if err != nil {
		return "", took, err
	}
	if res.ExitCode != 0 || res.Limit != LimitNone {
		return "", took, fmt.Errorf("version command failed: exit %d, limit %q: %s", res.ExitCode, res.Limit.Key(), res.Stderr)
	}
	version, err = rt.ParseVersion(string(res.Stdout) + string(res.Stderr))
	return version, took, err
}

// versionOf is rt's version and whether it works; while rt's probe has
// not ended, it waits for it (see detection.version).
func (e *Local) versionOf(rt *langs.Runtime) (string, bool) { return e.det.version(rt) }

// Ready is always true: the engine runs jobs from the moment NewLocal
// returns (a job whose runtime is still being probed waits for it).
func (e *Local) Ready() bool { return true }

// Runtimes lists the runtimes that work, sorted by language, waiting for
// the probes still running. The slice is shared: callers must not change
// it.
func (e *Local) Runtimes() []RuntimeInfo {
	<-e.det.done
	return e.det.runtimes
}

// WaitRuntimes waits until Runtimes answers at once, or ctx ends.
func (e *Local) WaitRuntimes(ctx context.Context) error {
	select {
	case <-e.det.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Wait blocks until every box handed out has been wiped and returned,
// the probes' too (they end with NewLocal's context).
func (e *Local) Wait() {
	e.detecting.Wait()
	e.releases.Wait()
}
