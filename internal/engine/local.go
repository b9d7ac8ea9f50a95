package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coderacer/coderacer/internal/runtime"
	"github.com/coderacer/coderacer/internal/sandbox"
	"golang.org/x/sys/unix"
)

// Config configures the local engine.
type Config struct {
	Sandbox *sandbox.Sandbox
	Catalog *runtime.Catalog
	Run     LimitPolicy
	Compile LimitPolicy
	// Slots is the number of jobs that run at once (the sandbox pool's
	// size); QueueSize the number that may wait behind them.
	Slots     int
	QueueSize int
	MaxFiles  int
	// Cache keeps compiled artifacts; nil disables it.
	Cache  *CompileCache
	Logger *slog.Logger
}

// Local runs jobs in this machine's sandbox.
type Local struct {
	cfg       Config
	log       *slog.Logger
	available map[*runtime.Runtime]string // runtime → detected version
	runtimes  []RuntimeInfo               // what available says, for listing
	inflight  atomic.Int64
	releases  sync.WaitGroup
}

// Stats is what the engine says of its load and cache, for metrics.
type Stats struct {
	Slots     int   // jobs that run at once
	InFlight  int64 // jobs running or waiting for a sandbox
	Pool      sandbox.PoolStats
	CacheHits uint64
	// CacheMisses are compiles the cache could have served but did not.
	CacheMisses uint64
	CacheBytes  int64
}

