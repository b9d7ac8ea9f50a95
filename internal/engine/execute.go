package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/coderacer/coderacer/internal/langs"
)

// plan is a job checked against the server: everything decided before a
// box is taken.
type plan struct {
	rt      *langs.Runtime
	version string
	entry   string
	run     Limits
	compile Limits
	options []string // compiler options, from the runtime's allow-list
}

// Execute runs a job: files into a fresh box, the compile stage if the
// runtime has one, then the run stage.
func (e *Local) Execute(ctx context.Context, job Job) (*Result, error) {
	accepted := time.Now()
	p, err := e.plan(job)
	if err != nil {
		return nil, err
	}
	box, err := e.acquire(ctx, job.Network)
	if err != nil {
		return nil, err
	}
	defer e.release(ctx, box)
	res := &Result{Language: p.rt.Language, Version: p.version}
	res.Timings.Queue = time.Since(accepted)
	if err := e.runJob(ctx, box, p, job, res); err != nil {
		return nil, err
	}
	return res, nil
}

// plan resolves the job's runtime, entrypoint and limits; its errors are
// the request's fault.
func (e *Local) plan(job Job) (*plan, error) {
	rt, ok := e.cfg.Catalog.Lookup(job.Language)
	version, installed := e.versionOf(rt)
	if !ok || !installed {
		return nil, &RuntimeNotFoundError{Language: job.Language}
	}
	p := &plan{rt: rt, version: version, entry: job.Entrypoint}
	if p.entry == "" {
		p.entry = rt.Entrypoint
	}
	if err := ValidateFiles(job.Files, p.entry, e.cfg.MaxFiles); err != nil {
		return nil, err
	}
	if err := rt.CheckOptions(job.CompilerOptions); err != nil {
		return nil, err
	}
	p.options = job.CompilerOptions
	var err error
	if p.run, err = e.cfg.Run.Resolve(StageRun, job.RunLimits, overrides(rt.Limits.Run)); err != nil {
		return nil, err
	}
	if p.compile, err = e.cfg.Compile.Resolve(StageCompile, job.CompileLimits, overrides(rt.Limits.Compile)); err != nil {
		return nil, err
	}
	if job.Network && !e.cfg.Pool.NetworkEnabled() {
		return nil, ErrNetworkDisabled
	}
	return p, nil
}

// acquire takes a slot and waits for a box, or refuses a job the queue
// has no room for.
func (e *Local) acquire(ctx context.Context, network bool) (Box, error) {
	if e.inflight.Add(1) > int64(e.slots+e.cfg.QueueSize) {
		e.inflight.Add(-1)
		return nil, ErrQueueFull
	}
	acquire := e.cfg.Pool.Acquire
	if network {
		acquire = e.cfg.Pool.AcquireNetwork
	}
	box, err := acquire(ctx)
	if err != nil {
		e.inflight.Add(-1)
		if errors.Is(err, ErrPoolClosed) {
			// Shutting down: another server (or this one, restarted)
			// can take the job.
			return nil, ErrQueueFull
		}
		return nil, fmt.Errorf("wait for a sandbox: %w", err)
	}
	return box, nil
}

// release wipes the box off the response's path, once the answer is on
// its way when the caller says when (AfterAnswer); the slot is taken
// until it is done.
func (e *Local) release(ctx context.Context, box Box) {
	e.releases.Add(1)
	afterAnswer(ctx, func() {
		defer e.releases.Done()
		box.Release()
		e.inflight.Add(-1)
	})
}

// runJob fills res: the job's files into box, then its stages. The error
// is only ctx's.
func (e *Local) runJob(ctx context.Context, box Box, p *plan, job Job, res *Result) error {
	prepStart := time.Now()
	w, err := e.prepare(box, p, job)
	if err != nil {
		e.log.Error("write job files", "err", err)
		res.Status = StatusInternalError
		res.Run = &StageResult{Status: StatusInternalError, Message: "the engine could not write the files into the sandbox"}
		return nil
	}
	res.Timings.Preparation = time.Since(prepStart)
	if done, err := e.compile(ctx, box, p, w, job.Stream, res); done || err != nil {
		return err
	}
	spec := RunSpec{Args: p.rt.RunArgs(p.entry, w.names, job.Args), Env: w.env, Stdin: job.Stdin, Limits: p.run}
	if job.Stream != nil {
		spec.StdinReader = job.Stream.Stdin
		spec.Signals = job.Stream.Signals
	}
	stage, err := e.stage(ctx, box, StageRun, spec, job.Stream, &res.Timings)
	if err != nil {
		return err
	}
	res.Run = stage
	res.Status = stage.Status
	e.logJob(ctx, res)
	return nil
}

// workspace is what prepare decided and wrote.
type workspace struct {
	names       []string // the job's file names
	env         []string
	compileArgs []string
	// A compile with network could observe what the key does not hold:
	// its artifact is neither served from the cache nor put in it.
	cacheable bool
	key       cacheKey
	cached    bool // the compile cache's artifact was written
}