// Stats reads the engine's counters; cheap, for every scrape.
func (e *Local) Stats() Stats {
	st := Stats{Slots: e.cfg.Slots, InFlight: e.inflight.Load(), Pool: e.cfg.Sandbox.Stats()}
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
func runtimeEnv(rt *runtime.Runtime) []string {
	return append(append([]string{}, baseEnv...), rt.Env...)
}

// NewLocal detects which runtimes work (their toolchain answers its
// version command inside the sandbox) and returns a ready engine.
func NewLocal(ctx context.Context, cfg Config) (*Local, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	e := &Local{cfg: cfg, log: cfg.Logger, available: make(map[*runtime.Runtime]string)}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, rt := range cfg.Catalog.All() {
		wg.Go(func() {
			version, err := e.detect(ctx, rt)
			if err != nil {
				e.log.Info("runtime unavailable", "language", rt.Language, "reason", err)
				return
			}
			mu.Lock()
			e.available[rt] = version
			mu.Unlock()
			e.log.Info("runtime available", "language", rt.Language, "version", version)
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for _, rt := range cfg.Catalog.All() {
		if v, ok := e.available[rt]; ok {
			e.runtimes = append(e.runtimes, RuntimeInfo{Language: rt.Language, Version: v, Aliases: rt.Aliases, Compiled: rt.Compiled(), Entrypoint: rt.Entrypoint})
		}
	}
	return e, nil
}

func (e *Local) detect(ctx context.Context, rt *runtime.Runtime) (string, error) {
	for _, cmd := range [][]string{rt.Version.Command, rt.Run, rt.Compile} {
		if len(cmd) == 0 || strings.HasPrefix(cmd[0], sandbox.WorkDir+"/") {
			continue
		}
		if _, err := os.Stat(cmd[0]); err != nil {
			return "", fmt.Errorf("toolchain not installed: %w", err)
		}
	}
	box, err := e.cfg.Sandbox.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer box.Release()
	lim := e.cfg.Compile.Default
	res, err := box.Run(ctx, sandbox.Cmd{
		Args:   rt.Version.Command,
		Env:    runtimeEnv(rt),
		Limits: sandboxLimits(lim),
	})
	if err != nil {
		return "", err
	}
	if res.ExitCode != 0 || res.Limit != sandbox.LimitNone {
		return "", fmt.Errorf("version command failed: exit %d, limit %q: %s", res.ExitCode, res.Limit, res.Stderr)
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

// Execute runs a job: files into a fresh box, the compile stage if the
// runtime has one, then the run stage.
func (e *Local) Execute(ctx context.Context, job Job) (*Result, error) {
	accepted := time.Now()
	rt, ok := e.cfg.Catalog.Lookup(job.Language)
	version, installed := e.available[rt]
	if !ok || !installed {
		return nil, &RuntimeNotFoundError{Language: job.Language}
	}
	entry := job.Entrypoint
	if entry == "" {
		entry = rt.Entrypoint
	}
	if err := ValidateFiles(job.Files, entry, e.cfg.MaxFiles); err != nil {
		return nil, err
	}
	runLim, err := e.cfg.Run.Resolve(job.RunLimits, overrides(rt.Limits.Run), "limits")
	if err != nil {
		return nil, err
	}
	compileLim, err := e.cfg.Compile.Resolve(job.CompileLimits, overrides(rt.Limits.Compile), "compileLimits")
	if err != nil {
		return nil, err
	}

	acquire := e.cfg.Sandbox.Acquire
	if job.Network {
		if !e.cfg.Sandbox.NetworkEnabled() {
			return nil, ErrNetworkDisabled
		}
		acquire = e.cfg.Sandbox.AcquireNetwork
	}

	if e.inflight.Add(1) > int64(e.cfg.Slots+e.cfg.QueueSize) {
		e.inflight.Add(-1)
		return nil, ErrQueueFull
	}
	box, err := acquire(ctx)
	if err != nil {
		e.inflight.Add(-1)
		if errors.Is(err, sandbox.ErrClosed) {
			// Shutting down: another server (or this one, restarted)
			// can take the job.
			return nil, ErrQueueFull
		}
		return nil, fmt.Errorf("wait for a sandbox: %w", err)
	}
	// Wiping the box is off the response's path; the slot is taken
	// until it is done.
	e.releases.Add(1)
	defer func() {
		go func() {
			defer e.releases.Done()
			box.Release()
			e.inflight.Add(-1)
		}()
	}()

	res := &Result{Language: rt.Language, Version: version}
	res.Timings.Queue = time.Since(accepted)
	prepStart := time.Now()
	env := runtimeEnv(rt)
	names := make([]string, len(job.Files))
	files := make([]sandbox.File, len(job.Files), len(job.Files)+1)
	for i, f := range job.Files {
		names[i] = f.Name
		files[i] = sandbox.File{Name: f.Name, Content: f.Content}
	}
	var (
		compileArgs []string
		key         cacheKey
		cached      bool
	)
	// A compile with network could observe what the key does not hold:
	// its artifact is neither served from the cache nor put in it.
	cacheable := rt.Artifact != "" && !job.Network
	if rt.Compiled() {
		compileArgs = rt.CompileArgs(entry, names)
		if cacheable {
			key = compileKey(rt.Language, version, compileArgs, env, sandboxLimits(compileLim), job.Files)
			var artifact []byte
			if artifact, cached = e.cfg.Cache.get(key); cached {
				files = append(files, sandbox.File{Name: strings.TrimPrefix(rt.Artifact, sandbox.WorkDir+"/"), Content: artifact, Executable: true})
			}
		}
	}
	if err := box.WriteFiles(files); err != nil {
		e.log.Error("write job files", "err", err)
		res.Status = StatusInternalError
		res.Run = &StageResult{Status: StatusInternalError, Message: "the engine could not write the files into the sandbox"}
		return res, nil
	}
	res.Timings.Preparation = time.Since(prepStart)

	switch {
	case cached:
		res.Compile = &StageResult{Status: StatusOK, Cached: true}
		if s := job.Stream; s != nil && s.Event != nil {
			s.Event(Event{Kind: EventStage, Stage: StageCompile})
			s.Event(Event{Kind: EventExit, Stage: StageCompile, Result: res.Compile})
		}
	case rt.Compiled():
		cmd := sandbox.Cmd{Args: compileArgs, Env: env, Limits: sandboxLimits(compileLim)}
		stage, err := e.stage(ctx, box, StageCompile, cmd, compileLim, job.Stream, &res.Timings)
		if err != nil {
			return nil, err
		}
		res.Compile = stage
		switch stage.Status {
		case StatusOK:
		case StatusInternalError:
			res.Status = StatusInternalError
			return res, nil
		default: // the compiler refused, or a limit ended it
			res.Status = StatusCompileError
			e.logJob(ctx, res)
			return res, nil
		}
		if cacheable && e.cfg.Cache.enabled() {
			// Read now, before any user code runs in this box: what is
			// cached is exactly what the compiler wrote. The request may
			// allow a huge artifact; the cache keeps only modest ones.
			if artifact, err := box.ReadFile(rt.Artifact, min(compileLim.FileSize, e.cfg.Cache.maxArtifact())); err == nil {
				e.cfg.Cache.put(key, artifact)
			} else {
				e.log.Warn("compile artifact not cached", "language", rt.Language, "err", err)
			}
		}
	}
	cmd := sandbox.Cmd{Args: rt.RunArgs(entry, names, job.Args), Env: env, Stdin: job.Stdin, Limits: sandboxLimits(runLim)}
	if job.Stream != nil {
		cmd.StdinReader = job.Stream.Stdin
		cmd.Signals = job.Stream.Signals
	}
	stage, err := e.stage(ctx, box, StageRun, cmd, runLim, job.Stream, &res.Timings)
	if err != nil {
		return nil, err
	}
	res.Run = stage
	res.Status = stage.Status
	e.logJob(ctx, res)
	return res, nil
}

// logJob tells operators where a job's time went.
func (e *Local) logJob(ctx context.Context, res *Result) {
	t := res.Timings
	e.log.Info("job", "language", res.Language, "status", res.Status,
		"queue", t.Queue, "preparation", t.Preparation, "compile", t.Compile, "run", t.Run,
		"setup", t.Setup, "collection", t.Collection, "requestId", RequestID(ctx))
}

// stage runs one command and judges it, telling a streamed job's client
// as it goes. The error is only ctx's.
func (e *Local) stage(ctx context.Context, box *sandbox.Box, name string, cmd sandbox.Cmd, lim Limits, stream *Stream, t *Timings) (*StageResult, error) {
	start := time.Now()
	defer func() {
		if name == StageCompile {
			t.Compile = time.Since(start)
		} else {
			t.Run = time.Since(start)
		}
	}()
	if stream != nil && stream.Event != nil {
		stream.Event(Event{Kind: EventStage, Stage: name})
		cmd.OnOutput = func(s sandbox.Stream, data []byte) {
			ev := Event{Kind: EventOutput, Stage: name, Stream: StreamStdout, Data: data}
			if s == sandbox.Stderr {
				ev.Stream = StreamStderr
			}
			stream.Event(ev)
		}
	}
	s, overhead, err := e.judge(ctx, box, cmd, lim)
	if err != nil {
		return nil, err
	}
	t.Setup += overhead.setup
	t.Collection += overhead.collection
	if name == StageCompile && s.Status == StatusRuntimeError {
		s.Status = StatusCompileError // the compiler said no
	}
	if stream != nil && stream.Event != nil {
		stream.Event(Event{Kind: EventExit, Stage: name, Result: s})
	}
	return s, nil
}

// overhead is what a stage cost besides the program's own wall time.
type overhead struct{ setup, collection time.Duration }

func (e *Local) judge(ctx context.Context, box *sandbox.Box, cmd sandbox.Cmd, lim Limits) (*StageResult, overhead, error) {
	start := time.Now()
	r, err := box.Run(ctx, cmd)
	ov := overhead{setup: r.SetupTime, collection: max(0, time.Since(start)-r.SetupTime-r.WallTime)}
	if ctx.Err() != nil {
		return nil, ov, ctx.Err()
	}
	if err != nil {
		e.log.Error("sandbox run failed", "args", cmd.Args[0], "err", err)
		return &StageResult{Status: StatusInternalError, Message: "the sandbox failed to run the program"}, ov, nil
	}
	s := &StageResult{
		Stdout: r.Stdout, Stderr: r.Stderr, Output: r.Output,
		StdoutTruncated: r.StdoutTruncated, StderrTruncated: r.StderrTruncated,
		ExitCode: r.ExitCode, CPUTime: r.CPUTime, WallTime: r.WallTime, Memory: int64(r.Memory),
	}
	if r.Signal != 0 {
		s.Signal = unix.SignalName(r.Signal)
		if s.Signal == "" {
			s.Signal = fmt.Sprintf("signal %d", int(r.Signal))
		}
	}
	switch {
	case r.Limit == sandbox.LimitCPU:
		s.Status, s.Message = StatusTimeLimitExceeded, fmt.Sprintf("CPU time limit of %v exceeded", lim.CPUTime)
	case r.Limit == sandbox.LimitWall:
		s.Status, s.Message = StatusTimeLimitExceeded, fmt.Sprintf("wall time limit of %v exceeded", lim.WallTime)
	case r.Limit == sandbox.LimitMemory:
		s.Status, s.Message = StatusMemoryLimitExceeded, fmt.Sprintf("memory limit of %d bytes exceeded", lim.Memory)
	case r.Limit == sandbox.LimitOutput:
		s.Status, s.Message = StatusOutputLimitExceeded, fmt.Sprintf("output limit of %d bytes per stream exceeded", lim.Output)
	case r.Limit == sandbox.LimitFileSize:
		s.Status, s.Message = StatusOutputLimitExceeded, fmt.Sprintf("file size limit of %d bytes exceeded", lim.FileSize)
	case r.Signal != 0:
		s.Status, s.Message = StatusSignaled, "killed by "+s.Signal
	case r.ExitCode != 0:
		s.Status = StatusRuntimeError
	default:
		s.Status = StatusOK
	}
	return s, ov, nil
}

func overrides(l runtime.Limits) Limits {
	return Limits{
		WallTime: l.WallTime(), CPUTime: l.CPUTime(), Memory: l.MemoryBytes,
		Processes: l.Processes, Output: l.OutputBytes, FileSize: l.FileSizeBytes, OpenFiles: l.OpenFiles,
	}
}

func sandboxLimits(l Limits) sandbox.Limits {
	return sandbox.Limits{
		WallTime: l.WallTime, CPUTime: l.CPUTime, Memory: uint64(l.Memory),
		Processes: uint64(l.Processes), Output: l.Output, FileSize: uint64(l.FileSize),
		OpenFiles: uint64(l.OpenFiles),
		// The stack may use all of the memory: deep recursion is
		// legitimate in contest code, and the cgroup bounds the total.
		Stack: uint64(l.Memory),
	}
}