// prepare writes the job's files into box, and the compiled artifact when
// the cache holds it.
func (e *Local) prepare(box Box, p *plan, job Job) (workspace, error) {
	w := workspace{env: runtimeEnv(p.rt), names: make([]string, len(job.Files)), cacheable: p.rt.Artifact != "" && !job.Network}
	files := make([]BoxFile, len(job.Files), len(job.Files)+1)
	for i, f := range job.Files {
		w.names[i] = f.Name
		files[i] = BoxFile{Name: f.Name, Content: f.Content}
	}
	if p.rt.Compiled() {
		w.compileArgs = p.rt.CompileArgs(p.entry, w.names, p.options)
		if w.cacheable {
			w.key = compileKey(p.rt.Language, p.version, w.compileArgs, w.env, p.compile, job.Files)
			var artifact []byte
			if artifact, w.cached = e.cfg.Cache.get(w.key); w.cached {
				files = append(files, BoxFile{Name: strings.TrimPrefix(p.rt.Artifact, WorkDir+"/"), Content: artifact, Executable: true})
			}
		}
	}
	return w, box.WriteFiles(files)
}

// compile runs the compile stage, or tells of the cached one. done is set
// when the job ends there (the compiler refused, or the engine failed).
func (e *Local) compile(ctx context.Context, box Box, p *plan, w workspace, stream *Stream, res *Result) (done bool, err error) {
	switch {
	case w.cached:
		res.Compile = &StageResult{Status: StatusOK, Cached: true}
		if stream != nil && stream.Event != nil {
			stream.Event(Event{Kind: EventStage, Stage: StageCompile})
			stream.Event(Event{Kind: EventExit, Stage: StageCompile, Result: res.Compile})
		}
		return false, nil
	case !p.rt.Compiled():
		return false, nil
	}
	spec := RunSpec{Args: w.compileArgs, Env: w.env, Limits: p.compile}
	stage, err := e.stage(ctx, box, StageCompile, spec, stream, &res.Timings)
	if err != nil {
		return true, err
	}
	res.Compile = stage
	switch stage.Status {
	case StatusOK:
	case StatusInternalError:
		res.Status = StatusInternalError
		return true, nil
	default: // the compiler refused, or a limit ended it
		res.Status = StatusCompileError
		e.logJob(ctx, res)
		return true, nil
	}
	if w.cacheable && e.cfg.Cache.enabled() {
		// Read now, before any user code runs in this box: what is
		// cached is exactly what the compiler wrote. The request may
		// allow a huge artifact; the cache keeps only modest ones.
		if artifact, err := box.ReadFile(p.rt.Artifact, min(p.compile.FileSize, e.cfg.Cache.maxArtifact())); err == nil {
			e.cfg.Cache.put(w.key, artifact)
		} else {
			e.log.Warn("compile artifact not cached", "language", p.rt.Language, "err", err)
		}
	}
	return false, nil
}

// logJob tells operators where a job's time went, once the answer is on
// its way: formatting and writing the line cost the answer ~20 µs.
func (e *Local) logJob(ctx context.Context, res *Result) {
	if !e.log.Enabled(ctx, slog.LevelInfo) {
		return
	}
	t, language, status, id := res.Timings, res.Language, res.Status, RequestID(ctx)
	afterAnswer(ctx, func() {
		e.log.Info("job", "language", language, "status", status,
			"queue", t.Queue, "preparation", t.Preparation, "compile", t.Compile, "run", t.Run,
			"setup", t.Setup, "collection", t.Collection, "requestId", id)
	})
}

// stage runs one command and judges it, telling a streamed job's client
// as it goes. The error is only ctx's.
func (e *Local) stage(ctx context.Context, box Box, name string, spec RunSpec, stream *Stream, t *Timings) (*StageResult, error) {
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
		spec.OnOutput = func(s string, data []byte) {
			stream.Event(Event{Kind: EventOutput, Stage: name, Stream: s, Data: data})
		}
	}
	s, err := e.judge(ctx, box, spec, t)
	if err != nil {
		return nil, err
	}
	if name == StageCompile && s.Status == StatusRuntimeError {
		s.Status = StatusCompileError // the compiler said no
	}
	if stream != nil && stream.Event != nil {
		stream.Event(Event{Kind: EventExit, Stage: name, Result: s})
	}
	return s, nil
}

// judge runs spec and gives its verdict, adding to t what the run cost
// besides the program's own wall time. The error is only ctx's.
func (e *Local) judge(ctx context.Context, box Box, spec RunSpec, t *Timings) (*StageResult, error) {
	start := time.Now()
	r, err := box.Run(ctx, spec)
	t.Setup += r.SetupTime
	t.Collection += max(0, time.Since(start)-r.SetupTime-r.WallTime)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if err != nil {
		e.log.Error("sandbox run failed", "args", spec.Args[0], "err", err)
		return &StageResult{Status: StatusInternalError, Message: "the sandbox failed to run the program"}, nil
	}
	return verdict(r, spec.Limits), nil
}

// overrides are a runtime's limits in the engine's units.
func overrides(l langs.Limits) Limits {
	return Limits{
		WallTime: l.WallTime(), CPUTime: l.CPUTime(), Memory: l.MemoryBytes,
		Processes: l.Processes, Output: l.OutputBytes, FileSize: l.FileSizeBytes, OpenFiles: l.OpenFiles,
	}
}
